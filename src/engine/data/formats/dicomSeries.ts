/**
 * DICOM series: the files of one folder, grouped by SeriesInstanceUID, ordered by position along
 * the slice normal (else by InstanceNumber, else by name), stacked into a volume whose axes come
 * from ImageOrientationPatient, PixelSpacing and the slice positions (converted from DICOM's LPS
 * to RAS). A file that does not fit its series (other size, unreadable) is skipped alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Vec3, Volume, VoxelArray } from '../volume';
import type { DicomImage } from './dicom';
import { parseDicom } from './dicom';
import { compareNatural } from '../discover';
import { UnusableFileError, checkVoxelLimit } from './errors';

export interface DicomSeriesResult {
  volumes: Array<{ source: string; volume: Volume }>;
  skipped: Array<{ path: string; error: unknown }>;
}

export async function readDicomSeries(files: readonly string[], maxVoxels: number): Promise<DicomSeriesResult> {
  const skipped: DicomSeriesResult['skipped'] = [];
  const bySeries = new Map<string, Array<{ file: string; image: DicomImage }>>();
  for (const file of files) {
    try {
      const image = parseDicom(await fs.promises.readFile(file), file, maxVoxels);
      const key = image.seriesUid ?? '';
      const list = bySeries.get(key) ?? [];
      list.push({ file, image });
      bySeries.set(key, list);
    } catch (err) {
      skipped.push({ path: file, error: err });
    }
  }
  const volumes: DicomSeriesResult['volumes'] = [];
  const folder = files.length ? path.dirname(files[0]) : '';
  for (const [uid, members] of bySeries) {
    const source = bySeries.size > 1 ? `${folder}#series=${uid || 'unknown'}` : folder;
    try {
      volumes.push({ source, volume: stackSeries(members, skipped, maxVoxels, source) });
    } catch (err) {
      skipped.push({ path: source, error: err });
    }
  }
  return { volumes, skipped };
}

function stackSeries(members: Array<{ file: string; image: DicomImage }>, skipped: DicomSeriesResult['skipped'], maxVoxels: number, source: string): Volume {
  const first = members[0].image;
  const fitting = members.filter(({ file, image }) => {
    const fits = image.rows === first.rows && image.columns === first.columns && image.frames === first.frames;
    if (!fits) skipped.push({ path: file, error: new UnusableFileError(`${file}: ${image.columns}x${image.rows} does not match the series' ${first.columns}x${first.rows}`) });
    return fits;
  });
  const normal = first.orientation ? cross(first.orientation[0], first.orientation[1]) : undefined;
  const key = (m: { file: string; image: DicomImage }) => (normal && m.image.position ? dot(m.image.position, normal) : undefined);
  const byPosition = fitting.every((m) => key(m) !== undefined);
  const byInstance = fitting.every((m) => m.image.instanceNumber !== undefined);
  fitting.sort((a, b) => (byPosition ? key(a)! - key(b)! : byInstance ? a.image.instanceNumber! - b.image.instanceNumber! : compareNatural(a.file, b.file)));

  // A single multi-frame file stacks its frames; otherwise each file is one slice.
  const slices = fitting.length === 1 ? first.frames : fitting.length;
  const perSlice = first.rows * first.columns;
  checkVoxelLimit(perSlice * slices, maxVoxels, source);
  const sameScale = fitting.every((m) => m.image.slope === first.slope && m.image.intercept === first.intercept);
  const sameType = fitting.every((m) => m.image.pixels.constructor === first.pixels.constructor);
  let voxels: VoxelArray;
  if (fitting.length === 1) voxels = first.pixels;
  else if (sameScale && sameType) {
    voxels = new (first.pixels.constructor as new (n: number) => VoxelArray)(perSlice * slices);
    fitting.forEach((m, k) => voxels.set(m.image.pixels.subarray(0, perSlice), k * perSlice));
  } else {
    // Slices with their own rescale (common in PET and some MR): apply each before stacking.
    const real = new Float32Array(perSlice * slices);
    fitting.forEach((m, k) => {
      for (let i = 0; i < perSlice; i++) real[k * perSlice + i] = m.image.pixels[i] * m.image.slope + m.image.intercept;
    });
    voxels = real;
  }
  const [rowSpacing, columnSpacing] = first.pixelSpacing ?? [1, 1];
  const keys = fitting.map(key).filter((k): k is number => k !== undefined);
  const gaps = keys.slice(1).map((k, i) => k - keys[i]).filter((g) => g > 1e-4).sort((a, b) => a - b);
  const sliceSpacing = gaps.length ? gaps[Math.floor(gaps.length / 2)] : first.sliceThickness && first.sliceThickness > 0 ? first.sliceThickness : 1;
  const [rowDir, colDir] = first.orientation ?? [[1, 0, 0] as Vec3, [0, 1, 0] as Vec3];
  const lpsToRas = (v: Vec3, s: number): Vec3 => [-v[0] * s, -v[1] * s, v[2] * s];
  return {
    dims: [first.columns, first.rows, slices],
    frames: 1,
    axes: [lpsToRas(rowDir, columnSpacing), lpsToRas(colDir, rowSpacing), lpsToRas(normal ?? [0, 0, 1], sliceSpacing)],
    voxels,
    slope: sameScale || fitting.length === 1 ? first.slope : 1,
    intercept: sameScale || fitting.length === 1 ? first.intercept : 0,
    hints: { modality: first.modality, window: first.window },
  };
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
