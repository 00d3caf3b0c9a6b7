/**
 * `optidel bench --workers N`: the benchmark's encoders shared among N engine processes. The wasm
 * backend trains on one core, so on a machine with several cores each worker pre-trains and
 * fine-tunes its own encoders at the same time. Workers are ordinary engines serving IPC (the
 * extension host's protocol); each runs `bench` on its share (`--only`) and files its cells in the
 * shared ledger, one file per cell. The caller has ingested the pool and scored it beforehand, so
 * no two workers ever train or write the same thing; it writes the final report after them.
 */
import type { BenchArgs, BenchResult } from '../../shared/commands';
import type { BackendName } from '../../shared/engineInfo';
import { EngineClient, EngineError, type RunningRequest } from '../../shared/node/engineClient';
import { CancelledError, throwIfCancelled, type CommandContext } from '../command';
import { pendingEncoders, plannedEncoders, type BenchPlan, type EncoderId } from './runBench';
import { selectorOf } from './benchMethods';
import { preparePredictions } from './predictions';

export interface WorkerPlan {
  plan: BenchPlan;
  /** The command's arguments; each worker gets them with its share. */
  args: BenchArgs;
  workers: number;
  backend: BackendName;
  /** Trains the foundation model and scores the pool for these methods (needed before any selection method). */
  prepareSelection(methods: readonly string[], ctx: CommandContext): Promise<void>;
  /** Pre-training steps an encoder's checkpoint already holds. */
  stepsDone(e: EncoderId): Promise<number>;
}

/**
 * Computes the plan's unfinished encoders on `workers` engines; returns how many cells they
 * computed (0 when there are not two encoders to share, and the caller computes alone).
 */
export async function computeInWorkers(w: WorkerPlan, ctx: CommandContext): Promise<number> {
  if (w.workers < 2) return 0;
  const pending = await pendingEncoders(w.plan);
  if (pending.length < 2) return 0;
  // Everything workers would share is done here first: the foundation model, the pool's scores and the predictions' test images.
  if (pending.some((e) => selectorOf(e.method)))
    await w.prepareSelection(
      pending.map((e) => e.method),
      ctx,
    );
  for (const data of w.plan.datasets) await preparePredictions(w.plan.benchDir, data);
  const { settings, finetune, datasets } = w.plan;
  const stepsLeft = new Map(
    await Promise.all(
      pending.map(
        async (e) => [e, e.method === 'scratch' ? 0 : settings.pretrainSteps - (await w.stepsDone(e))] as const,
      ),
    ),
  );
  // Seconds on one wasm core, roughly: a pre-training step of 16 images 0.125, a fine-tuning step 0.08 (0.01 probing).
  const cost = (e: (typeof pending)[number]) =>
    stepsLeft.get(e)! * 0.125 * (settings.pretrainBatchSize / 16) +
    e.pendingCells * finetune.steps * (finetune.mode === 'full' ? 0.08 : 0.01);
  const totalCells = plannedEncoders(settings).length * datasets.length;
  const doneCells = totalCells - pending.reduce((sum, e) => sum + e.pendingCells, 0);
  // process.argv[1] is this engine's entry (bin/optidel.js or dist/engine/main.js); with --ipc it serves a parent.
  return runBenchWorkers(
    w.args,
    shareEncoders(pending, w.workers, cost),
    { enginePath: process.argv[1], backend: w.backend, totalCells, doneCells },
    ctx,
  );
}

/** `method:seed:budget`, the form `--only` takes. */
export function encoderKey(e: EncoderId): string {
  return `${e.method}:${e.seed}:${e.budget}`;
}

export function parseEncoderKey(key: string): EncoderId | undefined {
  const parts = key.split(':');
  if (parts.length !== 3) return undefined;
  const e = { method: parts[0], seed: Number(parts[1]), budget: Number(parts[2]) };
  return e.method && Number.isInteger(e.seed) && Number.isFinite(e.budget) ? e : undefined;
}

/**
 * Deals encoders out so the workers finish together: the costliest first, each to the worker with
 * the least work so far (ties: fewer encoders). `cost`: an estimate of an encoder's remaining work
 * in any unit. Workers left without work are dropped.
 */
export function shareEncoders<T extends EncoderId>(
  encoders: readonly T[],
  workers: number,
  cost: (e: T) => number,
): T[][] {
  const shares = Array.from({ length: Math.max(1, workers) }, () => ({ cost: 0, encoders: [] as T[] }));
  const costliestFirst = encoders.map((e) => ({ e, cost: cost(e) })).sort((a, b) => b.cost - a.cost);
  for (const { e, cost: c } of costliestFirst) {
    const lightest = shares.reduce((best, s) =>
      s.cost < best.cost || (s.cost === best.cost && s.encoders.length < best.encoders.length) ? s : best,
    );
    lightest.encoders.push(e);
    lightest.cost += c;
  }
  return shares.map((s) => s.encoders).filter((e) => e.length > 0);
}

/**
 * Runs each share in an engine process of its own and waits for all of them. Cells are counted
 * as workers report them; a failed worker stops the others (finished cells stay on disk), and a
 * cancel reaches every worker. `enginePath`: the engine bundle this process runs.
 */
export async function runBenchWorkers(
  args: BenchArgs,
  shares: readonly EncoderId[][],
  options: { enginePath: string; backend: BackendName; totalCells: number; doneCells: number },
  ctx: CommandContext,
): Promise<number> {
  throwIfCancelled(ctx.signal);
  let computed = 0;
  const clients: EngineClient[] = [];
  const requests: Array<RunningRequest<BenchResult>> = [];
  const report = () =>
    ctx.progress(
      'bench',
      options.doneCells + computed,
      options.totalCells,
      `${computed} computed by ${shares.length} workers`,
    );
  const cancelAll = () => requests.forEach((r) => r.cancel());
  ctx.signal.addEventListener('abort', cancelAll);
  try {
    shares.forEach((share, k) => {
      const name = `worker ${k + 1}`;
      const client = new EngineClient({
        enginePath: options.enginePath,
        backend: options.backend,
        onEvent: (event) => {
          if (event.type === 'log') ctx.log(event.level, `${name}: ${event.message}`);
          else if (event.type === 'progress' && event.stage !== 'bench')
            ctx.progress(`${name}: ${event.stage}`, event.done, event.total, event.message);
          else if (event.type === 'metric' && event.stage === 'bench') {
            computed++;
            ctx.metric(event.stage, event.name, event.value, event.step);
            report();
          }
        },
        onStderr: (line) => line.trim() && ctx.log('debug', `${name}: ${line}`),
      });
      clients.push(client);
      ctx.log('info', `bench: ${name} takes ${share.map(encoderKey).join(', ')}`);
      requests.push(client.request('bench', { ...args, workers: 1, only: share.map(encoderKey) }));
    });
    report();
    // The first failure stops the others: its error is the one reported, and nothing is left running.
    for (const r of requests) r.result.catch(cancelAll);
    const outcomes = await Promise.allSettled(requests.map((r) => r.result));
    if (ctx.signal.aborted) throw new CancelledError('bench was cancelled');
    const failed = outcomes.findIndex(
      (o) => o.status === 'rejected' && !(o.reason instanceof EngineError && o.reason.code === 'cancelled'),
    );
    if (failed >= 0) {
      const err = (outcomes[failed] as PromiseRejectedResult).reason as Error;
      throw new Error(
        `bench: worker ${failed + 1} failed: ${err.message}${err instanceof EngineError && err.detail ? `\n${err.detail}` : ''}`,
      );
    }
    return computed;
  } finally {
    ctx.signal.removeEventListener('abort', cancelAll);
    await Promise.all(clients.map((c) => c.dispose()));
  }
}
