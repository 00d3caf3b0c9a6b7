// exactDuplicateOf (selection/duplicates.ts): every row that repeats an earlier one bit for bit
// points at its first copy, and rows whose hashes collide without being equal are kept apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exactDuplicateOf } from '../../../src/engine/selection/duplicates';
import { SeededRandom } from '../../../src/engine/model/rng';

/** The first earlier row equal to each row, by comparing every pair. */
function bruteForce(vectors: Float32Array, dim: number): Int32Array {
  const n = vectors.length / dim;
  const out = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < i && out[i] < 0; j++)
      if (vectors.subarray(i * dim, i * dim + dim).every((v, d) => Object.is(v, vectors[j * dim + d]))) out[i] = j;
  return out;
}

test('repeated rows point at their first copy, as an all-pairs comparison finds', () => {
  const random = new SeededRandom(3);
  const dim = 3;
  const palette = Array.from({ length: 7 }, () => Array.from({ length: dim }, () => random.next()));
  const vectors = Float32Array.from(Array.from({ length: 200 }, () => palette[random.int(7)]).flat());
  assert.deepEqual(exactDuplicateOf(vectors, dim), bruteForce(vectors, dim));
});

test('a thousand distinct rows of small round values, each repeated, as an all-pairs comparison finds', () => {
  // Values such as 0.5 or 3 leave the low bits of every word zero, the bits a plain hash would
  // take its table slot from: whatever the probing, the answer is the all-pairs one.
  const random = new SeededRandom(5);
  const dim = 4;
  const distinct = Array.from({ length: 1000 }, () => Array.from({ length: dim }, () => random.int(16) / 2));
  const vectors = Float32Array.from(Array.from({ length: 3000 }, () => distinct[random.int(1000)]).flat());
  assert.deepEqual(exactDuplicateOf(vectors, dim), bruteForce(vectors, dim));
});

test('rows whose hashes collide but differ are not duplicates; a later copy of either finds its own', () => {
  // FNV-1a over two words collides when the second word cancels the first's difference:
  // ((s ^ a) * p) ^ b is the same for (a1, b1) and (a2, b2 = (s ^ a1) * p ^ b1 ^ (s ^ a2) * p).
  const [s, p] = [0x811c9dc5, 0x01000193];
  const bits = new Uint32Array(8);
  const a1 = new Uint32Array(new Float32Array([1]).buffer)[0];
  const b1 = new Uint32Array(new Float32Array([3]).buffer)[0];
  const a2 = new Uint32Array(new Float32Array([2]).buffer)[0];
  const b2 = (Math.imul(s ^ a1, p) ^ b1 ^ Math.imul(s ^ a2, p)) >>> 0;
  bits.set([a1, b1, a2, b2, a2, b2, a1, b1]);
  const vectors = new Float32Array(bits.buffer);
  assert.deepEqual(Array.from(exactDuplicateOf(vectors, 2)), [-1, -1, 1, 0]);
});
