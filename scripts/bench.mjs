// `npm run bench`: runs every scripts/bench/*.mjs (or those named: `node scripts/bench.mjs ingest`),
// each in its own process; arguments starting with "--" go to every bench run (`scale --large`).
// A bench prints progress on stderr and one JSON object last on stdout; it is written to
// bench-results/<name>.json with the machine it ran on. `--summary` runs nothing: it prints one
// table of the results already there (scripts/benchSummary.mjs).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchSummary } from './benchSummary.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const benchDir = path.join(root, 'scripts', 'bench');
const args = process.argv.slice(2);
if (args.includes('--summary')) {
  process.stdout.write(benchSummary(root));
  process.exit(0);
}
const wanted = args.filter((a) => !a.startsWith('--'));
const benchFlags = args.filter((a) => a.startsWith('--'));
const names = fs
  .readdirSync(benchDir)
  .filter((f) => f.endsWith('.mjs'))
  .map((f) => f.slice(0, -4))
  .filter((n) => wanted.length === 0 || wanted.includes(n))
  .sort();
if (names.length === 0) {
  console.error(
    `no benchmark matched ${wanted.join(' ')}; known: ${fs
      .readdirSync(benchDir)
      .filter((f) => f.endsWith('.mjs'))
      .join(', ')}`,
  );
  process.exit(1);
}
fs.mkdirSync(path.join(root, 'bench-results'), { recursive: true });
let failed = 0;
for (const name of names) {
  console.error(`== bench ${name}`);
  const started = Date.now();
  const run = spawnSync(process.execPath, [path.join(benchDir, `${name}.mjs`), ...benchFlags], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const last = run.stdout.trim().split('\n').pop() ?? '';
  if (run.status !== 0 || !last.startsWith('{')) {
    console.error(`bench ${name} failed (exit ${run.status ?? run.signal})`);
    failed++;
    continue;
  }
  const record = {
    name,
    ...(benchFlags.length ? { flags: benchFlags } : {}),
    startedAt: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      loadAverage: os.loadavg(),
      node: process.version,
    },
    result: JSON.parse(last),
  };
  const file = path.join(root, 'bench-results', `${name}.json`);
  fs.writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  console.error(`   -> ${path.relative(root, file)}`);
}
process.exit(failed ? 1 : 0);
