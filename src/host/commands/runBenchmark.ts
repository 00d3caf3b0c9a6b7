/**
 * "OptiDEL: Run Benchmark": the data-efficiency comparison on the workspace's optidel.json, with
 * progress and cancel. Asks for the config (when there are several), the methods, the budget and
 * the number of seeds; the benchmark becomes a run folder in the Runs view, and re-running it on
 * the same folder resumes (finished cells are kept).
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import {
  BENCH_METHOD_NAMES,
  GENERATION_STEP_DESCRIPTIONS,
  GENERATION_STEP_NAMES,
  type BenchArgs,
  type BenchMethodName,
  type GenerationStep,
} from '../../shared/commands';
import { newRunId } from '../../shared/node/runStore';
import { HostError, NO_FOLDER } from '../notify';
import { benchmarkWorkers, runsRoot } from '../settings';
import type { HostCommand } from '../services';
import { configFromArgument } from '../workspaceConfig';

const DEFAULT_METHODS: readonly BenchMethodName[] = ['scratch', 'full', 'random', 'optidel'];

/** An `optidel-<variant>` arm: an ablation step, or else a difficulty score. */
function variantDescription(variant: string): string {
  return (GENERATION_STEP_NAMES as readonly string[]).includes(variant)
    ? GENERATION_STEP_DESCRIPTIONS[variant as GenerationStep]
    : `OptiDEL by the ${variant} difficulty`;
}

export const runBenchmark: HostCommand = {
  id: 'optidel.runBenchmark',
  async run(services, arg) {
    const config = configFromArgument(arg) ?? (await pickConfig());
    if (!config) return undefined;
    const methods = await vscode.window.showQuickPick(
      BENCH_METHOD_NAMES.map((m) => ({
        label: m,
        method: m,
        picked: DEFAULT_METHODS.includes(m),
        description:
          m === 'scratch'
            ? 'no pre-training (the row pre-training must beat)'
            : m === 'full'
              ? 'the whole pool'
              : m.startsWith('optidel-')
                ? variantDescription(m.slice('optidel-'.length))
                : undefined,
      })),
      { title: 'OptiDEL: Run Benchmark (1/3)', placeHolder: 'Methods to compare', canPickMany: true },
    );
    if (!methods?.length) return undefined;
    const budget = await vscode.window.showInputBox({
      title: 'OptiDEL: Run Benchmark (2/3)',
      prompt:
        'Budget: fraction of the pool (0.05 = 5%) or a count of images; several, comma-separated, plot mIoU against budget',
      value: '0.05',
      validateInput: (v) =>
        v.split(',').every((x) => Number(x) > 0) ? undefined : 'positive numbers, comma-separated',
    });
    if (!budget) return undefined;
    const seeds = await vscode.window.showInputBox({
      title: 'OptiDEL: Run Benchmark (3/3)',
      prompt: 'Seeds per method (3 shows the spread)',
      value: '3',
      validateInput: (v) =>
        Number.isInteger(Number(v)) && Number(v) >= 1 ? undefined : 'a whole number of at least 1',
    });
    if (!seeds) return undefined;
    const root = runsRoot(config);
    if (!root) throw new HostError(NO_FOLDER);
    const out = path.join(root, `bench-${newRunId()}`);
    const args: BenchArgs = {
      config,
      out,
      methods: methods.map((m) => m.method),
      budget,
      seeds: Number(seeds),
      workers: benchmarkWorkers(),
    };
    try {
      const result = await services.engine.run('bench', args, 'OptiDEL: benchmark');
      const line = result.methods
        .map((m) => `${m} ${Number.isFinite(result.meanMIoU[m]) ? (result.meanMIoU[m] * 100).toFixed(1) : '–'}`)
        .join(', ');
      const pick = await services.notify.info(`OptiDEL benchmark done. Mean mIoU: ${line}`, 'Show Report');
      if (pick) await vscode.commands.executeCommand('optidel.showReport', out);
      return result;
    } finally {
      services.runs.refresh();
    }
  },
};

async function pickConfig(): Promise<string | undefined> {
  const files = await vscode.workspace.findFiles('**/optidel.json', '**/node_modules/**', 50);
  if (files.length === 0) {
    throw new HostError(
      'no optidel.json in the workspace: run "npx optidel demo-data --out demo" for an example, or write one (see README)',
    );
  }
  if (files.length === 1) return files[0].fsPath;
  const pick = await vscode.window.showQuickPick(
    files.map((f) => ({ label: vscode.workspace.asRelativePath(f), file: f.fsPath })),
    { title: 'OptiDEL: Run Benchmark', placeHolder: 'Which optidel.json?' },
  );
  return pick?.file;
}
