/**
 * Finds a method's generated samples in a run folder (Node only): synth/<method>/ (layout.ts), or,
 * in a run folder written before they were kept per method, the flat synth/index.json when its
 * `madeFrom` names that method. Every path goes through the containment rule.
 */
import * as fs from 'node:fs';
import type { SynthIndex } from '../../artifacts';
import { SELECTION_METHOD_NAMES } from '../../commands';
import { readJsonFile } from '../../node/atomicFile';
import { ARTIFACTS, synthIndexFile, synthSamplesFile } from '../layout';
import { resolveInRun } from './contain';

/** Run-relative paths of one method's generated samples. */
export interface SynthFiles {
  index: string;
  samples: string;
}

const FLAT: SynthFiles = { index: ARTIFACTS.flatSynthIndex, samples: ARTIFACTS.flatSynthSamples };

function exists(runDir: string, relative: string): boolean {
  return fs.existsSync(resolveInRun(runDir, relative));
}

/** The method the flat synth/index.json was made from; undefined when there is none or it predates `madeFrom`. */
async function flatMethod(runDir: string): Promise<string | undefined> {
  if (!exists(runDir, FLAT.index)) return undefined;
  const index = (await readJsonFile(resolveInRun(runDir, FLAT.index))) as SynthIndex | null;
  const method = index?.madeFrom?.method;
  return typeof method === 'string' ? method : undefined;
}

function ownFiles(method: string): SynthFiles {
  return { index: synthIndexFile(method), samples: synthSamplesFile(method) };
}

/** Where `method`'s generated samples are, or undefined when it has none. */
export async function findSynth(runDir: string, method: string): Promise<SynthFiles | undefined> {
  const own = ownFiles(method);
  if (exists(runDir, own.index)) return own;
  return (await flatMethod(runDir)) === method ? FLAT : undefined;
}

/** Every method that has generated samples, with where they are (the flat index read once, if at all). */
export async function allSynth(runDir: string): Promise<Map<string, SynthFiles>> {
  const found = new Map<string, SynthFiles>();
  let flat: Promise<string | undefined> | undefined;
  for (const method of SELECTION_METHOD_NAMES) {
    const own = ownFiles(method);
    if (exists(runDir, own.index)) found.set(method, own);
    else if ((await (flat ??= flatMethod(runDir))) === method) found.set(method, FLAT);
  }
  return found;
}

/**
 * The index written last, own folders and the flat one alike (even one without `madeFrom`): the
 * samples the gallery's thumbnails are of, since synthesize replaces the generated thumbnails.
 */
export function lastSynthIndex(runDir: string): string | undefined {
  let newest: { index: string; time: number } | undefined;
  for (const index of [...SELECTION_METHOD_NAMES.map(synthIndexFile), FLAT.index]) {
    if (!exists(runDir, index)) continue;
    const time = fs.statSync(resolveInRun(runDir, index)).mtimeMs;
    if (!newest || time > newest.time) newest = { index, time };
  }
  return newest?.index;
}
