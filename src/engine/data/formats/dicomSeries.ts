/**
 * DICOM series: the files of one folder, grouped by SeriesInstanceUID, ordered by position along
 * the slice normal (else by InstanceNumber, else by name), stacked into a volume whose axes come
 * from ImageOrientationPatient, PixelSpacing and the slice positions (converted from DICOM's LPS
 * to RAS). A single enhanced multi-frame file orders its frames the same way, by their per-frame
 * positions. A file that does not fit its series (other size, unreadable) is skipped alone.
 *
 * Memory is bounded by one series: every file's header is read first (no pixels), each series'
 * size is checked against the limits from those headers, and only then are its pixels read, one
 * file at a time into the stack; the next series is read after the caller is done with this one.
 */
import * as path from 'node:path';
import type { Vec3, Volume, VoxelArray } from '../volume';
import type { DicomHeader } from './dicom';
import { readDicomHeader, readDicomPixels } from './dicom';
import { compareNatural } from '../discover';
import type { InputLimits } from './errors';
import { UnusableFileError, checkByteLimit, checkVoxelLimit } from './errors';

export type SeriesOutcome = { source: string; volume: Volume } | { path: string; error: unknown };

/** Yields each series of `files` as a volume, and each file or series that cannot be used with its error. */
export async function* readDicomSeries(files: readonly string[], limits: InputLimits): AsyncGenerator<SeriesOutcome> {
  const bySeries = new Map<string, DicomHeader[]>();
  for (const file of files) {
    try {
      const header = await readDicomHeader(file, limits);
      const key = header.seriesUid ?? '';
      bySeries.set(key, [...(bySeries.get(key) ?? []), header]);
    } catch (error) {
      yield { path: file, error };
    }
  }
  const folder = files.length ? path.dirname(files[0]) : '';
  for (const [uid, members] of bySeries) {
    const source = seriesSource(folder, uid, bySeries.size);
    const skipped: Array<{ path: string; error: unknown }> = [];
    let volume: Volume | undefined;
    try {
      volume = await stackSeries(members, skipped, limits, source);
    } catch (error) {
      skipped.push({ path: source, error });
    }
    yield* skipped;
    if (volume) yield { source, volume };
  }
}

const SERIES_MARKER = '#series=';

/** A series' source name: its folder, or with several series in the folder, the folder and its SeriesInstanceUID. */
export function seriesSource(folder: string, uid: string, seriesInFolder: number): string {
  return seriesInFolder > 1 ? `${folder}${SERIES_MARKER}${uid || 'unknown'}` : folder;
}

/** The path of a source: a series' folder, any other source itself. */
export function sourcePath(source: string): string {
  const at = source.lastIndexOf(SERIES_MARKER);
  return at < 0 ? source : source.slice(0, at);
}

/** A member whose pixels could not be read while stacking: it is dropped and the series stacked again. */
class MemberFailed extends Error {
  constructor(
    readonly member: DicomHeader,
    readonly error: unknown,
  ) {
    super('member failed');
  }
}

async function stackSeries(
  members: DicomHeader[],
  skipped: Array<{ path: string; error: unknown }>,
  limits: InputLimits,
  source: string,
): Promise<Volume> {
  const first = members[0];
  let fitting = members.filter((image) => {
    const fits = image.rows === first.rows && image.columns === first.columns && image.frames === first.frames;
    if (!fits)
      skipped.push({
        path: image.file,
        error: new UnusableFileError(
          `${image.file}: ${image.columns}x${image.rows} does not match the series' ${first.columns}x${first.rows}`,
        ),
      });
    return fits;
  });
  for (;;) {
    try {
      return await stackFitting(fitting, limits, source);
    } catch (err) {
      if (!(err instanceof MemberFailed)) throw err;
      skipped.push({ path: err.member.file, error: err.error });
      fitting = fitting.filter((m) => m !== err.member);
      if (fitting.length === 0) throw new UnusableFileError(`${source}: no file of the series could be read`);
    }
  }
}

/** Stacks same-sized slices in position order; the size is checked before any pixels are read. */
async function stackFitting(fitting: DicomHeader[], limits: InputLimits, source: string): Promise<Volume> {
  const first = fitting[0];
  const normal = first.orientation ? cross(first.orientation[0], first.orientation[1]) : undefined;
  const key = (m: DicomHeader) => (normal && m.position ? dot(m.position, normal) : undefined);
  const byPosition = fitting.every((m) => key(m) !== undefined);
  const byInstance = fitting.every((m) => m.instanceNumber !== undefined);
  fitting.sort((a, b) =>
    byPosition
      ? key(a)! - key(b)!
      : byInstance
        ? a.instanceNumber! - b.instanceNumber!
        : compareNatural(a.file, b.file),
  );

  // A single multi-frame file stacks its frames; otherwise each file is one slice.
  const slices = fitting.length === 1 ? first.frames : fitting.length;
  const perSlice = first.rows * first.columns;
  const sameScale = fitting.every((m) => m.slope === first.slope && m.intercept === first.intercept);
  const sameType = fitting.every((m) => m.pixelType === first.pixelType);
  // Slices with their own rescale (common in PET and some MR) are stacked as real values.
  const stored = sameScale && sameType;
  const stackType = stored ? first.pixelType : Float32Array;
  checkVoxelLimit(perSlice * slices, limits.maxVoxels, source);
  checkByteLimit(perSlice * slices * stackType.BYTES_PER_ELEMENT, limits.maxBytes, source);
  const pixelsOf = async (m: DicomHeader) => {
    try {
      return await readDicomPixels(m);
    } catch (error) {
      throw new MemberFailed(m, error);
    }
  };
  let voxels: VoxelArray;
  let keys = fitting.map(key).filter((k): k is number => k !== undefined);
  if (fitting.length === 1) {
    voxels = await pixelsOf(first);
    if (normal && first.framePositions) {
      const frameKeys = first.framePositions.map((p) => dot(p, normal));
      const order = frameKeys.map((_, f) => f).sort((a, b) => frameKeys[a] - frameKeys[b]);
      voxels = reorderFrames(voxels, order, perSlice);
      keys = order.map((f) => frameKeys[f]);
    }
  } else {
    voxels = new stackType(perSlice * slices);
    for (const [k, m] of fitting.entries()) {
      const pixels = await pixelsOf(m);
      if (stored) voxels.set(pixels.subarray(0, perSlice), k * perSlice);
      else for (let i = 0; i < perSlice; i++) voxels[k * perSlice + i] = pixels[i] * m.slope + m.intercept;
    }
  }
  const [rowSpacing, columnSpacing] = first.pixelSpacing ?? [1, 1];
  const gaps = keys
    .slice(1)
    .map((k, i) => k - keys[i])
    .filter((g) => g > 1e-4)
    .sort((a, b) => a - b);
  const sliceSpacing = gaps.length
    ? gaps[Math.floor(gaps.length / 2)]
    : first.sliceThickness && first.sliceThickness > 0
      ? first.sliceThickness
      : 1;
  const [rowDir, colDir] = first.orientation ?? [[1, 0, 0] as Vec3, [0, 1, 0] as Vec3];
  const lpsToRas = (v: Vec3, s: number): Vec3 => [-v[0] * s, -v[1] * s, v[2] * s];
  return {
    dims: [first.columns, first.rows, slices],
    frames: 1,
    axes: [lpsToRas(rowDir, columnSpacing), lpsToRas(colDir, rowSpacing), lpsToRas(normal ?? [0, 0, 1], sliceSpacing)],
    voxels,
    slope: stored ? first.slope : 1,
    intercept: stored ? first.intercept : 0,
    hints: { modality: first.modality, window: first.window },
  };
}

/** The frames of `voxels` in `order` (frame `order[k]` becomes frame k). */
function reorderFrames(voxels: VoxelArray, order: number[], perFrame: number): VoxelArray {
  if (order.every((f, k) => f === k)) return voxels;
  const out = new (voxels.constructor as new (n: number) => VoxelArray)(voxels.length);
  order.forEach((f, k) => out.set(voxels.subarray(f * perFrame, (f + 1) * perFrame), k * perFrame));
  return out;
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
