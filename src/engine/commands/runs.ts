/** `optidel runs list` and `optidel runs show RUN`: the run folders, their stages, timings and sizes. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunSummary } from '../../shared/commands';
import type { RunRecord } from '../../shared/runRecord';
import { STAGES } from '../../shared/runRecord';
import { interruptedStages, isRunFolder, listRuns, readRun } from '../../shared/node/runStore';
import type { EngineCommand } from '../command';
import { UsageError } from '../command';

/** The extension's default `optidel.runsFolder`, relative to the working folder. */
const DEFAULT_RUNS_FOLDER = path.join('.optidel', 'runs');

export const runsCommand: EngineCommand<'runs'> = {
  name: 'runs',
  summary: "List run folders (runs list), or show one run's stages, timings and sizes (runs show RUN)",
  options: [
    {
      name: 'action',
      type: 'string',
      positional: true,
      choices: ['list', 'show'],
      description: 'list (default) or show',
    },
    {
      name: 'run',
      type: 'string',
      positional: true,
      description: 'with show: the run folder, a path or a name under --dir',
    },
    { name: 'dir', type: 'string', description: `folder holding run folders (default ${DEFAULT_RUNS_FOLDER})` },
  ],
  async run(args) {
    const dir = path.resolve(args.dir ?? DEFAULT_RUNS_FOLDER);
    if ((args.action ?? 'list') === 'list') {
      if (args.run) throw new UsageError(`runs list takes no run; did you mean "optidel runs show ${args.run}"?`);
      return { runs: (await listRuns(dir)).map(({ dir: runDir, record, error }) => summarize(runDir, record, error)) };
    }
    if (!args.run) throw new UsageError('runs show needs a run folder: optidel runs show RUN');
    const runDir = fs.existsSync(args.run) ? path.resolve(args.run) : path.join(dir, args.run);
    if (!isRunFolder(runDir)) {
      throw new UsageError(`${runDir} is not a run folder (no run.json); "optidel runs list --dir FOLDER" lists them`);
    }
    return { runs: [{ ...summarize(runDir, await readRun(runDir)), sizes: await artifactSizes(runDir) }] };
  },
  describe({ runs }) {
    if (runs.length === 0) return 'no run folders here (give --dir FOLDER)';
    return runs.map(describeRun).join('\n\n');
  },
};

function summarize(dir: string, record?: RunRecord, error?: string): RunSummary {
  if (!record) return { dir, error, stages: [] };
  const interrupted = new Set(interruptedStages(record));
  return {
    dir,
    id: record.id,
    createdAt: record.createdAt,
    backend: record.backend,
    stages: STAGES.map((stage) => {
      const s = record.stages[stage] ?? { status: 'pending' };
      return { stage, status: interrupted.has(stage) ? 'interrupted' : s.status, seconds: s.seconds, error: s.error };
    }),
  };
}

/** Bytes under each top-level entry of the run folder (symlinks are counted as links, never followed). */
async function artifactSizes(runDir: string): Promise<Record<string, number>> {
  const sizes: Record<string, number> = {};
  for (const entry of await fs.promises.readdir(runDir, { withFileTypes: true }))
    sizes[entry.name] = await bytesUnder(path.join(runDir, entry.name));
  return sizes;
}

async function bytesUnder(file: string): Promise<number> {
  const stat = await fs.promises.lstat(file);
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const name of await fs.promises.readdir(file)) total += await bytesUnder(path.join(file, name));
  return total;
}

function describeRun(run: RunSummary): string {
  if (run.error) return `${run.dir}\n  unreadable: ${run.error}`;
  const lines = [`${run.dir}  (created ${run.createdAt}${run.backend ? `, ${run.backend}` : ''})`];
  for (const s of run.stages) {
    const time = s.seconds !== undefined ? ` ${s.seconds.toFixed(1)} s` : '';
    lines.push(`  ${s.stage.padEnd(11)}${s.status}${time}${s.error ? `: ${s.error}` : ''}`);
  }
  if (run.sizes) {
    const listed = Object.entries(run.sizes).sort((a, b) => b[1] - a[1]);
    lines.push(`  on disk: ${listed.map(([name, bytes]) => `${name} ${formatBytes(bytes)}`).join(', ')}`);
  }
  return lines.join('\n');
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
