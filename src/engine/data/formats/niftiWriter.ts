/**
 * Writes NIfTI-1 single-file volumes (`.nii` or gzipped `.nii.gz`) with an sform and qform that
 * say how voxel axes lie in RAS+ space: used by the demo data generator, so the demo goes through
 * exactly the loader that user files do.
 */
import * as zlib from 'node:zlib';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Vec3 } from '../volume';

export type NiftiWriteType = 'uint8' | 'int16' | 'uint16' | 'float32';
const CODES: Record<NiftiWriteType, { code: number; bits: number }> = {
  uint8: { code: 2, bits: 8 },
  int16: { code: 4, bits: 16 },
  uint16: { code: 512, bits: 16 },
  float32: { code: 16, bits: 32 },
};

export interface NiftiWriteOptions {
  dims: Vec3;
  /** Voxel size in mm. */
  spacing: Vec3;
  type: NiftiWriteType;
  /** Stored values, i fastest. */
  data: Uint8Array | Int16Array | Uint16Array | Float32Array;
  slope?: number;
  intercept?: number;
  /** Store the i axis running right-to-left (as many scanners do); readers must flip it back. */
  flipX?: boolean;
}

export function encodeNifti(options: NiftiWriteOptions): Buffer {
  const { dims, spacing, type } = options;
  const header = Buffer.alloc(352);
  header.writeInt32LE(348, 0);
  header.writeInt16LE(3, 40);
  dims.forEach((d, i) => header.writeInt16LE(d, 42 + 2 * i));
  for (let i = 4; i < 8; i++) header.writeInt16LE(1, 40 + 2 * i);
  header.writeInt16LE(CODES[type].code, 70);
  header.writeInt16LE(CODES[type].bits, 72);
  header.writeFloatLE(1, 76); // qfac
  spacing.forEach((s, i) => header.writeFloatLE(s, 80 + 4 * i));
  header.writeFloatLE(352, 108);
  header.writeFloatLE(options.slope ?? 1, 112);
  header.writeFloatLE(options.intercept ?? 0, 116);
  header.writeUInt8(2, 123); // xyzt_units: mm
  header.writeInt16LE(1, 252); // qform_code: scanner
  header.writeInt16LE(1, 254); // sform_code: scanner
  const sx = options.flipX ? -spacing[0] : spacing[0];
  // qform: identity rotation, or 180 degrees about y composed with qfac -1 for a flipped x axis.
  if (options.flipX) {
    header.writeFloatLE(0, 256);
    header.writeFloatLE(1, 260);
    header.writeFloatLE(0, 264);
    header.writeFloatLE(-1, 76);
  }
  const origin: Vec3 = [
    options.flipX ? ((dims[0] - 1) * spacing[0]) / 2 : (-(dims[0] - 1) * spacing[0]) / 2,
    (-(dims[1] - 1) * spacing[1]) / 2,
    (-(dims[2] - 1) * spacing[2]) / 2,
  ];
  origin.forEach((o, i) => header.writeFloatLE(o, 268 + 4 * i));
  const rows = [
    [sx, 0, 0, origin[0]],
    [0, spacing[1], 0, origin[1]],
    [0, 0, spacing[2], origin[2]],
  ];
  rows.forEach((row, r) => row.forEach((v, c) => header.writeFloatLE(v, 280 + 16 * r + 4 * c)));
  header.write('n+1\0', 344, 'latin1');
  const data = Buffer.from(options.data.buffer, options.data.byteOffset, options.data.byteLength);
  return Buffer.concat([header, data]);
}

export async function writeNifti(file: string, options: NiftiWriteOptions): Promise<void> {
  const bytes = encodeNifti(options);
  await writeDataFile(file, file.endsWith('.gz') ? zlib.gzipSync(bytes, { level: 4 }) : bytes);
}

/** Data files (not run artifacts): a plain write, no fsync; their folder's config file is written last. */
export async function writeDataFile(file: string, bytes: Uint8Array): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  await fs.promises.writeFile(file, bytes);
}
