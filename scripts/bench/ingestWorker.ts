// One measurement process of the ingest benchmark (scripts/bench/ingest.mjs), run with tsx:
//   throughput <pool dir> <png|nifti> <rounds>: alternates the floor (sharp alone decoding and
//     resizing the same PNGs, or gunzip alone of the same volumes) with ingestPool, in this one
//     process, and reports wall and CPU seconds of each (CPU time includes libvips' threads and is
//     far less disturbed by other processes on a shared machine than wall time);
//   memory <pool dir>: one ingestPool, for the peak RSS printed by report-rss.cjs.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { quietContext } from '../../src/engine/command';
import { parseConfig } from '../../src/engine/config/loadConfig';
import { ingestPool } from '../../src/engine/pipeline/ingestStage';
import { loadSharp } from '../../src/engine/data/formats/raster';

const IMAGE_SIZE = 64;
const [mode, poolDir, kind, roundsArg] = process.argv.slice(2);

const quiet = quietContext('cpu');

async function timed(work: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await work();
  const cpu = process.cpuUsage(cpu0);
  return { wall: (performance.now() - t0) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
}

async function ingestOnce(): Promise<number> {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-bench-run-'));
  try {
    const loaded = parseConfig({ pool: [poolDir], imageSize: IMAGE_SIZE }, path.join(poolDir, 'optidel.json'));
    return (await ingestPool(loaded, runDir, quiet)).samples;
  } finally {
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

async function floor(files: string[]): Promise<void> {
  if (kind === 'nifti') {
    for (const f of files) zlib.gunzipSync(fs.readFileSync(f));
    return;
  }
  const sharp = await loadSharp();
  for (let i = 0; i < files.length; i += 8) {
    await Promise.all(
      files
        .slice(i, i + 8)
        .map((f) => sharp(f).toColourspace('b-w').resize(IMAGE_SIZE, IMAGE_SIZE, { fit: 'contain' }).raw().toBuffer()),
    );
  }
}

async function main(): Promise<void> {
  if (mode === 'memory') {
    process.stdout.write(`${JSON.stringify({ samples: await ingestOnce() })}\n`);
    return;
  }
  const files = fs
    .readdirSync(poolDir)
    .filter((f) => !f.endsWith('.json'))
    .map((f) => path.join(poolDir, f))
    .sort();
  await loadSharp();
  await floor(files.slice(0, 8)); // warm-up: libraries loaded, code compiled
  const rounds: Array<{ floor: { wall: number; cpu: number }; ingest: { wall: number; cpu: number } }> = [];
  let samples = 0;
  for (let r = 0; r < Number(roundsArg); r++) {
    const f = await timed(() => floor(files));
    const i = await timed(async () => {
      samples = await ingestOnce();
    });
    rounds.push({ floor: f, ingest: i });
  }
  process.stdout.write(`${JSON.stringify({ files: files.length, samples, rounds })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
