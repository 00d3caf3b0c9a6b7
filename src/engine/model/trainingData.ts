/**
 * What one training step sees: which samples (a per-epoch shuffle of the pool subset plus any
 * generated samples) and how they are augmented. Both are pure functions of (seed, step), so a run
 * resumed at step s draws exactly what an uninterrupted run would have drawn there.
 */
import type { SeededRandom } from './rng';
import { deriveRandom, permutation } from './rng';

/** Anything that reads samples' pixels by id, as the pool cache does (PoolCache satisfies it). */
export interface PixelReader {
  readonly imageSize: number;
  read(ids: readonly number[]): Promise<Float32Array>;
}

export interface TrainingSource {
  /** Pool sample ids to train on. */
  ids: readonly number[];
  cache: PixelReader;
  /** Generated samples (imageSize² each), trained on alongside the pool samples. */
  extra?: Float32Array;
}

export class StepSampler {
  private readonly pixelsPerSample: number;
  private readonly extraCount: number;
  readonly total: number;
  private epoch = -1;
  private order: Int32Array = new Int32Array(0);

  constructor(
    private readonly source: TrainingSource,
    private readonly batchSize: number,
    private readonly seed: number,
  ) {
    this.pixelsPerSample = source.cache.imageSize ** 2;
    this.extraCount = source.extra ? source.extra.length / this.pixelsPerSample : 0;
    if (!Number.isInteger(this.extraCount))
      throw new Error(
        `generated samples hold ${source.extra!.length} values, not a multiple of ${this.pixelsPerSample} (imageSize²)`,
      );
    this.total = source.ids.length + this.extraCount;
    if (this.total === 0) throw new Error('nothing to train on: the sample list is empty');
  }

  /** Positions (0..total-1) of step `step`'s batch: consecutive slices of per-epoch shuffles. */
  positions(step: number): number[] {
    const out: number[] = [];
    for (let j = 0; j < this.batchSize; j++) {
      const global = step * this.batchSize + j;
      const epoch = Math.floor(global / this.total);
      if (epoch !== this.epoch) {
        this.order = permutation(this.total, deriveRandom(this.seed, epoch, 0x5eed));
        this.epoch = epoch;
      }
      out.push(this.order[global % this.total]);
    }
    return out;
  }

  /** Pixels of the batch for `step`, augmented, [batch, S, S] flattened. */
  async read(step: number, augment: boolean): Promise<Float32Array> {
    const positions = this.positions(step);
    const poolPositions = positions.filter((p) => p < this.source.ids.length);
    const poolPixels = poolPositions.length
      ? await this.source.cache.read(poolPositions.map((p) => this.source.ids[p]))
      : new Float32Array(0);
    const out = new Float32Array(positions.length * this.pixelsPerSample);
    let nextPool = 0;
    positions.forEach((p, j) => {
      const from =
        p < this.source.ids.length
          ? poolPixels.subarray(nextPool++ * this.pixelsPerSample)
          : this.source.extra!.subarray((p - this.source.ids.length) * this.pixelsPerSample);
      out.set(from.subarray(0, this.pixelsPerSample), j * this.pixelsPerSample);
    });
    if (augment) augmentBatch(out, this.source.cache.imageSize, deriveRandom(this.seed, step, 0xa06));
    return out;
  }
}

/**
 * Light augmentation that keeps anatomy plausible: a horizontal flip half of the time and a small
 * contrast/brightness change (x·a + b, a in [0.9, 1.1], b in [-0.05, 0.05]), clipped to [0, 1].
 */
export function augmentBatch(pixels: Float32Array, size: number, rng: SeededRandom): void {
  const area = size * size;
  for (let offset = 0; offset < pixels.length; offset += area) {
    const image = pixels.subarray(offset, offset + area);
    if (rng.next() < 0.5) {
      for (let y = 0; y < size; y++) image.subarray(y * size, (y + 1) * size).reverse();
    }
    const gain = 0.9 + 0.2 * rng.next();
    const bias = -0.05 + 0.1 * rng.next();
    for (let i = 0; i < area; i++) image[i] = Math.min(1, Math.max(0, image[i] * gain + bias));
  }
}
