/**
 * A volume a text header describes (MetaImage, NRRD): its sizes, voxel type, byte order, axes in
 * the header's world space and where its voxel bytes are. Checked against the voxel and byte
 * limits before anything is read; read no further than the sizes declare.
 */
import * as fs from 'node:fs';
import type { Vec3, Volume } from '../volume';
import type { InputLimits } from './errors';
import { UnusableFileError, checkByteLimit, checkVoxelLimit } from './errors';
import type { Payload, VoxelTypeName } from './voxelData';
import { bytesPerVoxel, readPayload, voxelsFrom } from './voxelData';

export interface RawVolume {
  /** The header, for messages. */
  header: string;
  /** Voxels along each axis, the first fastest: 2 to 4 of them (a 4th counts frames). */
  sizes: number[];
  type: VoxelTypeName;
  littleEndian: boolean;
  /** One step along each spatial axis in world mm (as many as the spatial axes). */
  axes: Vec3[];
  /** The sign of each world axis relative to RAS+ (LPS, ITK's and DICOM's space, is [-1, -1, 1]). */
  space: Vec3;
  payload: Omit<Payload, 'bytes'>;
}

export const LPS: Vec3 = [-1, -1, 1];
export const RAS: Vec3 = [1, 1, 1];

/** The step along each spatial axis in mm, as the metadata's pixdim column writes it ("1 x 1 x 2"). */
export function pixdimText(axes: readonly Vec3[]): string {
  return axes.map((a) => Number(Math.hypot(...a).toPrecision(6))).join(' x ');
}

export function checkSizes(header: string, sizes: number[]): void {
  if (sizes.length < 2 || sizes.length > 4)
    throw new UnusableFileError(`${header}: ${sizes.length} dimensions; 2D, 3D and 4D volumes are read`);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1))
    throw new UnusableFileError(`${header}: sizes must be positive whole numbers, got ${sizes.join(' x ')}`);
}

export async function readRawVolume(raw: RawVolume, limits: InputLimits): Promise<Volume> {
  checkSizes(raw.header, raw.sizes);
  const [nx, ny, nz = 1, frames = 1] = raw.sizes;
  const count = nx * ny * nz * frames;
  checkVoxelLimit(count, limits.maxVoxels, raw.header);
  const bytes = count * bytesPerVoxel(raw.type);
  checkByteLimit(bytes, limits.maxBytes, raw.header);
  if (raw.payload.file !== raw.header && !(await fs.promises.stat(raw.payload.file).catch(() => undefined))?.isFile())
    throw new UnusableFileError(`${raw.header}: its data file ${raw.payload.file} does not exist`);
  const data = await readPayload({ ...raw.payload, bytes });
  // (+ 0 turns the -0 of a flipped zero into 0.)
  const toRas = (v: Vec3): Vec3 => [0, 1, 2].map((i) => v[i] * raw.space[i] + 0) as Vec3;
  const axes = [0, 1, 2].map((i) => (raw.axes[i] ? toRas(raw.axes[i]) : unitAlong(i))) as [Vec3, Vec3, Vec3];
  return {
    dims: [nx, ny, nz],
    frames,
    axes,
    voxels: voxelsFrom(data, raw.type, count, raw.littleEndian),
    slope: 1,
    intercept: 0,
    hints: { eightBit: raw.type === 'uint8' },
  };
}

/** The axis a 2D image lacks: one step along the world axis `i`. */
function unitAlong(i: number): Vec3 {
  return [0, 1, 2].map((j) => (i === j ? 1 : 0)) as Vec3;
}

/** Direction `unit` scaled to `spacing` mm; a degenerate direction falls back to the world axis. */
export function stepAlong(i: number, unit: Vec3 | undefined, spacing: number): Vec3 {
  const usable = unit && unit.every(Number.isFinite) && unit.some((v) => v !== 0) ? unit : unitAlong(i);
  const length = Math.hypot(...usable);
  return usable.map((v) => (v / length) * spacing) as Vec3;
}

/** Positive finite spacings, else 1 mm. */
export function usableSpacing(value: number | undefined): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : 1;
}
