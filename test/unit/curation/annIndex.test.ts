/**
 * The approximate neighbour index against brute force, its fallback to exact search without the
 * native module, and its graph kept in the run folder: reused while the embeddings stand, built
 * again when they change or the file is damaged; through the CLI with and without usearch.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { neighbourSearch } from '../../../src/engine/curation/annIndex';
import { CosineIndex } from '../../../src/engine/curation/nearest';
import { runNeighbourSearch } from '../../../src/engine/curation/runIndex';
import { sampleScores } from '../../../src/engine/curation/sampleScores';
import { SeededRandom } from '../../../src/engine/model/rng';
import { centreRows } from '../../../src/engine/selection/vectors';
import { ARTIFACTS } from '../../../src/shared/artifacts';
import { makeRunFixture } from '../../fixtures/makeRunFixture';
import { ENGINE, requireBuiltEngine } from '../../helpers/engine';
import { spawnSync } from 'node:child_process';

const DIM = 128;

/** `random` rows of isotropic noise (the hardest case for a graph) and `clustered` rows in clusters of 50 around random centres. */
function embeddings(random: number, clustered: number, seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  const out = new Float32Array((random + clustered) * DIM);
  for (let k = 0; k < random * DIM; k++) out[k] = rng.normal();
  let centre = new Float32Array(DIM);
  for (let i = 0; i < clustered; i++) {
    if (i % 50 === 0) centre = Float32Array.from({ length: DIM }, () => rng.normal());
    for (let d = 0; d < DIM; d++) out[(random + i) * DIM + d] = centre[d]! + 0.3 * rng.normal();
  }
  return out;
}

function recallAt10(vectors: Float32Array, search: { nearest(q: number, k: number): Array<{ id: number }> }): number {
  const exact = new CosineIndex(vectors, DIM);
  let found = 0;
  const queries = Array.from({ length: 200 }, (_, q) => (q * 7919) % exact.size);
  for (const q of queries) {
    const truth = new Set(exact.nearest(q, 10).map((n) => n.id));
    found += search.nearest(q, 10).filter((n) => truth.has(n.id)).length;
  }
  return found / (queries.length * 10);
}

test('HNSW recall at 10 is at least 0.95 against brute force on random and clustered embeddings', async () => {
  const vectors = embeddings(2000, 2000, 11);
  const search = await neighbourSearch(vectors, DIM, { exactBelow: 100 });
  assert.equal(search.method, 'hnsw');
  const recall = recallAt10(vectors, search);
  assert.ok(recall >= 0.95, `recall@10 ${recall}`);
  // The similarities shown are the exact ones, most similar first, and never the query itself.
  const exact = new CosineIndex(vectors, DIM);
  const got = search.nearest(2500, 10);
  assert.ok(!got.some((n) => n.id === 2500));
  for (const [i, n] of got.entries()) {
    assert.ok(Math.abs(n.similarity - exact.similarity(2500, n.id)) < 1e-12);
    if (i) assert.ok(n.similarity <= got[i - 1]!.similarity);
  }
  // A batch answers as single queries do.
  assert.deepEqual(search.nearestOfRows(2500, 2501, 10)[0], got);
  // Uniqueness through the graph: the nearest neighbour's distance, nearly always the exact one.
  const centred = centreRows(vectors, DIM);
  const viaGraph = sampleScores(vectors, DIM, new Float32Array(4000), {
    seed: 1,
    neighbours: await neighbourSearch(centred, DIM, { exactBelow: 100 }),
  });
  const exactScores = sampleScores(vectors, DIM, new Float32Array(4000), { seed: 1 });
  let same = 0;
  for (let i = 0; i < 4000; i++) {
    assert.ok(
      viaGraph.uniqueness[i]! >= exactScores.uniqueness[i]! - 1e-6,
      `a graph never finds nearer than exact (${i})`,
    );
    if (Math.abs(viaGraph.uniqueness[i]! - exactScores.uniqueness[i]!) < 1e-6) same++;
  }
  assert.ok(same / 4000 >= 0.95, `uniqueness equal to exact for ${same} of 4000`);
});

test('below the threshold, and without the native module, search is exact; the fallback says so once', async () => {
  const vectors = embeddings(300, 300, 3);
  assert.equal((await neighbourSearch(vectors, DIM)).method, 'exact');
  const lines: string[] = [];
  const search = await neighbourSearch(vectors, DIM, {
    exactBelow: 100,
    log: (line) => lines.push(line),
    loadUsearch: () => Promise.reject(new Error('Could not find native build for usearch')),
  });
  assert.equal(search.method, 'exact');
  assert.equal(lines.length, 1);
  assert.match(
    lines[0]!,
    /usearch\) could not be loaded \(Could not find native build for usearch\); searching 600 samples exactly/,
  );
  assert.equal(recallAt10(vectors, search), 1);
});

test('the run keeps its graph: reused while the embeddings stand, built again when they change or it is damaged', async () => {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-ann-'));
  const file = path.join(runDir, ARTIFACTS.embeddings);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const first = embeddings(600, 600, 5);
  fs.writeFileSync(file, first);
  const graph = path.join(runDir, ARTIFACTS.similarityIndex);
  const lines: string[] = [];
  const open = (vectors: Float32Array) =>
    runNeighbourSearch(runDir, vectors, DIM, { exactBelow: 100, log: (line) => lines.push(line) });

  assert.equal((await open(first)).method, 'hnsw');
  assert.ok(fs.existsSync(graph));
  const info = JSON.parse(fs.readFileSync(path.join(runDir, ARTIFACTS.similarityIndexInfo), 'utf8'));
  assert.equal(info.count, 1200);
  assert.equal(info.embeddings.bytes, first.byteLength);
  const built = fs.statSync(graph).mtimeMs;

  // The same embeddings: the graph is loaded, not written again, and answers as it did.
  const reused = await open(first);
  assert.equal(fs.statSync(graph).mtimeMs, built);
  assert.ok(recallAt10(centreRows(first, DIM), reused) >= 0.95);

  // New embeddings (optidel score or optidel embeddings rewrote the file): the old graph is stale.
  const second = embeddings(600, 600, 6);
  fs.writeFileSync(file, second);
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(file, later, later);
  const rebuilt = await open(second);
  assert.notEqual(fs.statSync(graph).mtimeMs, built);
  assert.equal(
    JSON.parse(fs.readFileSync(path.join(runDir, ARTIFACTS.similarityIndexInfo), 'utf8')).embeddings.mtimeMs,
    fs.statSync(file).mtimeMs,
  );
  assert.ok(recallAt10(centreRows(second, DIM), rebuilt) >= 0.95, 'it answers for the new embeddings');

  // A damaged graph file is reported and built again.
  fs.writeFileSync(graph, Buffer.from('not a graph'));
  assert.deepEqual(lines, []);
  const repaired = await open(second);
  assert.equal(lines.length, 1);
  assert.match(
    lines[0]!,
    /similarity-index\.usearch is not the file that was written \(damaged or replaced\); building it again/,
  );
  assert.ok(recallAt10(centreRows(second, DIM), repaired) >= 0.95);
  assert.ok(fs.statSync(graph).size > 1000);
});

test('optidel similar on a large pool uses the graph, and the engine bundle without usearch still answers, exactly', () => {
  requireBuiltEngine();
  const runDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-ann-cli-')), 'run');
  makeRunFixture(runDir, { samples: 1500, imageSize: 8, sampleScores: false });
  const similar = (engine: string) =>
    spawnSync(process.execPath, [engine, 'similar', '--run', runDir, '--sample', '7', '--k', '5', '--json'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
  const withGraph = similar(ENGINE);
  assert.equal(withGraph.status, 0, withGraph.stderr);
  assert.ok(fs.existsSync(path.join(runDir, ARTIFACTS.similarityIndex)), 'the graph is kept in the run');
  const viaGraph = JSON.parse(withGraph.stdout.trim().split('\n').pop()!).neighbours;

  // The engine's bundles copied where no node_modules can be found: usearch does not load.
  const alone = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-no-usearch-'));
  for (const f of fs.readdirSync(path.dirname(ENGINE)))
    fs.copyFileSync(path.join(path.dirname(ENGINE), f), path.join(alone, f));
  const exact = similar(path.join(alone, 'main.js'));
  assert.equal(exact.status, 0, exact.stderr);
  assert.match(exact.stderr, /could not be loaded .*searching 1500 samples exactly/);
  const viaExact = JSON.parse(exact.stdout.trim().split('\n').pop()!).neighbours;
  assert.equal(viaExact.length, 5);
  const ids = new Set(viaExact.map((n: { id: number }) => n.id));
  assert.ok(
    viaGraph.filter((n: { id: number }) => ids.has(n.id)).length >= 4,
    'the graph finds what exact search finds',
  );
});
