/**
 * One fuzz campaign, run in a worker thread by fuzz.test.ts: mutations of one valid file are fed
 * to one loader, each announced before it starts, so the test thread (whose event loop stays
 * free) can end the worker when a synchronous parse never returns.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { parentPort, workerData } from 'node:worker_threads';
import { parseBmp } from '../../../src/engine/data/formats/bmp';
import { readDicomHeader, readDicomPixels } from '../../../src/engine/data/formats/dicom';
import { UnusableFileError } from '../../../src/engine/data/formats/errors';
import { readNifti } from '../../../src/engine/data/formats/nifti';
import { readVolumeFile } from '../../../src/engine/data/formats/volumeFile';
import { SeededRandom } from '../../../src/engine/data/random';
import { rasterSample } from '../../../src/engine/data/rasterSamples';
import { mutate } from './fuzzMutate';

export interface Campaign {
  name: string;
  loader: LoaderName;
  original: string;
  count: number;
  headerBytes: number;
  /** A folder the loaders that read files write each mutation into. */
  dir: string;
  /** The volume loader's file extension (`.mha`, `.hdr`...); files beside the original it names are copied into `dir`. */
  extension?: string;
  /** Files the mutated header names, copied into `dir` once. */
  beside?: string[];
  /** The header is text: mutations also replace its numbers (`fuzzMutate.ts`). */
  text?: boolean;
}

export type WorkerMessage =
  { started: number } | { escaped: number; message: string } | { done: { ok: number; refused: number } };

const LIMITS = { maxVoxels: 4_000_000, maxBytes: 32_000_000 };

/** Writes the mutation where a file loader can read it. */
function asFile(dir: string, name: string, bytes: Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

const LOADERS = {
  nifti: (bytes: Buffer, i: number, dir: string) => readNifti(asFile(dir, `${i}.nii`, bytes), LIMITS),
  /** Any volume format by the campaign's extension; a `.hdr` gets its original `.img` beside it. */
  volume: (bytes: Buffer, i: number, dir: string, campaign: Campaign) => {
    if (campaign.extension === '.hdr')
      fs.copyFileSync(campaign.original.replace(/\.hdr$/, '.img'), path.join(dir, `${i}.img`));
    return readVolumeFile(asFile(dir, `${i}${campaign.extension}`, bytes), LIMITS);
  },
  niftiGz: (bytes: Buffer, i: number, dir: string) => readNifti(asFile(dir, `${i}.nii.gz`, bytes), LIMITS),
  /** The mutation is the uncompressed NIfTI inside a valid gzip stream. */
  niftiGzInner: (bytes: Buffer, i: number, dir: string) =>
    readNifti(asFile(dir, `inner-${i}.nii.gz`, zlib.gzipSync(bytes)), LIMITS),
  dicom: async (bytes: Buffer, i: number, dir: string) =>
    readDicomPixels(await readDicomHeader(asFile(dir, `${i}.dcm`, bytes), LIMITS)),
  bmp: async (bytes: Buffer) => parseBmp(bytes, LIMITS.maxVoxels, 'gray8.bmp'),
  png: (bytes: Buffer, i: number, dir: string) =>
    rasterSample(asFile(dir, `${i}.png`, bytes), 8, undefined, 0, LIMITS.maxVoxels),
  /** A parser that never returns on mutation 3: proves the test thread's guard fires. */
  spinsOnThird: async (_bytes: Buffer, i: number) => {
    while (i === 3);
    throw new UnusableFileError('refused');
  },
} satisfies Record<string, (bytes: Buffer, i: number, dir: string, campaign: Campaign) => Promise<unknown>>;

export type LoaderName = keyof typeof LOADERS;

async function run(campaign: Campaign): Promise<void> {
  const original = fs.readFileSync(campaign.original);
  const random = new SeededRandom(campaign.name.length * 7919);
  const decode = LOADERS[campaign.loader];
  for (const file of campaign.beside ?? []) fs.copyFileSync(file, path.join(campaign.dir, path.basename(file)));
  let ok = 0;
  let refused = 0;
  for (let i = 0; i < campaign.count; i++) {
    const bytes = mutate(original, random, campaign.headerBytes, campaign.text);
    post({ started: i });
    try {
      await decode(bytes, i, campaign.dir, campaign);
      ok++;
    } catch (err) {
      if (!(err instanceof UnusableFileError))
        return post({ escaped: i, message: `${(err as Error).name}: ${(err as Error).message}` });
      refused++;
    }
  }
  post({ done: { ok, refused } });
}

function post(message: WorkerMessage): void {
  parentPort!.postMessage(message);
}

if (parentPort) void run(workerData as Campaign);
