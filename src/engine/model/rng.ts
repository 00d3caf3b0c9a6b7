/**
 * Random streams for training and scoring, keyed rather than sequential: the numbers of training
 * step s (its batch, augmentation and mask) come from a generator derived from (seed, s), so a
 * resumed run draws exactly what an uninterrupted run would have drawn there, and the seed plus
 * the step is the whole random state a checkpoint needs. The generator itself is the data layer's.
 */
import { SeededRandom } from '../data/random';

export { SeededRandom };

/** A generator for the sub-stream named by `keys`, independent of how much any other stream drew. */
export function deriveRandom(seed: number, ...keys: number[]): SeededRandom {
  let h = Math.floor(seed) >>> 0;
  for (const key of keys) {
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d) ^ Math.imul(key + 0x9e3779b9, 0x85ebca6b);
    h = (h ^ (h >>> 15)) >>> 0;
  }
  return new SeededRandom(h);
}

/** A 32-bit seed for a sub-stream (to hand to functions that take a seed). */
export function deriveSeed(seed: number, ...keys: number[]): number {
  return Math.floor(deriveRandom(seed, ...keys).next() * 4294967296);
}

/** A random permutation of 0..n-1 (Fisher-Yates). */
export function permutation(n: number, random: SeededRandom): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = random.int(i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}
