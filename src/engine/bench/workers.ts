/**
 * `optidel bench --workers N`: the benchmark's encoders shared among N engine processes. The wasm
 * backend trains on one core, so on a machine with several cores each worker pre-trains and
 * fine-tunes its own encoders at the same time. Workers are ordinary engines serving IPC (the
 * extension host's protocol); each runs `bench` on its share (`--only`) and files its cells in the
 * shared ledger, one file per cell. The caller has ingested the pool; it trains the foundation
 * model and scores the pool before any worker takes a selection method (a worker takes encoders
 * that need neither meanwhile), so no two workers ever train or write the same thing; it writes the
 * final report after them.
 */
import type { BenchArgs, BenchResult } from '../../shared/commands';
import type { BackendName } from '../../shared/engineInfo';
import { EngineClient, EngineError, type RunningRequest } from '../../shared/node/engineClient';
import { CancelledError, throwIfCancelled, type CommandContext } from '../command';
import { pendingEncoders, plannedEncoders, sameEncoder, type BenchPlan, type EncoderId } from './runBench';
import { FOUNDATION_SEED } from './selectionSource';
import { selectorOf } from './benchMethods';
import { PREDICTION_SEED, preparePredictions } from './predictions';
import { dataDigestList } from './dataDigest';

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
  // The predictions' test images are written once, before any worker files a cell.
  for (const data of w.plan.datasets(PREDICTION_SEED)) await preparePredictions(w.plan.benchDir, data);
  const totalCells = plannedEncoders(w.plan.settings).length * w.plan.settings.datasets.length;
  // Each worker loads the data sets again: it must find what this engine signs the cells with.
  const loaded = new Map(w.plan.settings.seeds.map((seed) => [seed, w.plan.datasets(seed)]));
  const args = { ...w.args, dataDigests: dataDigestList(loaded) };
  // process.argv[1] is this engine's entry (bin/optidel.js or dist/engine/main.js); with --ipc it serves a parent.
  // Workers are numbered across both runs, so each name in the log is one engine.
  let named = 0;
  const run = (shares: EncoderId[][], done: readonly PendingEncoder[], inner: CommandContext) => {
    const firstWorker = named + 1;
    named += shares.length;
    return shares.length
      ? runBenchWorkers(
          args,
          shares,
          {
            enginePath: process.argv[1],
            backend: w.backend,
            totalCells,
            doneCells: doneCells(totalCells, done),
            firstWorker,
          },
          inner,
        )
      : Promise.resolve(0);
  };
  const cost = await costModel(w, pending);
  if (!pending.some((e) => selectorOf(e.method))) return run(shareEncoders(pending, w.workers, cost), pending, ctx);
  // What every selection method needs is made here, once: the foundation model and the pool's
  // scores. Training the foundation keeps one core busy; encoders that need neither (no
  // pre-training, full data of other seeds) keep the other cores busy meanwhile.
  const meanwhile = whilePreparing(
    pending.filter((e) => !selectorOf(e.method) && !sameEncoder(e, FOUNDATION)),
    cost({ ...FOUNDATION, pendingCells: 0 }) * (w.workers - 1),
    cost,
  );
  const others = (e: EncoderId) => !meanwhile.some((m) => sameEncoder(m, e));
  return together(ctx, [
    (inner) => run(shareEncoders(meanwhile, w.workers - 1, cost), pending, inner),
    async (inner) => {
      await w.prepareSelection(
        pending.map((e) => e.method),
        inner,
      );
      // Started at once, beside what is left of the encoders above (the cores are shared a while, never idle).
      const rest = (await pendingEncoders(w.plan)).filter(others);
      return run(shareEncoders(rest, w.workers, await costModel(w, rest)), rest.concat(meanwhile), inner);
    },
  ]);
}

type PendingEncoder = EncoderId & { pendingCells: number };

/** The foundation model's encoder (selectionSource.ts's FOUNDATION_CHECKPOINT): what every selection method waits for. */
const FOUNDATION: EncoderId = { method: 'full', seed: FOUNDATION_SEED, budget: 1 };

/** Cells of the plan already finished, given the encoders still pending. */
function doneCells(totalCells: number, pending: readonly PendingEncoder[]): number {
  return totalCells - pending.reduce((sum, e) => sum + e.pendingCells, 0);
}

/** An estimate of an encoder's remaining work, in seconds on one wasm core. */
async function costModel(w: WorkerPlan, pending: readonly PendingEncoder[]): Promise<(e: PendingEncoder) => number> {
  const { settings, finetune } = w.plan;
  const steps = async (e: EncoderId) => (e.method === 'scratch' ? 0 : settings.pretrainSteps - (await w.stepsDone(e)));
  const stepsLeft = new Map<string, number>(
    await Promise.all([...pending, FOUNDATION].map(async (e) => [encoderKey(e), await steps(e)] as const)),
  );
  // Seconds on one wasm core, roughly: a pre-training step of 16 images 0.125, a fine-tuning step 0.08 (0.01 probing).
  return (e) =>
    (stepsLeft.get(encoderKey(e)) ?? 0) * 0.125 * (settings.pretrainBatchSize / 16) +
    e.pendingCells * finetune.steps * (finetune.mode === 'full' ? 0.08 : 0.01);
}

/**
 * The encoders to compute while the foundation model trains (`prepareCost` in the unit of `cost`)
 * on the cores it leaves free: the cheapest first, each only if it ends that work nearer the moment
 * the foundation is ready. Stopping short idles a free core; going on past it only shares the
 * cores with the workers started then, so a little past beats far short.
 */
export function whilePreparing<T extends EncoderId>(
  candidates: readonly T[],
  prepareCost: number,
  cost: (e: T) => number,
): T[] {
  const chosen: T[] = [];
  let total = 0;
  for (const e of [...candidates].sort((a, b) => cost(a) - cost(b))) {
    const idle = prepareCost - total;
    if (idle <= 0 || total + cost(e) - prepareCost > idle) break;
    chosen.push(e);
    total += cost(e);
  }
  return chosen;
}

/**
 * Runs `tasks` together and adds up what they return. The first to fail cancels the others and
 * its error is the one reported; a cancel of `ctx` reaches them all.
 */
export async function together(
  ctx: CommandContext,
  tasks: ReadonlyArray<(inner: CommandContext) => Promise<number>>,
): Promise<number> {
  const stop = new AbortController();
  const cancel = () => stop.abort();
  ctx.signal.addEventListener('abort', cancel);
  try {
    const outcomes = await Promise.allSettled(
      tasks.map((task) =>
        task({ ...ctx, signal: stop.signal }).catch((err: unknown) => {
          stop.abort();
          throw err;
        }),
      ),
    );
    if (ctx.signal.aborted) throw new CancelledError('bench was cancelled');
    const failed = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason);
    if (failed.length) throw failed.find((err) => !(err instanceof CancelledError)) ?? failed[0];
    return outcomes.reduce((sum, o) => sum + (o as PromiseFulfilledResult<number>).value, 0);
  } finally {
    ctx.signal.removeEventListener('abort', cancel);
  }
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
  options: {
    enginePath: string;
    backend: BackendName;
    totalCells: number;
    doneCells: number;
    /** The number the first share's worker is named by in the log (default 1). */
    firstWorker?: number;
  },
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
  const nameOf = (share: number) => `worker ${(options.firstWorker ?? 1) + share}`;
  const cancelAll = () => requests.forEach((r) => r.cancel());
  ctx.signal.addEventListener('abort', cancelAll);
  try {
    shares.forEach((share, k) => {
      const name = nameOf(k);
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
        `bench: ${nameOf(failed)} failed: ${err.message}${err instanceof EngineError && err.detail ? `\n${err.detail}` : ''}`,
      );
    }
    return computed;
  } finally {
    ctx.signal.removeEventListener('abort', cancelAll);
    await Promise.all(clients.map((c) => c.dispose()));
  }
}
