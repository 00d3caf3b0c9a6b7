/**
 * Builds an ONNX graph op by op: each `op` call adds a node (every op used has one output) and returns its name,
 * so a layer reads like the computation it writes down. Value and node names are numbered in the
 * order they are made, which keeps an export byte-for-byte the same for the same weights.
 */
import type { AttributeValue, ElementType, Graph, Node, Tensor, ValueInfo } from './onnxProto';

export class GraphBuilder {
  private readonly nodes: Node[] = [];
  private readonly initializers: Tensor[] = [];
  private readonly names = new Set<string>();
  private count = 0;

  /** Adds `op` and returns its output's name: `output`, or a numbered one. */
  op(op: string, inputs: readonly string[], attributes?: Record<string, AttributeValue>, output?: string): string {
    const id = this.count++;
    const name = this.unique(output ?? `${op}_${id}`);
    this.nodes.push({ op, inputs, outputs: [name], name: `${op}_${id}`, attributes });
    return name;
  }

  /** A float32 initializer named `name` (a model weight or a fixed table). */
  floats(name: string, dims: readonly number[], values: Float32Array): string {
    this.initializers.push({ name: this.unique(name), type: 'float', dims, values });
    return name;
  }

  /** A float32 scalar constant. */
  scalar(value: number): string {
    return this.constant('float', [], [value]);
  }

  /** An int64 vector constant (shapes, axes, indices); `dims` [] makes a scalar of one value. */
  int64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.constant('int64', dims, values);
  }

  graph(name: string, inputs: readonly ValueInfo[], outputs: readonly ValueInfo[]): Graph {
    return { name, nodes: this.nodes, initializers: this.initializers, inputs, outputs };
  }

  private constant(type: ElementType, dims: readonly number[], values: readonly number[]): string {
    const name = this.unique(`const_${this.count++}`);
    const tensor: Tensor = { name, type, dims, values: type === 'float' ? Float32Array.from(values) : values };
    this.initializers.push(tensor);
    return name;
  }

  private unique(name: string): string {
    if (this.names.has(name)) throw new Error(`ONNX graph: the name "${name}" is used twice`);
    this.names.add(name);
    return name;
  }
}
