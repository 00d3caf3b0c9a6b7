// One measurement of scripts/bench/merge.mjs, in its own process so its peak memory is its own:
// writes the score parts of a synthetic pool of N samples in S shards (embedding dim 128, 8 x 8
// patches, as the tiny preset) into a scratch run folder, then times `optidel merge`'s work on
// them: checking and joining the parts (mergeScoreParts) and writing the merged artifacts with
// the embedding map's PCA (writeScoreArtifacts). Prints one JSON line.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeScoreArtifacts } from '../../src/engine/pipeline/scoreStage';
import { SeededRandom } from '../../src/engine/model/rng';
import { mergeScoreParts, writeScorePart } from '../../src/engine/scale/scoreParts';
import { shardRange } from '../../src/engine/scale/shard';

const [n, shards] = [Number(process.argv[2]), Number(process.argv[3])];
const [dim, grid] = [128, 8];
const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-merge-bench-'));
const expected = {
  pool: { contentHash: 'synthetic', size: n },
  checkpoint: { name: 'pretrain', hash: 'synthetic' },
};
const info = {
  embeddingDim: dim,
  patchesPerSide: grid,
  masksPerSample: 4,
  model: 'synthetic',
  difficulty: 'normalised' as const,
};
const rng = new SeededRandom(1);
const fill = (length: number) => Float32Array.from({ length }, () => rng.normal());

async function main() {
  for (let index = 0; index < shards; index++) {
    const { start, end } = shardRange({ index, count: shards }, n);
    const m = end - start;
    await writeScorePart(
      runDir,
      { index, count: shards },
      expected,
      { masks: 4, seed: 0, difficulty: 'normalised' },
      { embeddings: fill(m * dim), difficulty: fill(m), patchErrors: fill(m * grid * grid) },
      { count: m, ...info },
    );
  }
  const started = performance.now();
  const merged = await mergeScoreParts(runDir, expected, (s) => `optidel score --shard ${s}`);
  const joined = performance.now();
  await writeScoreArtifacts(runDir, merged.scores, merged.info);
  const written = performance.now();
  fs.rmSync(runDir, { recursive: true, force: true });
  process.stdout.write(
    `${JSON.stringify({ n, shards, dim, patches: grid * grid, joinSeconds: (joined - started) / 1000, writeSeconds: (written - joined) / 1000 })}\n`,
  );
}
void main();
