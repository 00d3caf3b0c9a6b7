/**
 * The pre-training loop: batches streamed from the pool cache (the next one read while the current
 * one trains), AdamW on a cosine schedule, checkpoints at intervals and on cancel, and resume from
 * the newest checkpoint. Stage name for events and metrics is the checkpoint name ("pretrain" for
 * the foundation model, "train" for the compact set).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { CommandContext } from '../command';
import { CancelledError, letCancelIn } from '../command';
import { writeFileAtomic } from '../../shared/node/atomicFile';
import { AdamW } from './adamw';
import type { TrainerState } from './checkpoint';
import { checkpointDir, latestCheckpoint, restoreCheckpoint, saveCheckpoint } from './checkpoint';
import { DataParallelTrainer, resolveWorkers } from './dataParallel';
import type { MaeModel } from './mae';
import { deriveSeed } from './rng';
import { cosineWithWarmup } from './schedule';
import type { TrainingSource } from './trainingData';
import { StepSampler } from './trainingData';

export interface PretrainOptions {
  steps: number;
  batchSize: number;
  lr: number;
  weightDecay: number;
  warmupSteps: number;
  clipNorm: number;
  seed: number;
  checkpointEvery: number;
  augment: boolean;
  /**
   * Data-parallel worker threads (dataParallel.ts); default: the available cores, capped by the
   * batch size. 1 trains in the calling thread.
   */
  workers?: number;
}

export interface PretrainResult {
  steps: number;
  finalLoss: number;
  seconds: number;
  imagesPerSecond: number;
  /** Step the run started from (0, or the checkpoint it resumed). */
  resumedFrom: number;
  /** Data-parallel workers it trained with (1: the calling thread). */
  workers: number;
}

/** The MAE recipe scaled to this project's small batches (OPTIDEL.md: peak LR 1.5e-4, AdamW, cosine). */
/**
 * The version of pre-training's arithmetic, part of every cached encoder's signature
 * (bench/encoders.ts), so an encoder trained by other arithmetic is trained again rather than mixed
 * with new ones. 2: the transformer block's gradient written out and masking by row gathers
 * (block.ts, tokenRows.ts) sum in another order, so weights differ in the last bits from version 1.
 */
export const PRETRAIN_NUMERICS_VERSION = 2;

export const DEFAULT_PRETRAIN_OPTIONS: PretrainOptions = {
  steps: 2000,
  batchSize: 32,
  lr: 1.5e-4 * 4,
  weightDecay: 0.05,
  warmupSteps: 100,
  clipNorm: 1,
  seed: 0,
  checkpointEvery: 200,
  augment: true,
};

/**
 * Trains to step `until` (default `options.steps`) of a run of `options.steps` steps: the schedule
 * always spans the whole run, so training stopped at `until` and resumed later (collaborative
 * rounds) follows one continuous learning-rate schedule.
 */
export async function pretrain(
  model: MaeModel,
  source: TrainingSource,
  options: PretrainOptions,
  runDir: string,
  checkpointName: string,
  ctx: CommandContext,
  until = options.steps,
): Promise<PretrainResult> {
  validateOptions(options);
  if (!(Number.isInteger(until) && until >= 1 && until <= options.steps))
    throw new Error(`pretrain: until must be a step in 1..${options.steps}, got ${until}`);
  if (source.cache.imageSize !== model.config.imageSize) {
    throw new Error(
      `the cache holds ${source.cache.imageSize} px images but the model takes ${model.config.imageSize} px; re-ingest at ${model.config.imageSize} px or pick a model image size of ${source.cache.imageSize}`,
    );
  }
  const stage = checkpointName;
  const dir = checkpointDir(runDir, checkpointName);
  const workers = resolveWorkers(options.workers, options.batchSize, tf.getBackend());
  const recorded: PretrainOptions = { ...options, workers };
  const adamw = { weightDecay: options.weightDecay, clipNorm: options.clipNorm };
  const optimizer = new AdamW(model.namedVariables, adamw);
  let trainer: DataParallelTrainer | undefined;
  const metrics = new MetricsLog(path.join(runDir, 'metrics', `${stage}.jsonl`));
  try {
    let step = 0;
    let secondsBefore = 0;
    let lastLoss = Number.NaN;
    const latest = await latestCheckpoint(dir);
    if (latest) {
      if (JSON.stringify(latest.config) !== JSON.stringify(model.config)) {
        throw new Error(
          `the checkpoint in ${latest.dir} is of another model shape; delete ${dir} to start over, or train with the shape it was made with`,
        );
      }
      // Workers change the arithmetic's order, not the optimisation: no warning for them.
      const changed = Object.keys(recorded).filter(
        (k) =>
          !['steps', 'checkpointEvery', 'workers'].includes(k) &&
          latest.state.options[k] !== recorded[k as keyof PretrainOptions],
      );
      if (changed.length)
        ctx.log(
          'warn',
          `resuming ${stage} from a checkpoint made with other ${changed.join(', ')}; the result will differ from an uninterrupted run`,
        );
      await restoreCheckpoint(latest.dir, model, optimizer, latest.state.optimizerStep);
      ({ step, seconds: secondsBefore, lastLoss } = latest.state);
      ctx.log('info', `${stage}: resuming from step ${step} (${latest.dir})`);
      const before = (latest.state.options.workers as number | undefined) ?? 1;
      if (before !== workers)
        ctx.log('info', `${stage}: the checkpoint was trained on ${before} worker(s), this run uses ${workers}`);
    }
    await metrics.truncateAfter(step);
    const resumedFrom = step;
    const sampler = new StepSampler(source, options.batchSize, options.seed);
    const size = model.config.imageSize;
    const logEvery = Math.max(1, Math.round(options.steps / 200));
    const started = performance.now();
    let intervalLoss = 0;
    let intervalSteps = 0;
    const save = async (): Promise<void> => {
      const state: TrainerState = {
        version: 1,
        step,
        seed: options.seed,
        options: { ...recorded },
        lastLoss,
        seconds: secondsBefore + (performance.now() - started) / 1000,
      };
      await metrics.flush();
      trainer?.pull(model, optimizer);
      await saveCheckpoint(dir, model, optimizer, state);
    };
    // Reads run one step ahead; a failed one is handled where it is awaited, never left unhandled meanwhile.
    const ahead = (s: number) => {
      const read = sampler.read(s, options.augment);
      read.catch(() => undefined);
      return read;
    };
    let next = step < until ? ahead(step) : undefined;
    try {
      if (workers > 1 && step < until) {
        trainer = await DataParallelTrainer.start(model, optimizer, {
          workers,
          batchSize: options.batchSize,
          optimizer: adamw,
        });
        ctx.log('info', `${stage}: training on ${workers} data-parallel workers`);
      }
      while (step < until) {
        // A turn of the event loop per step, so a cancel request from the host or a signal is read
        // while training runs, whatever the step awaits (a compact set in memory reads without I/O).
        await letCancelIn(ctx.signal);
        const pixels = await next!;
        next = step + 1 < until ? ahead(step + 1) : undefined;
        const lr = cosineWithWarmup(step, {
          peak: options.lr,
          warmupSteps: options.warmupSteps,
          totalSteps: options.steps,
        });
        const maskSeed = deriveSeed(options.seed, step, 0x3a5c);
        const loss = trainer
          ? (await trainer.run(step, pixels, maskSeed, lr)).loss
          : await trainStep(model, optimizer, pixels, size, maskSeed, lr);
        if (!Number.isFinite(loss))
          throw new Error(
            `${stage}: the loss became ${loss} at step ${step}; lower --lr (now ${options.lr}) or check the data for constant images`,
          );
        step += 1;
        intervalLoss += loss;
        intervalSteps += 1;
        if (step % logEvery === 0 || step === until) {
          lastLoss = intervalLoss / intervalSteps;
          metrics.add(step, 'loss', lastLoss);
          metrics.add(step, 'lr', lr);
          ctx.metric(stage, 'loss', lastLoss, step);
          intervalLoss = 0;
          intervalSteps = 0;
        }
        ctx.progress(
          stage,
          step,
          options.steps,
          `loss ${Number.isNaN(lastLoss) ? loss.toFixed(4) : lastLoss.toFixed(4)}`,
        );
        if (step % options.checkpointEvery === 0 || step === until) await save();
      }
    } catch (err) {
      // Keep what was trained: a cancelled run resumes from exactly here.
      if (err instanceof CancelledError && step > resumedFrom) {
        ctx.checkpointing?.(`${stage}: saving step ${step} before stopping`);
        await save();
      }
      await next?.catch(() => undefined);
      throw err;
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      steps: step,
      finalLoss: lastLoss,
      seconds: secondsBefore + seconds,
      imagesPerSecond: seconds > 0 ? ((step - resumedFrom) * options.batchSize) / seconds : 0,
      resumedFrom,
      workers,
    };
  } finally {
    await trainer?.close();
    optimizer.dispose();
  }
}

/** One optimiser step on a batch; resolves to the loss. All tensors are freed before it resolves. */
export async function trainStep(
  model: MaeModel,
  optimizer: AdamW,
  pixels: Float32Array,
  size: number,
  maskSeed: number,
  lr: number,
): Promise<number> {
  const loss = tf.tidy(() => {
    const { value, grads } = lossAndGradients(model, pixels, size, maskSeed, 0);
    optimizer.apply(grads, lr);
    return value;
  });
  const [value] = await loss.data();
  loss.dispose();
  return value;
}

/**
 * The loss of a batch (or of a data-parallel share whose first sample is `firstSample` of the
 * global batch) and its gradients in variable order. Call it inside tf.tidy.
 */
export function lossAndGradients(
  model: MaeModel,
  pixels: Float32Array,
  size: number,
  maskSeed: number,
  firstSample: number,
): { value: tf.Scalar; grads: tf.Tensor[] } {
  const images = tf.tensor4d(pixels, [pixels.length / (size * size), size, size, 1]);
  const { value, grads } = tf.variableGrads(() => model.loss(images, maskSeed, firstSample), model.variables);
  return { value, grads: model.variables.map((v) => grads[v.name]) };
}

function validateOptions(o: PretrainOptions): void {
  const positiveInts: Array<keyof PretrainOptions> = ['steps', 'batchSize', 'checkpointEvery'];
  for (const key of positiveInts) {
    if (!Number.isInteger(o[key]) || (o[key] as number) < 1)
      throw new Error(`pretrain option ${key} must be a positive integer, got ${String(o[key])}`);
  }
  if (!(o.lr > 0)) throw new Error(`pretrain option lr must be positive, got ${o.lr}`);
  if (!(o.weightDecay >= 0) || !(o.clipNorm >= 0) || !(o.warmupSteps >= 0))
    throw new Error('pretrain options weightDecay, clipNorm and warmupSteps must be >= 0');
}

/** metrics/<stage>.jsonl: lines buffered and appended at checkpoints, so the file never runs ahead of the newest checkpoint. */
class MetricsLog {
  private pending: string[] = [];
  constructor(private readonly file: string) {}

  add(step: number, name: string, value: number): void {
    this.pending.push(JSON.stringify({ step, name, value, time: new Date().toISOString() }));
  }

  async flush(): Promise<void> {
    if (!this.pending.length) return;
    await fs.promises.mkdir(path.dirname(this.file), { recursive: true });
    await fs.promises.appendFile(this.file, `${this.pending.join('\n')}\n`);
    this.pending = [];
  }

  /** Drops lines after `step` (left by a run that crashed after its last checkpoint). */
  async truncateAfter(step: number): Promise<void> {
    if (!fs.existsSync(this.file)) return;
    const lines = (await fs.promises.readFile(this.file, 'utf8')).split('\n').filter(Boolean);
    const kept = lines.filter((line) => {
      try {
        return (JSON.parse(line) as { step: number }).step <= step;
      } catch {
        return false;
      }
    });
    if (kept.length !== lines.length) await writeFileAtomic(this.file, kept.length ? `${kept.join('\n')}\n` : '');
  }
}
