// A tiny benchmark on the tiny demo data through the built CLI: every stage runs for real (ingest,
// foundation pre-training, scoring, key patches, selection, mosaics, pre-training, probing), with
// sizes small enough for CI. The second run must reuse every cell.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../helpers/engine';

const TINY_BENCH = [
  '--methods',
  'scratch,random,optidel',
  '--budget',
  '0.1',
  '--seeds',
  '1',
  '--preset',
  'micro',
  '--steps',
  '3',
  '--batch-size',
  '4',
  '--finetune-mode',
  'probe',
  '--finetune-steps',
  '4',
  '--json',
];

/** A bench run's counts of cells computed and reused, from its --json output. */
function computedAndReused(result: ReturnType<typeof runCli>): [number, number] {
  const { computed, reused } = result.json as { computed: number; reused: number };
  return [computed, reused];
}

/** The tiny demo data in a new folder, and the tiny bench on it for `methods` and one data set. */
function tinyBenchOnDemo(prefix: string, methods: string, dataset: string): { run: string; args: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  assert.equal(runCli(['demo-data', '--out', path.join(dir, 'data'), '--size', 'tiny']).status, 0);
  const run = path.join(dir, 'run');
  const config = path.join(dir, 'data', 'optidel.json');
  return {
    run,
    args: ['bench', '--config', config, '--out', run, ...TINY_BENCH, '--methods', methods, '--datasets', dataset],
  };
}

test('a tiny end-to-end bench writes a report and resumes without recomputing', { timeout: 120_000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-e2e-bench-'));
  const data = runCli(['demo-data', '--out', path.join(dir, 'data'), '--size', 'tiny']);
  assert.equal(data.status, 0, data.stderr);
  const args = [
    'bench',
    '--config',
    path.join(dir, 'data', 'optidel.json'),
    '--out',
    path.join(dir, 'run'),
    ...TINY_BENCH,
  ];
  const first = runCli(args, { timeoutMs: 100_000 });
  assert.equal(first.status, 0, first.stderr);
  const summary = first.json as {
    methods: string[];
    datasets: string[];
    mIoU: Record<string, Record<string, number>>;
    computed: number;
    reused: number;
  };
  assert.deepEqual(summary.methods, ['scratch', 'random', 'optidel']);
  assert.deepEqual(summary.datasets, ['abdomen-ct', 'brain-mr', 'chest-xray']);
  assert.equal(summary.computed, 9);
  const report = JSON.parse(fs.readFileSync(path.join(dir, 'run', 'bench', 'report.json'), 'utf8'));
  assert.equal(report.cells.length, 9);
  for (const cell of report.cells) {
    assert.ok(cell.backend && cell.seed === 0 && typeof cell.normDel === 'number', JSON.stringify(cell));
    assert.equal(cell.pretrainSteps, cell.method === 'scratch' ? 0 : 3);
  }
  assert.ok(
    report.cells.find((c: { method: string }) => c.method === 'optidel').generatedSamples > 0,
    'optidel trains on mosaics',
  );
  const reportMd = fs.readFileSync(path.join(dir, 'run', 'bench', 'report.md'), 'utf8');
  assert.match(reportMd, /\| optidel \|/);
  assert.match(
    reportMd,
    /- splits, one per seed .*:\n {2}- seed 0: split of abdomen-ct \(fold 0 of 3, partition seed 0\)/,
  );
  assert.match(
    reportMd,
    /- cross-validation \(seed s tests fold s mod k of each data set\):\n {2}- abdomen-ct: 1 of its 3 folds tested; `--seeds 3` tests every one of its thirds \(of 2 acquisition\(s\)\) once\n/,
  );
  // Every data set's split report, per seed: how it was split, and each test image's nearest training image.
  const reports = JSON.parse(fs.readFileSync(path.join(dir, 'run', 'bench', 'splits', 'chest-xray.json'), 'utf8'));
  assert.deepEqual(
    reports.seeds.map((s: { seed: number }) => s.seed),
    [0],
  );
  const { split, inPool } = reports.seeds[0];
  assert.equal(split.nearest.length, split.counts.test);
  assert.ok(
    split.nearest.every((n: { similarity: number }) => n.similarity < split.nearDuplicateSimilarity) &&
      inPool.length === 0,
  );
  assert.match(first.stderr, /bench: chest-xray: 1 of its 3 folds tested \(1 of its 3 acquisitions\)/);
  // The tiny demo's labelled CT is two subjects, one file each: too few to split whole, so each is cut in thirds.
  assert.match(
    first.stderr,
    /seed 0: split of abdomen-ct \(fold 0 of 3, partition seed 0\) in contiguous thirds of 2 acquisition/,
  );
  // Again, asking also for the ablation arm that trains on what optidel does at the defaults: it is
  // measured once, as optidel, so nothing is computed.
  const again = runCli([...args, '--methods', 'scratch,random,optidel,optidel-adversarial'], { timeoutMs: 60_000 });
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(computedAndReused(again), [0, 9]);
  assert.match(again.stderr, /optidel-adversarial would train on exactly what optidel does at these settings/);
  // The benchmark folder is a run: `optidel finetune` works on any of its encoders.
  const finetune = runCli(
    [
      'finetune',
      '--run',
      path.join(dir, 'run'),
      '--checkpoint',
      'full-s0',
      '--finetune-mode',
      'probe',
      '--finetune-steps',
      '3',
      '--json',
    ],
    { timeoutMs: 60_000 },
  );
  assert.equal(finetune.status, 0, finetune.stderr);
  const result = finetune.json as { datasets: Array<{ name: string; mIoU: number | null }> };
  assert.deepEqual(
    result.datasets.map((d) => d.name),
    ['abdomen-ct', 'brain-mr', 'chest-xray'],
  );
  const run = JSON.parse(fs.readFileSync(path.join(dir, 'run', 'run.json'), 'utf8'));
  assert.equal(run.stages.finetune.status, 'done');
  assert.ok(fs.readFileSync(path.join(dir, 'run', 'metrics', 'finetune.jsonl'), 'utf8').includes('chest-xray/mIoU'));
  // The ablation of the generation step: optidel on the images its key patches came from, in an
  // encoder of its own (the mosaic-trained one must not be resumed as if it were this one).
  const ablation = runCli([...args, '--optidel-images', 'selected'], { timeoutMs: 60_000 });
  assert.equal(ablation.status, 0, ablation.stderr);
  const checkpoints = fs.readdirSync(path.join(dir, 'run', 'checkpoints'));
  assert.ok(
    checkpoints.includes('optidel-b0.1-s0') && checkpoints.includes('optidel-selected-b0.1-s0'),
    checkpoints.join(', '),
  );
  const ablated = JSON.parse(fs.readFileSync(path.join(dir, 'run', 'bench', 'report.json'), 'utf8')).cells.find(
    (c: { method: string }) => c.method === 'optidel',
  );
  assert.ok(ablated.generatedSamples === 0 && ablated.pretrainSamples > 0, JSON.stringify(ablated));
  assert.match(fs.readFileSync(path.join(dir, 'run', 'bench', 'report.md'), 'utf8'), /optidel trains on: selected/);
});

test(
  'bench --workers 2 shares the encoders between two engines and measures exactly what one engine does',
  { timeout: 180_000 },
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-e2e-workers-'));
    assert.equal(runCli(['demo-data', '--out', path.join(dir, 'data'), '--size', 'tiny']).status, 0);
    const bench = (out: string, extra: string[]) =>
      runCli(
        [
          'bench',
          '--config',
          path.join(dir, 'data', 'optidel.json'),
          '--out',
          path.join(dir, out),
          ...TINY_BENCH,
          '--seeds',
          '2',
          ...extra,
        ],
        { timeoutMs: 150_000 },
      );
    const alone = bench('alone', []);
    assert.equal(alone.status, 0, alone.stderr);
    const shared = bench('shared', ['--workers', '2']);
    assert.equal(shared.status, 0, shared.stderr);
    assert.match(shared.stderr, /worker 1: .*worker 2: |worker 2: .*worker 1: /s, 'both workers took part');
    // While the parent trains the foundation model, an early worker fine-tunes an encoder that needs
    // none; the two workers after it are numbered on. Its cells must match the lone engine's too.
    assert.match(shared.stderr, /bench: worker 1 takes scratch:0:0\n/, 'an early worker ran during the foundation');
    assert.match(shared.stderr, /bench: worker 3 takes /, 'two workers after the early one');
    assert.deepEqual(computedAndReused(shared), [18, 0]);
    const cells = (out: string) =>
      (
        JSON.parse(fs.readFileSync(path.join(dir, out, 'bench', 'report.json'), 'utf8')).cells as Array<{
          method: string;
          seed: number;
          dataset: string;
          mIoU: number;
          perClassIoU: unknown;
        }>
      )
        .map((c) => ({ cell: `${c.method}/${c.seed}/${c.dataset}`, mIoU: c.mIoU, perClassIoU: c.perClassIoU }))
        .sort((a, b) => a.cell.localeCompare(b.cell));
    assert.deepEqual(cells('shared'), cells('alone'));
    const runs = (out: string) =>
      JSON.parse(fs.readFileSync(path.join(dir, out, 'bench', 'predictions', 'abdomen-ct', 'index.json'), 'utf8')).runs
        .length;
    assert.equal(
      runs('shared'),
      3,
      'the predictions of every encoder of seed 0 (whose test images they show) are in the index',
    );
    assert.equal(runs('alone'), 3);
  },
);

test(
  "the config's seed makes every seed's split, and a cell signs its data: changing either measures it again",
  { timeout: 120_000 },
  () => {
    const { run, args } = tinyBenchOnDemo('optidel-e2e-partitionseed-', 'scratch', 'chest-xray');
    const first = runCli(args, { timeoutMs: 60_000 });
    assert.equal(first.status, 0, first.stderr);
    const config = args[args.indexOf('--config') + 1];
    const partitionSeed = () =>
      JSON.parse(fs.readFileSync(path.join(run, 'bench', 'splits', 'chest-xray.json'), 'utf8')).seeds[0].split.seed;
    assert.equal(partitionSeed(), 0);
    fs.writeFileSync(config, JSON.stringify({ ...JSON.parse(fs.readFileSync(config, 'utf8')), seed: 3 }));
    const again = runCli(args, { timeoutMs: 60_000 });
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(computedAndReused(again), [1, 0], "seed 0's cell is on another split now");
    assert.match(again.stderr, /not reusing .*scratch-b0-s0-chest-xray\.json: made with other settings/);
    assert.equal(partitionSeed(), 3);
    const cellFile = path.join(run, 'bench', 'cells', 'scratch-b0-s0-chest-xray.json');
    const measuredOn = JSON.parse(fs.readFileSync(cellFile, 'utf8')).data;
    // A corrected label file (here: every frame's label replaced by the first frame's) is other data.
    const labels = path.join(path.dirname(config), 'downstream', 'chest-xray', 'labels');
    const [firstLabel, ...others] = fs.readdirSync(labels).sort();
    for (const name of others) fs.copyFileSync(path.join(labels, firstLabel), path.join(labels, name));
    // A worker of --workers started after the edit finds other data than its parent loaded: it refuses.
    const worker = runCli([...args, '--only', 'scratch:0:0', '--data-digests', `${measuredOn}:0:chest-xray`], {
      timeoutMs: 60_000,
    });
    assert.notEqual(worker.status, 0);
    assert.match(worker.stderr, /chest-xray \(seed 0\) changed after the bench started/);
    assert.equal(JSON.parse(fs.readFileSync(cellFile, 'utf8')).data, measuredOn, 'the worker measured nothing');
    const relabelled = runCli(args, { timeoutMs: 60_000 });
    assert.equal(relabelled.status, 0, relabelled.stderr);
    assert.deepEqual(computedAndReused(relabelled), [1, 0], 'the cell is measured on the corrected labels');
    assert.match(relabelled.stderr, /made on other data: the images, labels or split of chest-xray at seed 0 changed/);
  },
);

test(
  'a changed pool invalidates the encoders, the scores and the cells, and the log says why',
  { timeout: 180_000 },
  () => {
    const { run, args } = tinyBenchOnDemo('optidel-e2e-stale-', 'random', 'chest-xray');
    const dir = path.dirname(run);
    const first = runCli(args, { timeoutMs: 80_000 });
    assert.equal(first.status, 0, first.stderr);
    const signature = () =>
      JSON.parse(fs.readFileSync(path.join(dir, 'run', 'checkpoints', 'full-s0', 'inputs.json'), 'utf8')).signature;
    const before = signature();
    // The pool loses one file (an exact copy of a frame, as real archives have).
    const copies = path.join(dir, 'data', 'pool', 'xray', 're-export');
    fs.rmSync(path.join(copies, fs.readdirSync(copies)[0]!));
    const again = runCli(args, { timeoutMs: 80_000 });
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(computedAndReused(again), [1, 0], 'the cell is measured again');
    assert.match(again.stderr, /full-s0 was pre-trained on other inputs .*moved to .*full-s0\.stale-/);
    assert.match(again.stderr, /random-b0\.1-s0 was pre-trained on other inputs/);
    assert.match(again.stderr, /scores were computed with a foundation model trained on other inputs; scoring again/);
    assert.notEqual(signature(), before);
    assert.ok(
      fs.readdirSync(path.join(dir, 'run', 'checkpoints')).some((f) => f.startsWith('full-s0.stale-')),
      'the old encoder is kept, not deleted',
    );
  },
);

test(
  'optidel-pvi selects by the pvi difficulty of the same foundation model, computed once and kept',
  { timeout: 180_000 },
  () => {
    const { run, args } = tinyBenchOnDemo('optidel-e2e-difficulty-', 'optidel,optidel-pvi', 'chest-xray');
    const first = runCli(args, { timeoutMs: 120_000 });
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stderr, /scoring the pool by the pvi difficulty with the foundation model/);
    const checkpoints = fs.readdirSync(path.join(run, 'checkpoints'));
    assert.ok(checkpoints.includes('optidel-pvi-b0.1-s0') && checkpoints.includes('optidel-b0.1-s0'), `${checkpoints}`);
    const report = JSON.parse(fs.readFileSync(path.join(run, 'bench', 'report.json'), 'utf8'));
    assert.deepEqual(report.cells.map((c: { method: string }) => c.method).sort(), ['optidel', 'optidel-pvi']);
    assert.match(
      fs.readFileSync(path.join(run, 'bench', 'report.md'), 'utf8'),
      /against `optidel` \(the default score, normalised\):\n\n\| method − optidel \| chest-xray \| mean over data sets \|\n\|---\|---:\|---:\|\n\| optidel-pvi \|/,
      'the difficulty comparison table',
    );
    const variant = path.join(run, 'bench', 'difficulty', 'pvi');
    const f32 = (file: string) => {
      const b = fs.readFileSync(file);
      return Array.from(new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4));
    };
    const pvi = f32(path.join(variant, 'difficulty.f32'));
    const normalised = f32(path.join(run, 'scores', 'difficulty.f32'));
    assert.equal(pvi.length, normalised.length);
    assert.notDeepEqual(pvi, normalised, 'another score, not a copy of the pool scores');
    // The same numbers as the score stage by the pvi difficulty with the foundation model.
    const scored = runCli(['score', '--run', run, '--checkpoint', 'full-s0', '--difficulty', 'pvi', '--json'], {
      timeoutMs: 60_000,
    });
    assert.equal(scored.status, 0, scored.stderr);
    const direct = f32(path.join(run, 'scores', 'difficulty.f32'));
    pvi.forEach((v, i) => assert.ok(Math.abs(v - direct[i]) < 1e-5, `sample ${i}: ${v} vs ${direct[i]}`));
    const header = JSON.parse(fs.readFileSync(path.join(variant, 'key-patches.json'), 'utf8'));
    const lines = fs.readFileSync(path.join(variant, 'key-patches.jsonl'), 'utf8').trim().split('\n');
    assert.equal(header.version, 2, 'the arm keeps its key patches as the propose stage does');
    assert.equal(lines.length, header.patchCount);
    // Kept: a second run computes nothing again (its key patches read back from those two files).
    const again = runCli(args, { timeoutMs: 60_000 });
    assert.equal(again.status, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /scoring the pool by the pvi difficulty/);
    assert.equal((again.json as { computed: number }).computed, 0);
  },
);

test(
  'optidel-rounds trains in two rounds, choosing its second set with the encoder in training, and leaves the pool run as it was',
  { timeout: 240_000 },
  () => {
    const { run, args } = tinyBenchOnDemo('optidel-e2e-rounds-', 'optidel-adversarial,optidel-rounds', 'abdomen-ct');
    const bench = runCli(args, { timeoutMs: 200_000 });
    assert.equal(bench.status, 0, bench.stderr);
    assert.match(bench.stderr, /bench: optidel-rounds \(seed 0\): collaborative round 2 of 2/);
    assert.doesNotMatch(bench.stderr, /optidel-adversarial \(seed 0\): collaborative round/);
    // Its set is chosen twice (the second time from the pool as the encoder in training scores it), the adversarial arm's once.
    assert.equal(bench.stderr.match(/bench: optidel-rounds \(seed 0\) trains on/g)?.length, 2);
    assert.equal(bench.stderr.match(/bench: optidel-adversarial \(seed 0\) trains on/g)?.length, 1);
    const report = JSON.parse(fs.readFileSync(path.join(run, 'bench', 'report.json'), 'utf8')) as {
      cells: Array<{ method: string; pretrainSteps: number }>;
    };
    assert.deepEqual(
      report.cells.map((c) => [c.method, c.pretrainSteps]).sort(),
      [
        ['optidel-adversarial', 3],
        ['optidel-rounds', 3],
      ],
      'the rounds share the same steps: equal compute',
    );
    // The shared pool run's key patches are the foundation model's, not re-proposed by one arm.
    const keyPatches = JSON.parse(fs.readFileSync(path.join(run, 'patches', 'key-patches.json'), 'utf8')) as {
      proposer: string;
    };
    assert.doesNotMatch(keyPatches.proposer, /re-proposed/);
    const markdown = fs.readFileSync(path.join(run, 'bench', 'report.md'), 'utf8');
    assert.match(markdown, /\| optidel-rounds \| .* \(− optidel-adversarial\) \|/);
  },
);

/**
 * Runs the tiny full-pool bench at the defaults, then with `option`: the second run must recompute
 * its one cell. Gives what the second run recorded (its checkpoint's config, the report's preset)
 * and a function that runs the defaults again.
 */
function benchWithOption(
  prefix: string,
  option: string[],
): { config: Record<string, unknown>; preset: string; rerunDefaults: () => { computed: number; reused: number } } {
  const { run, args } = tinyBenchOnDemo(prefix, 'full', 'chest-xray');
  const bench = (extra: string[]) => {
    const result = runCli([...args, ...extra], { timeoutMs: 100_000 });
    assert.equal(result.status, 0, result.stderr);
    return result.json as { computed: number; reused: number };
  };
  bench([]);
  const counts = bench(option);
  assert.deepEqual([counts.computed, counts.reused], [1, 0], `${option.join(' ')} reused a cell of the defaults`);
  const pointer = JSON.parse(fs.readFileSync(path.join(run, 'checkpoints', 'full-s0', 'latest.json'), 'utf8'));
  const model = JSON.parse(
    fs.readFileSync(path.join(run, 'checkpoints', 'full-s0', pointer.dir, 'model.json'), 'utf8'),
  );
  const report = JSON.parse(fs.readFileSync(path.join(run, 'bench', 'report.json'), 'utf8'));
  return { config: model.config, preset: report.settings.preset, rerunDefaults: () => bench([]) };
}

test('bench --mask-ratio pre-trains with that ratio and never reuses cells of another', { timeout: 120_000 }, () => {
  const { config, preset } = benchWithOption('optidel-e2e-mask-', ['--mask-ratio', '0.5']);
  assert.equal(config.maskRatio, 0.5);
  assert.match(preset, /mask ratio 0\.5/);
});

test(
  'bench --reconstruction-target pixels pre-trains on raw pixels and never reuses cells of the default',
  { timeout: 120_000 },
  () => {
    const { config, preset, rerunDefaults } = benchWithOption('optidel-e2e-target-', [
      '--reconstruction-target',
      'pixels',
    ]);
    assert.equal(config.target, 'pixels');
    assert.match(preset, /pixels target/);
    // Back at the default, the raw cell is not taken for a normalised one either.
    const again = rerunDefaults();
    assert.deepEqual([again.computed, again.reused], [1, 0]);
  },
);
