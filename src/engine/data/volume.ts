/**
 * A decoded volume, whatever file it came from, and how to cut it into 2D slices shown the way a
 * radiologist's viewer would: the voxel axes are matched to the patient's axes (RAS+) from the
 * file's orientation, so an axial slice of a file stored left-to-right or right-to-left, or
 * head-first or feet-first, looks the same.
 *
 * Display convention (neurological): axial and coronal slices have the patient's right on the
 * image's right side; axial slices have anterior at the top; coronal and sagittal slices have
 * superior at the top; sagittal slices have anterior on the left.
 */
export type Vec3 = [number, number, number];

/** Typed arrays a volume's voxels may arrive in (the file's own type; scaled when read). */
export type VoxelArray =
  Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

export interface Volume {
  /** Voxels along i, j, k (i fastest in `voxels`). */
  dims: Vec3;
  /** 4D files: number of 3D volumes, stored one after another. */
  frames: number;
  /** Direction and length (mm) of one step along i, j and k, in RAS+ world coordinates. */
  axes: [Vec3, Vec3, Vec3];
  voxels: VoxelArray;
  /** Real value = voxel * slope + intercept. */
  slope: number;
  intercept: number;
  /** What the file says about how to display it. */
  hints: { modality?: string; window?: { level: number; width: number }; eightBit?: boolean };
}

/** 0 = sagittal (x, R), 1 = coronal (y, A), 2 = axial (z, S): the world axis a slice is perpendicular to. */
export type WorldAxis = 0 | 1 | 2;

export const AXIS_NUMBERS = { sagittal: 0, coronal: 1, axial: 2 } as const;

/** For each world axis: the voxel axis that runs along it, and whether it runs backwards. */
export interface Orientation {
  voxelAxis: Vec3;
  flipped: [boolean, boolean, boolean];
}

/** The assignment of voxel axes to world axes that best matches the directions (all 6 permutations tried). */
export function orientationOf(axes: Volume['axes']): Orientation {
  const permutations: Vec3[] = [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
  ];
  let best = permutations[0];
  let bestScore = -1;
  for (const p of permutations) {
    // p[w] = voxel axis used for world axis w; score by alignment of unit directions.
    const score = [0, 1, 2].reduce((s, w) => s + Math.abs(axes[p[w]][w]) / (norm(axes[p[w]]) || 1), 0);
    if (score > bestScore + 1e-9) [best, bestScore] = [p, score];
  }
  return { voxelAxis: best, flipped: [0, 1, 2].map((w) => axes[best[w]][w] < 0) as [boolean, boolean, boolean] };
}

export function norm(v: Vec3): number {
  return Math.hypot(v[0], v[1], v[2]);
}

/** In-plane display axes per slicing axis: which world axis runs along columns and rows, and in which direction. */
export const SLICE_DISPLAY: Record<
  WorldAxis,
  { columns: WorldAxis; columnsIncrease: boolean; rows: WorldAxis; rowsIncrease: boolean }
> = {
  2: { columns: 0, columnsIncrease: true, rows: 1, rowsIncrease: false },
  1: { columns: 0, columnsIncrease: true, rows: 2, rowsIncrease: false },
  0: { columns: 1, columnsIncrease: false, rows: 2, rowsIncrease: false },
};

export interface SlicePlan {
  axis: WorldAxis;
  /** Slices along the axis; `slice(i)` takes the file's own voxel index i. */
  count: number;
  width: number;
  height: number;
  /** Physical size of a pixel (mm) along columns and rows, for aspect-correct resizing. */
  pixelSpacing: [number, number];
  /** Writes slice `index` (file voxel index along the slicing axis) of `frame`, real values, row-major. */
  extract(index: number, frame: number, out: Float32Array): void;
}

export function planSlices(volume: Volume, axis: WorldAxis, orientation = orientationOf(volume.axes)): SlicePlan {
  const [nx, ny] = volume.dims;
  const strides: Vec3 = [1, nx, nx * ny];
  const display = SLICE_DISPLAY[axis];
  const sliceVoxelAxis = orientation.voxelAxis[axis];
  const colAxis = orientation.voxelAxis[display.columns];
  const rowAxis = orientation.voxelAxis[display.rows];
  const width = volume.dims[colAxis];
  const height = volume.dims[rowAxis];
  // A column step moves +1 voxel when the voxel axis already runs the way the display wants.
  const colForward = orientation.flipped[display.columns] !== display.columnsIncrease;
  const rowForward = orientation.flipped[display.rows] !== display.rowsIncrease;
  const colStep = (colForward ? 1 : -1) * strides[colAxis];
  const rowStep = (rowForward ? 1 : -1) * strides[rowAxis];
  const colStart = colForward ? 0 : (width - 1) * strides[colAxis];
  const rowStart = rowForward ? 0 : (height - 1) * strides[rowAxis];
  const frameSize = volume.dims[0] * volume.dims[1] * volume.dims[2];
  const { voxels, slope, intercept } = volume;
  return {
    axis,
    count: volume.dims[sliceVoxelAxis],
    width,
    height,
    pixelSpacing: [norm(volume.axes[colAxis]) || 1, norm(volume.axes[rowAxis]) || 1],
    extract(index, frame, out) {
      const base = frame * frameSize + index * strides[sliceVoxelAxis] + colStart + rowStart;
      let o = 0;
      for (let r = 0; r < height; r++) {
        let p = base + r * rowStep;
        for (let c = 0; c < width; c++, p += colStep) out[o++] = voxels[p] * slope + intercept;
      }
    },
  };
}

/** True when any voxel is NaN or infinite (only float types can hold such values). */
export function hasNonFinite(voxels: VoxelArray): boolean {
  if (!(voxels instanceof Float32Array || voxels instanceof Float64Array)) return false;
  for (let i = 0; i < voxels.length; i++) if (!Number.isFinite(voxels[i])) return true;
  return false;
}
