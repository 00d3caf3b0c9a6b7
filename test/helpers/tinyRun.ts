/** A tiny demo data set ingested into a run folder through the real CLI, shared by the tests of one file. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from './engine';

export interface TinyRun {
  root: string;
  configFile: string;
  runDir: string;
}

/** Tiny demo data (a few seconds to ingest) written through the real CLI into a new temporary folder. */
export function makeTinyDemo(): { root: string; configFile: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-tiny-'));
  const data = path.join(root, 'data');
  const demo = runCli(['demo-data', '--out', data, '--size', 'tiny', '--json']);
  if (demo.status !== 0) throw new Error(`demo-data failed: ${demo.stderr}`);
  return { root, configFile: path.join(data, 'optidel.json') };
}

export function makeTinyRun(name = 'run'): TinyRun {
  const { root, configFile } = makeTinyDemo();
  const runDir = path.join(root, name);
  const ingest = runCli(['ingest', '--config', configFile, '--out', runDir, '--json']);
  if (ingest.status !== 0) throw new Error(`ingest failed: ${ingest.stderr}`);
  return { root, configFile, runDir };
}

/** A second run folder with the same ingested pool (the cache is copied, not decoded again). */
export function cloneRun(run: TinyRun, name: string): string {
  const dir = path.join(run.root, name);
  fs.cpSync(run.runDir, dir, { recursive: true });
  return dir;
}

/** The whole pipeline (optidel run, micro preset, a few steps) on a tiny demo config: every artifact, in seconds. */
export function runTinyPipeline(configFile: string, runDir: string, extraArgs: readonly string[] = []): void {
  const r = runCli(
    [
      'run',
      '--config',
      configFile,
      '--out',
      runDir,
      '--method',
      'optidel',
      '--budget',
      '0.1',
      '--preset',
      'micro',
      '--steps',
      '4',
      '--batch-size',
      '8',
      '--json',
      ...extraArgs,
    ],
    { timeoutMs: 300_000 },
  );
  if (r.status !== 0) throw new Error(`optidel run failed: ${r.stderr}`);
}
