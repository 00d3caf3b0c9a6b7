/**
 * `writeDemoData`: a realistic synthetic data set written as ordinary files, so the demo exercises
 * the same loaders as user data:
 *   pool/ct/*.nii.gz        abdominal CT volumes (int16 HU, or uint16 with scl_inter -1024; some stored right-to-left)
 *   pool/mr/*.nii.gz        brain MRI volumes (float32, or uint16 with scl_slope), bias fields, Rician noise
 *   pool/xray/seq-*         chest fluoroscopy frames (PNG): neighbouring frames nearly identical
 *   pool/xray/re-export/    exact copies of some frames, as real archives have
 *   downstream/abdomen-ct/  images/subject-NN.nii.gz + labels/subject-NN.nii.gz (liver, kidney, lesion), one file per subject
 *   downstream/brain-mr/    images/subject-NN.nii.gz + labels/subject-NN.nii.gz (tumour)
 *   downstream/chest-xray/  images/*.png + labels/*.png (lung, nodule), matched by name
 *   optidel.json
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { OptidelConfig } from '../../shared/config';
import { writeJsonAtomic } from '../../shared/node/atomicFile';
import { encodeGrayPng } from './formats/png';
import { writeDataFile, writeNifti } from './formats/niftiWriter';
import { SeededRandom } from './random';
import type { PhantomVolume } from './demo/phantoms';
import { CT_CLASSES, MR_CLASSES, XRAY_CLASSES, abdomenCt, brainMr, chestSequence } from './demo/phantoms';

export interface DemoOptions {
  size: 'tiny' | 'small' | 'default';
  seed: number;
  imageSize?: number;
}

type Dims = [number, number, number];

interface DemoSize {
  imageSize: number;
  ct: { count: number; dims: Dims };
  mr: { count: number; dims: Dims };
  xray: { sequences: number; frames: number; side: number; duplicates: number };
  downstream: {
    ctSubjects: number;
    ctDims: Dims;
    mrSubjects: number;
    mrDims: Dims;
    xraySequences: number;
    xrayFrames: number;
    xraySide: number;
  };
}

/** tiny: seconds to ingest (tests); small: `npm run demo` (~1.6k pool slices at 32 px); default: a larger, sharper pool. */
const SIZES: Record<DemoOptions['size'], DemoSize> = {
  tiny: {
    imageSize: 32,
    ct: { count: 2, dims: [48, 48, 16] },
    mr: { count: 1, dims: [48, 48, 16] },
    xray: { sequences: 1, frames: 10, side: 64, duplicates: 2 },
    downstream: {
      ctSubjects: 2,
      ctDims: [48, 48, 16],
      mrSubjects: 2,
      mrDims: [48, 48, 14],
      // Three, so the labelled X-ray splits by patient: thirds of one 8-frame sequence put neighbouring frames in train and test.
      xraySequences: 3,
      xrayFrames: 8,
      xraySide: 64,
    },
  },
  small: {
    imageSize: 32,
    ct: { count: 8, dims: [80, 80, 110] },
    mr: { count: 6, dims: [80, 80, 84] },
    xray: { sequences: 4, frames: 60, side: 128, duplicates: 20 },
    downstream: {
      ctSubjects: 12,
      ctDims: [80, 80, 32],
      mrSubjects: 12,
      mrDims: [80, 80, 28],
      xraySequences: 8,
      xrayFrames: 20,
      xraySide: 128,
    },
  },
  default: {
    imageSize: 64,
    ct: { count: 16, dims: [128, 128, 160] },
    mr: { count: 12, dims: [128, 128, 120] },
    xray: { sequences: 10, frames: 100, side: 256, duplicates: 60 },
    downstream: {
      ctSubjects: 16,
      ctDims: [128, 128, 48],
      mrSubjects: 16,
      mrDims: [128, 128, 40],
      xraySequences: 20,
      xrayFrames: 20,
      xraySide: 256,
    },
  },
};

export async function writeDemoData(
  outDir: string,
  options: DemoOptions,
): Promise<{ configFile: string; files: number }> {
  const size = SIZES[options.size];
  if (!size) throw new Error(`demo-data: unknown size "${options.size}"; use tiny, small or default`);
  const random = new SeededRandom(options.seed);
  let files = 0;
  const out = (...parts: string[]) => path.join(outDir, ...parts);

  for (let n = 0; n < size.ct.count; n++) {
    await writeCt(
      out('pool', 'ct', `ct-${pad(n, 3)}.nii.gz`),
      abdomenCt(random, size.ct.dims),
      n % 2 === 1,
      n % 3 === 2,
    );
    files++;
  }
  for (let n = 0; n < size.mr.count; n++) {
    await writeMr(out('pool', 'mr', `mr-${pad(n, 3)}.nii.gz`), brainMr(random, size.mr.dims), n % 2 === 1);
    files++;
  }
  const xrayFiles: string[] = [];
  for (let s = 0; s < size.xray.sequences; s++) {
    const sequence = chestSequence(random, size.xray.side, size.xray.side, size.xray.frames);
    for (const [f, frame] of sequence.frames.entries()) {
      const file = out('pool', 'xray', `seq-${pad(s, 2)}`, `frame-${pad(f, 4)}.png`);
      await writeDataFile(file, encodeGrayPng(frame.pixels, sequence.width, sequence.height));
      xrayFiles.push(file);
      files++;
    }
  }
  for (let d = 0; d < size.xray.duplicates; d++) {
    const original = xrayFiles[random.int(xrayFiles.length)];
    await copyFile(original, out('pool', 'xray', 're-export', `image-${pad(d, 4)}.png`));
    files++;
  }

  const down = size.downstream;
  files += await writeSubjects(
    out('downstream', 'abdomen-ct'),
    Array.from({ length: down.ctSubjects }, () => abdomenCt(random, down.ctDims)),
    ctSpacing(down.ctDims),
    (file, v) => writeCt(file, v, false, false),
  );
  files += await writeSubjects(
    out('downstream', 'brain-mr'),
    Array.from({ length: down.mrSubjects }, () => brainMr(random, down.mrDims)),
    mrSpacing(down.mrDims),
    (file, v) => writeMr(file, v, false),
  );
  for (let s = 0; s < down.xraySequences; s++) {
    const sequence = chestSequence(random, down.xraySide, down.xraySide, down.xrayFrames);
    for (const [f, frame] of sequence.frames.entries()) {
      const name = `case-${pad(s, 2)}-frame-${pad(f, 3)}.png`;
      await writeDataFile(
        out('downstream', 'chest-xray', 'images', name),
        encodeGrayPng(frame.pixels, sequence.width, sequence.height),
      );
      await writeDataFile(
        out('downstream', 'chest-xray', 'labels', name),
        encodeGrayPng(frame.labels, sequence.width, sequence.height),
      );
      files += 2;
    }
  }

  const config: Omit<OptidelConfig, 'downstream'> & { downstream: Array<Record<string, unknown>> } = {
    pool: ['pool'],
    downstream: [
      {
        name: 'abdomen-ct',
        images: 'downstream/abdomen-ct/images',
        labels: 'downstream/abdomen-ct/labels',
        classes: CT_CLASSES,
      },
      {
        name: 'brain-mr',
        images: 'downstream/brain-mr/images',
        labels: 'downstream/brain-mr/labels',
        classes: MR_CLASSES,
      },
      {
        name: 'chest-xray',
        images: 'downstream/chest-xray/images',
        labels: 'downstream/chest-xray/labels',
        classes: XRAY_CLASSES,
      },
    ],
    imageSize: options.imageSize ?? size.imageSize,
    budget: 0.1,
    seed: options.seed,
  };
  // The config goes last and atomically: a demo folder with an optidel.json is complete.
  const configFile = out('optidel.json');
  await writeJsonAtomic(configFile, config);
  return { configFile, files: files + 1 };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

async function copyFile(from: string, to: string): Promise<void> {
  await fs.promises.mkdir(path.dirname(to), { recursive: true });
  await fs.promises.copyFile(from, to);
}

/** CT as scanners store it: int16 Hounsfield units, or uint16 with an intercept of -1024. */
async function writeCt(
  file: string,
  volume: PhantomVolume,
  flipX: boolean,
  unsignedWithIntercept: boolean,
): Promise<void> {
  const spacing = ctSpacing(volume.dims);
  const stored = orderForWrite(volume, flipX);
  const noise = new SeededRandom(volume.values.length + volume.dims[2]);
  // Scanner noise (sigma 12 HU) added as the values are quantised to the stored type.
  const data = unsignedWithIntercept ? new Uint16Array(stored.length) : new Int16Array(stored.length);
  const offset = unsignedWithIntercept ? 1024 : 0;
  for (let i = 0; i < stored.length; i++)
    data[i] = Math.max(unsignedWithIntercept ? 0 : -32768, Math.round(stored[i] + 12 * noise.normal() + offset));
  await writeNifti(file, {
    dims: volume.dims,
    spacing,
    type: unsignedWithIntercept ? 'uint16' : 'int16',
    data,
    intercept: -offset,
    flipX,
  });
}

/** MRI: float32, or uint16 with a scl_slope (as many converters write it). */
async function writeMr(file: string, volume: PhantomVolume, scaled: boolean): Promise<void> {
  const spacing = mrSpacing(volume.dims);
  if (scaled) {
    const data = new Uint16Array(volume.values.length);
    for (let i = 0; i < data.length; i++) data[i] = Math.round(volume.values[i] * 10);
    await writeNifti(file, { dims: volume.dims, spacing, type: 'uint16', data, slope: 0.1 });
  } else await writeNifti(file, { dims: volume.dims, spacing, type: 'float32', data: volume.values });
}

function ctSpacing(dims: Dims): Dims {
  return [380 / dims[0], 380 / dims[0], 2.5];
}

function mrSpacing(dims: Dims): Dims {
  return [220 / dims[0], 220 / dims[0], 1.5];
}

function orderForWrite(volume: PhantomVolume, flipX: boolean): Float32Array {
  if (!flipX) return volume.values;
  const [nx] = volume.dims;
  const out = new Float32Array(volume.values.length);
  for (let row = 0; row < volume.values.length; row += nx)
    for (let i = 0; i < nx; i++) out[row + i] = volume.values[row + nx - 1 - i];
  return out;
}

/**
 * One image file and one label file per subject, as labelled archives publish them: each subject is
 * its own acquisition, so the benchmark's splits keep every subject's slices on one side.
 */
async function writeSubjects(
  dir: string,
  subjects: PhantomVolume[],
  spacing: Dims,
  writeImage: (file: string, volume: PhantomVolume) => Promise<void>,
): Promise<number> {
  for (const [n, subject] of subjects.entries()) {
    const name = `subject-${pad(n, 2)}.nii.gz`;
    await writeImage(path.join(dir, 'images', name), subject);
    await writeNifti(path.join(dir, 'labels', name), {
      dims: subject.dims,
      spacing,
      type: 'uint8',
      data: subject.labels,
    });
  }
  return 2 * subjects.length;
}
