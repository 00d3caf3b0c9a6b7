// Per-image cost of the sharded stages (docs/scale-out.md works out 10M images from these): for the
// MAE preset tiny (64 px, the demo "small" pool) on this machine's backend, the
// seconds per image of `optidel score` (its own timer: model load and startup excluded) and of
// `optidel propose` (the process's wall time, startup included), each process's peak memory, and
// the bytes per image of the cache, the score parts and the key patches. The model is pre-trained
// for one step only: the cost does not depend on the weights. Prints one JSON object last.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const cli = path.join(root, 'bin', 'optidel.js');
const rssHook = path.join(root, 'scripts', 'bench', 'report-rss.cjs');
const log = (m) => process.stderr.write(`${m}\n`);
// base (224 px) is for GPU backends: on wasm, scoring it in batches of 8 exceeds wasm's 4 GiB
// memory and aborts, and batches of 1 took over 10 minutes for 58 images here.
const PRESETS = [{ preset: 'tiny', demo: 'small', imageSize: 64 }];

function optidel(args) {
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--require', rssHook, cli, ...args, '--json'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`optidel ${args.join(' ')} failed: ${r.stderr}`);
  const rss = /BENCH_MAX_RSS_KB=(\d+)/.exec(r.stderr);
  return {
    json: JSON.parse(r.stdout.trim().split('\n').pop()),
    wall: (performance.now() - started) / 1000,
    peakMiB: rss ? Number(rss[1]) / 1024 : undefined,
  };
}

const bytesUnder = (dir) =>
  fs.readdirSync(dir, { recursive: true }).reduce((sum, f) => {
    const s = fs.statSync(path.join(dir, String(f)));
    return s.isFile() ? sum + s.size : sum;
  }, 0);

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-scoring-bench-'));
const rows = [];
try {
  for (const { preset, demo, imageSize } of PRESETS) {
    const data = path.join(scratch, `${preset}-data`);
    const run = path.join(scratch, `${preset}-run`);
    optidel(['demo-data', '--out', data, '--size', demo, '--image-size', String(imageSize)]);
    optidel(['ingest', '--config', path.join(data, 'optidel.json'), '--out', run]);
    optidel(['pretrain', '--run', run, '--preset', preset, '--steps', '1', '--batch-size', '8']);
    const score = optidel(['score', '--run', run, '--shard', '0/1']);
    const propose = optidel(['propose', '--run', run, '--shard', '0/1']);
    const n = score.json.count;
    const row = {
      preset,
      imageSize,
      images: n,
      masks: score.json.masks,
      embeddingDim: score.json.embeddingDim,
      scoreSecondsPerImage: score.json.seconds / n,
      scorePeakMiB: score.peakMiB,
      proposeSecondsPerImage: propose.wall / n,
      proposePeakMiB: propose.peakMiB,
      cacheBytesPerImage: bytesUnder(path.join(run, 'cache')) / n,
      scorePartBytesPerImage: bytesUnder(path.join(run, 'parts', 'score')) / n,
      proposePartBytesPerImage: bytesUnder(path.join(run, 'parts', 'propose')) / n,
    };
    log(
      `${preset} (${imageSize} px, ${n} images): score ${(row.scoreSecondsPerImage * 1000).toFixed(1)} ms/image, peak ${row.scorePeakMiB?.toFixed(0)} MiB; propose ${(row.proposeSecondsPerImage * 1000).toFixed(1)} ms/image`,
    );
    rows.push(row);
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify({ presets: rows })}\n`);
