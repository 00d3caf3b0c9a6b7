// `npm run bench -- --summary`: one table of the latest result of every bench in bench-results/,
// read from the files scripts/bench.mjs wrote (nothing is run again), with the date, the machine
// and its load at the end of each run, and each bench's headline figures.
import * as fs from 'node:fs';
import * as path from 'node:path';

const n = (x, digits = 1) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '-');

/** Each bench's headline figures, from its result; the full result stays in its file. */
const HEADLINES = {
  training: ({ summary: s }) =>
    `tiny 64 px batch 32: ${n(s.imagesPerSecond)} images/s, MFU ${n(s.mfu, 2)}, ${n(s.oursOverPytorch, 2)}x PyTorch (${n(s.pytorchImagesPerSecond)} images/s)`,
  scoringThreads: ({ rows }) =>
    rows
      .map(
        (r) =>
          `${r.imageSize} px K=${r.masks}: 1 thread ${n(r.one.imagesPerSecond)}, N threads ${n(r.many.imagesPerSecond)} images/s (${n(r.ratio, 2)}x)`,
      )
      .join('; '),
  scale: ({ pools, growth, million }) =>
    [
      ...pools.map(
        (p) =>
          `N=${p.n}: ${Object.entries(p.stages)
            .map(([stage, m]) => `${stage} ${n(m.seconds)} s / ${n(m.peakRssMiB, 0)} MiB`)
            .join(', ')}`,
      ),
      ...(growth
        ? [
            `time growth ${growth.from}->${growth.to} over N log N: ${Object.entries(growth.stages)
              .map(([stage, g]) => `${stage} ${n(g.timeVsNLogN, 2)}`)
              .join(', ')}`,
            // Results written before 2026-12-08 have no live heap.
            ...(Object.values(growth.stages).some((g) => g.liveHeap)
              ? [
                  `live heap growth: ${Object.entries(growth.stages)
                    .map(([stage, g]) => `${stage} ${n(g.liveHeap, 2)}x`)
                    .join(', ')}`,
                ]
              : []),
          ]
        : []),
      // Results written before 2026-12-04 hold one row (the exact selector) rather than a list.
      ...[million ?? []].flat().map((m) => `select 1M ${m.method}: ${n(m.seconds)} s / ${n(m.peakRssMiB, 0)} MiB`),
    ].join('; '),
  selection: ({ methods }) =>
    `time growth 10k->100k over N log N: ${methods.map((m) => `${m.method} ${n(m.growthVsNLogN, 2)}`).join(', ')}`,
  hierarchical: ({ scale }) =>
    `at ${scale.n}: ${scale.methods
      .filter((m) => m.method !== 'none')
      .map((m) => `${m.method} ${n(m.seconds)} s`)
      .join(', ')}`,
  merge: (r) =>
    `${r.shards} shards of ${r.n / r.shards}: join ${n(r.joinSeconds)} s, write ${n(r.writeSeconds)} s, peak ${n(r.peakMiB, 0)} MiB`,
  'cache-index': (r) =>
    `${r.samples} samples: write ${n(r.write.seconds)} s, load ${n(r.load.seconds)} s / ${n(r.load.peakMiB, 0)} MiB` +
    // Results written before 2026-12-08 do not say what the loaded records keep.
    (r.load.liveBytesPerRecord ? `, ${n(r.load.liveBytesPerRecord, 0)} B a sample kept` : '') +
    (r.positions ? `; positions only ${n(r.positions.liveBytesPerRecord)} B a sample kept` : '') +
    (r.keyPatches ? `; key patches ${n(r.keyPatches.load.liveBytesPerRecord, 0)} B each kept` : ''),
  'stage-memory': ({ slices, runs }) =>
    `${slices} slices, 2 threads: ${runs
      .map(
        (r) =>
          `${r.side} ${r.stage} live heap ${n(r.liveHeapMiB)} MiB, peak RSS ${n(r.peakRssMiB, 0)} MiB, ${n(r.seconds)} s`,
      )
      .join('; ')}`,
  ingest: ({ png, nifti }) =>
    `PNG ${n(png.ingestSlicesPerSecond)} slices/s (${n(png.ratioToFloorWall, 2)}x its floor), NIfTI ${n(nifti.ingestSlicesPerSecond)} slices/s`,
  scoring: ({ presets }) =>
    presets
      .map(
        (p) =>
          `${p.preset} ${p.imageSize} px: score ${n(p.scoreSecondsPerImage * 1000)} ms/image, propose ${n(p.proposeSecondsPerImage * 1000)} ms/image`,
      )
      .join('; '),
  views: ({ met }) => `targets met: first render ${met.firstRender}, zoom frame ${met.zoomFrame}`,
  onnx: ({ rows }) => {
    const speed = (r) =>
      `wasm ${n(r.wasmImagesPerSecond)}, onnxruntime ${n(r.onnxOneThreadImagesPerSecond)} on 1 thread (${n(r.oneThreadRatio, 2)}x), ${n(r.onnxAllThreadsImagesPerSecond)} on ${r.onnxThreads} (${n(r.allThreadsRatio, 2)}x)`;
    return `images/s: ${rows
      .map((r) => `${r.imageSize} px encoder ${speed(r.encoder)}, K = ${r.scoring.masks} scoring ${speed(r.scoring)}`)
      .join('; ')}`;
  },
  stepKernels: ({ summary: s }) =>
    [['branch', s.branch], ...(s.base ? [['base', s.base]] : [])]
      .map(
        ([tree, rows]) =>
          `${tree}: ${rows.map((r) => `${r.imageSize} px ${r.kernels} kernels ${n(r.cpuMsPerStep)} CPU ms/step`).join(', ')}`,
      )
      .join('; '),
  similar: ({ target }) => `query under ${target.queryMsAt100k} ms at 100k: ${target.met}`,
};

/** Without a headline: the result's top-level numbers and booleans. */
function plainFigures(result) {
  const plain = Object.entries(result).filter(([, v]) => typeof v === 'number' || typeof v === 'boolean');
  return plain.length
    ? plain.map(([k, v]) => `${k} ${typeof v === 'number' ? n(v, 3) : v}`).join(', ')
    : 'see the file';
}

const cell = (text) => String(text).replaceAll('|', '\\|').replaceAll('\n', ' ');

/** The summary table (Markdown), one row per bench-results/*.json. */
export function benchSummary(root) {
  const dir = path.join(root, 'bench-results');
  const files = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
    : [];
  if (files.length === 0) return `no results in ${dir}: run "npm run bench" (or "npm run bench -- NAME") first\n`;
  const rows = files.map((file) => {
    const name = file.slice(0, -'.json'.length);
    let record;
    try {
      record = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    } catch (err) {
      return [
        name,
        '-',
        '-',
        '-',
        '-',
        `unreadable ${path.join('bench-results', file)} (${err.message}): run "npm run bench -- ${name}" again`,
      ];
    }
    const m = record.machine ?? {};
    let figures;
    try {
      const result = record.result ?? {};
      figures = result.skipped ? `skipped: ${result.skipped}` : (HEADLINES[name] ?? plainFigures)(result);
    } catch (err) {
      figures = `headline unreadable (${err.message}); see ${path.join('bench-results', file)}`;
    }
    return [
      name,
      record.startedAt ? record.startedAt.slice(0, 16).replace('T', ' ') : '-',
      `${n(record.seconds, 0)} s`,
      `${m.cpu ?? '?'}, ${m.cpus ?? '?'} cores`,
      (m.loadAverage ?? []).map((x) => n(x, 2)).join(' / ') || '-',
      figures,
    ];
  });
  const header = ['bench', 'started (UTC)', 'took', 'machine', 'load 1/5/15 min at end', 'headline'];
  return `${[header, header.map(() => '---'), ...rows].map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n')}\n`;
}
