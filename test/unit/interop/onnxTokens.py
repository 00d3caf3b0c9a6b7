"""The ONNX export of an OptiDEL encoder, evaluated op by op in numpy, for encoderTorch.test.ts.

usage: onnxTokens.py ENCODER.safetensors IMAGES.f32 COUNT OUT_DIR
Writes OUT_DIR/encoder.onnx with ``optidel.export_onnx`` (checked there with onnx.checker), runs
it on the COUNT images (little-endian float32, COUNT x S x S) and writes OUT_DIR/onnx-tokens.f32
and onnx-embedding.f32. Debian's onnx 1.12 has no runtime and onnxruntime is not packaged, so the
graph is evaluated here by a numpy interpreter of the ONNX operator definitions (opset 13) it
uses, and those the masked scorer adds for onnxScores.py; an operator it does not know stops
the run, so nothing is silently skipped. Prints the model's inputs, outputs and operator types as JSON.
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def conv(x, w, b, node):
    a = attrs(node)
    if a.get("group", 1) != 1 or any(a.get("pads", [0])) or a.get("dilations", [1, 1]) != [1, 1]:
        raise NotImplementedError("Conv with groups, padding or dilation")
    (sh, sw), (kh, kw) = a["strides"], w.shape[2:]
    n, c, h, width = x.shape
    oh, ow = (h - kh) // sh + 1, (width - kw) // sw + 1
    out = np.zeros((n, w.shape[0], oh, ow), dtype=np.float64)
    for i in range(kh):
        for j in range(kw):
            patch = x[:, :, i : i + sh * oh : sh, j : j + sw * ow : sw]
            out += np.einsum("nchw,oc->nohw", patch, w[:, :, i, j])
    return out + b.reshape(1, -1, 1, 1)


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def reshape(x, shape):
    shape = [x.shape[i] if d == 0 else int(d) for i, d in enumerate(shape)]
    return x.reshape(shape)


def divide(a, b):
    if np.issubdtype(np.asarray(a).dtype, np.integer):
        return np.trunc(np.asarray(a) / np.asarray(b)).astype(np.asarray(a).dtype)
    return a / b


def slice_(x, starts, ends, axes=None, steps=None):
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    index = [slice(None)] * x.ndim
    for s, e, a, st in zip(starts, ends, axes, steps):
        index[int(a)] = slice(int(s), int(min(e, np.iinfo(np.int64).max)), int(st))
    return x[tuple(index)]


def split(x, sizes, node):
    axis = attrs(node).get("axis", 0)
    return np.split(x, np.cumsum(sizes)[:-1], axis=axis)


def softmax(x, node):
    axis = attrs(node).get("axis", -1)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def constant_of_shape(shape, node):
    value = attrs(node).get("value")
    fill = numpy_helper.to_array(value).reshape(-1)[0] if value is not None else 0.0
    dtype = np.float64 if isinstance(fill, np.floating) else np.asarray(fill).dtype
    return np.full([int(d) for d in shape], fill, dtype=dtype)


def reduce_sum(x, axes=None, node=None):
    if axes is None or len(axes) == 0:
        if attrs(node).get("noop_with_empty_axes", 0):
            return x
        axes = range(x.ndim)
    return x.sum(axis=tuple(int(a) for a in axes), keepdims=bool(attrs(node).get("keepdims", 1)))


def scatter_elements(data, indices, updates, node):
    if attrs(node).get("reduction", "none") != "none":
        raise NotImplementedError("ScatterElements with a reduction")
    out = np.array(data, copy=True)
    np.put_along_axis(out, indices, updates, axis=attrs(node).get("axis", 0))
    return out


CAST = {1: np.float32, 6: np.int32, 7: np.int64, 9: np.bool_, 11: np.float64}

OPS = {
    "Add": lambda n, a, b: a + b,
    "Sub": lambda n, a, b: a - b,
    "Mul": lambda n, a, b: a * b,
    "Div": lambda n, a, b: divide(a, b),
    "Pow": lambda n, a, b: np.power(a, b),
    "Sqrt": lambda n, a: np.sqrt(a),
    "Sigmoid": lambda n, a: 1 / (1 + np.exp(-a)),
    "MatMul": lambda n, a, b: a @ b,
    "Conv": lambda n, x, w, b: conv(x, w, b, n),
    "Shape": lambda n, a: np.array(a.shape, dtype=np.int64),
    "Gather": lambda n, a, i: np.take(a, i, axis=attrs(n).get("axis", 0)),
    "Unsqueeze": lambda n, a, axes: np.expand_dims(a, tuple(int(v) for v in axes)),
    "Squeeze": lambda n, a, axes: np.squeeze(a, tuple(int(v) for v in axes)),
    "Concat": lambda n, *xs: np.concatenate([np.atleast_1d(x) for x in xs], axis=attrs(n)["axis"]),
    "Reshape": lambda n, a, s: reshape(a, s),
    "Transpose": lambda n, a: np.transpose(a, attrs(n)["perm"]),
    "ReduceMean": lambda n, a: a.mean(axis=tuple(attrs(n)["axes"]), keepdims=bool(attrs(n).get("keepdims", 1))),
    "Cast": lambda n, a: np.asarray(a).astype(CAST[attrs(n)["to"]]),
    "Slice": lambda n, x, *rest: slice_(x, *rest),
    "Split": lambda n, x, sizes: split(x, sizes, n),
    "Softmax": lambda n, a: softmax(a, n),
    # The masked scorer's (export_onnx --scorer) besides the encoder's:
    "ConstantOfShape": lambda n, shape: constant_of_shape(shape, n),
    "Equal": lambda n, a, b: np.equal(a, b),
    "Expand": lambda n, a, shape: np.broadcast_to(a, np.broadcast_shapes(a.shape, tuple(int(d) for d in shape))).copy(),
    "GatherElements": lambda n, a, i: np.take_along_axis(a, i, axis=attrs(n).get("axis", 0)),
    "Identity": lambda n, a: a,
    "ReduceSum": lambda n, a, *axes: reduce_sum(a, *axes, node=n),
    "ScatterElements": lambda n, a, i, u: scatter_elements(a, i, u, n),
    "Where": lambda n, c, a, b: np.where(c, a, b),
}


def run(model, feeds):
    values = {t.name: numpy_helper.to_array(t).astype(np.float64) if t.data_type == 1 else numpy_helper.to_array(t)
              for t in model.graph.initializer}
    values.update(feeds)
    for node in model.graph.node:
        if node.op_type == "Constant":
            tensor = numpy_helper.to_array(attrs(node)["value"])
            values[node.output[0]] = tensor.astype(np.float64) if tensor.dtype == np.float32 else tensor
            continue
        if node.op_type not in OPS:
            raise NotImplementedError(f"ONNX operator {node.op_type} is not in this interpreter")
        result = OPS[node.op_type](node, *[values[i] for i in node.input if i])
        outputs = result if isinstance(result, list) else [result]
        values.update(zip(node.output, outputs))
    return [values[o.name] for o in model.graph.output]


def main(weights, images_file, count, out_dir):
    # Imported here: the interpreter alone (onnxRun.py) needs no PyTorch.
    from optidel.export_onnx import export_onnx

    file = os.path.join(out_dir, "encoder.onnx")
    encoder = export_onnx(weights, file)
    size = encoder.img_size
    images = np.fromfile(images_file, dtype="<f4").reshape(int(count), 1, size, size).astype(np.float64)
    model = onnx.load(file)
    tokens, embedding = run(model, {"images": images})
    tokens.astype("<f4").tofile(os.path.join(out_dir, "onnx-tokens.f32"))
    embedding.astype("<f4").tofile(os.path.join(out_dir, "onnx-embedding.f32"))

    def shape(v):
        return [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]

    print(json.dumps({
        "inputs": {v.name: shape(v) for v in model.graph.input},
        "outputs": {v.name: shape(v) for v in model.graph.output},
        "ops": sorted({n.op_type for n in model.graph.node}),
    }))


if __name__ == "__main__":
    main(*sys.argv[1:])
