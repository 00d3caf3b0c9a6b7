/** Small real inputs for the model tests: structured synthetic images, an in-memory pixel reader, a recording context. */
import { after, before } from 'node:test';
import type { CommandContext } from '../../../src/engine/command';
import { openCache, type PoolCache } from '../../../src/engine/data/cache';
import { MaeModel, maeConfig } from '../../../src/engine/model/mae';
import { makeTinyRun, type TinyRun } from '../../helpers/tinyRun';
import { selectBackend } from '../../../src/engine/backends/select';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PretrainOptions } from '../../../src/engine/model/pretrain';
import type { PixelReader } from '../../../src/engine/model/trainingData';
import { SeededRandom } from '../../../src/engine/model/rng';

export async function useWasm(): Promise<void> {
  await selectBackend('wasm');
}

/** Images with structure a masked autoencoder can learn: a bright disk on a smooth gradient. */
export function syntheticImages(count: number, size: number, seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  const out = new Float32Array(count * size * size);
  for (let n = 0; n < count; n++) {
    const cx = size * (0.25 + 0.5 * rng.next());
    const cy = size * (0.25 + 0.5 * rng.next());
    const r = size * (0.15 + 0.15 * rng.next());
    const tilt = rng.next() * 0.3;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const inside = (x - cx) ** 2 + (y - cy) ** 2 < r * r;
        out[(n * size + y) * size + x] = 0.1 + (tilt * x) / size + (inside ? 0.6 : 0);
      }
    }
  }
  return out;
}

/** A PoolCache-shaped reader over pixels held in memory. */
export function memoryReader(pixels: Float32Array, imageSize: number): PixelReader & { size: number } {
  const area = imageSize * imageSize;
  return {
    imageSize,
    size: pixels.length / area,
    async read(ids) {
      const out = new Float32Array(ids.length * area);
      ids.forEach((id, i) => out.set(pixels.subarray(id * area, (id + 1) * area), i * area));
      return out;
    },
  };
}

export interface RecordingContext extends CommandContext {
  events: Array<{
    kind: string;
    stage: string;
    name?: string;
    value?: number;
    step?: number;
    done?: number;
    status?: string;
  }>;
  abort(): void;
}

/** A command context that records events; `onProgress` may throw or abort to simulate a crash or a cancel. */
export function recordingContext(onProgress?: (done: number, ctx: RecordingContext) => void): RecordingContext {
  const controller = new AbortController();
  const ctx: RecordingContext = {
    events: [],
    signal: controller.signal,
    backendPreference: 'wasm',
    abort: () => controller.abort(),
    progress(stage, done) {
      ctx.events.push({ kind: 'progress', stage, done });
      onProgress?.(done, ctx);
    },
    log() {},
    metric(stage, name, value, step) {
      ctx.events.push({ kind: 'metric', stage, name, value, step });
    },
    stage(_runDir, stage, status) {
      ctx.events.push({ kind: 'stage', stage, status });
    },
  };
  return ctx;
}

const TRAINING_IMAGE_SIZE = 16;
/** The small pool the training tests share: 64 structured 16 px images, all of them trained on. */
const trainingPool = memoryReader(syntheticImages(64, TRAINING_IMAGE_SIZE, 5), TRAINING_IMAGE_SIZE);

/**
 * What the training tests share: that pool and all its ids, options for `steps` steps (batches of
 * 8, a short warm-up, checkpoints every 3 steps), and a new empty run folder per `tempRun()`.
 */
export function trainingFixture(prefix: string, steps: number) {
  const base: PretrainOptions = {
    steps,
    batchSize: 8,
    lr: 2e-3,
    weightDecay: 0.05,
    warmupSteps: 2,
    clipNorm: 1,
    seed: 4,
    checkpointEvery: 3,
    augment: true,
  };
  return {
    size: TRAINING_IMAGE_SIZE,
    pool: trainingPool,
    ids: Array.from({ length: trainingPool.size }, (_, i) => i),
    base,
    tempRun: () => fs.mkdtempSync(path.join(os.tmpdir(), `optidel-${prefix}-`)),
  };
}

/**
 * A tiny ingested run, its cache open and a micro model on the wasm backend, for the tests of one
 * file: made before them, disposed and removed after. Read the fields inside the tests.
 */
export function useTinyRunWithModel(): { run: TinyRun; cache: PoolCache; model: MaeModel } {
  const made = {} as { run: TinyRun; cache: PoolCache; model: MaeModel };
  before(async () => {
    made.run = makeTinyRun();
    await useWasm();
    made.cache = await openCache(made.run.runDir);
    made.model = MaeModel.create(maeConfig('micro', made.cache.imageSize), 4);
  });
  after(async () => {
    made.model.dispose();
    await made.cache.close();
    fs.rmSync(made.run.root, { recursive: true, force: true });
  });
  return made;
}
