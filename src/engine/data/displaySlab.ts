/**
 * A volume as a viewer wants it: the voxels reordered so that i, j, k run along the patient's
 * right, anterior and superior axes (RAS+, the closest canonical orientation, as nibabel's
 * `as_closest_canonical` makes it), real values (slope and intercept applied), and only a slab of
 * slices around one slice when the whole volume would be too large to send. A canonical grid
 * needs no rotation in its NIfTI header, so the slab is written with the plain axis-aligned
 * writer and every viewer shows it the way the engine's own slices look (volume.ts).
 */
import type { Vec3, Volume, WorldAxis } from './volume';
import { norm, orientationOf, SLICE_DISPLAY } from './volume';
import { placeInSquare } from './resize';

export interface CanonicalSlab {
  /** Voxels along R, A, S; `dims[axis]` is the slab's thickness. */
  dims: Vec3;
  /** Voxel size in mm along R, A, S. */
  spacing: Vec3;
  axis: WorldAxis;
  /** Slices of the whole volume along `axis`, the slab's first one (canonical order) and where the asked slice lies in the slab. */
  total: number;
  first: number;
  sliceInSlab: number;
  /** Real values, R fastest. */
  voxels: Float32Array;
}

/** What a slab may hold at most: a viewer gets the whole volume when it fits, else the slices around the sample. */
export interface SlabRequest {
  axis: WorldAxis;
  /** The file's own voxel index along the slicing axis (as the cache's provenance records it). */
  slice: number;
  frame: number;
  maxVoxels: number;
}

/** The canonical slab of `volume` around `slice` (see the module comment). */
export function canonicalSlab(volume: Volume, request: SlabRequest): CanonicalSlab {
  const { axis, slice, frame } = request;
  const orientation = orientationOf(volume.axes);
  const strides: Vec3 = [1, volume.dims[0], volume.dims[0] * volume.dims[1]];
  const full = [0, 1, 2].map((w) => volume.dims[orientation.voxelAxis[w]]) as Vec3;
  const spacing = [0, 1, 2].map((w) => norm(volume.axes[orientation.voxelAxis[w]]) || 1) as Vec3;
  const total = full[axis];
  if (!(slice >= 0 && slice < total)) throw new Error(`slice ${slice} is outside the volume's ${total} slices`);
  if (!(frame >= 0 && frame < volume.frames)) throw new Error(`frame ${frame} is outside the file's ${volume.frames}`);
  const plane = (full[0] * full[1] * full[2]) / total;
  const thickness = Math.max(1, Math.min(total, Math.floor(request.maxVoxels / plane)));
  const canonicalSlice = orientation.flipped[axis] ? total - 1 - slice : slice;
  const first = Math.min(Math.max(0, canonicalSlice - Math.floor(thickness / 2)), total - thickness);
  const dims = [...full] as Vec3;
  dims[axis] = thickness;
  // Per world axis: how far one canonical step moves in the file's voxel array, and where index 0 lies.
  const step = [0, 1, 2].map((w) => (orientation.flipped[w] ? -1 : 1) * strides[orientation.voxelAxis[w]]);
  const start = [0, 1, 2].map((w) => {
    const at = (w === axis ? first : 0) * step[w];
    return orientation.flipped[w] ? (full[w] - 1) * strides[orientation.voxelAxis[w]] + at : at;
  });
  const { voxels, slope, intercept } = volume;
  const out = new Float32Array(dims[0] * dims[1] * dims[2]);
  const base = frame * volume.dims[0] * volume.dims[1] * volume.dims[2] + start[0] + start[1] + start[2];
  let o = 0;
  for (let z = 0; z < dims[2]; z++)
    for (let y = 0; y < dims[1]; y++) {
      let p = base + z * step[2] + y * step[1];
      for (let x = 0; x < dims[0]; x++, p += step[0]) out[o++] = voxels[p] * slope + intercept;
    }
  return { dims, spacing, axis, total, first, sliceInSlab: canonicalSlice - first, voxels: out };
}

/** A rectangle in the pixels of the slice as the engine shows it (columns and rows, volume.ts's display convention). */
export interface SliceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Where a box in the cached square sample (imageSize², the slice scaled to fit with its physical
 * aspect, resize.ts) lies in the source slice's own pixels: the key patches at full resolution.
 */
export function boxInSourceSlice(
  box: readonly [number, number, number, number],
  slice: { width: number; height: number; pixelSpacing: [number, number] },
  imageSize: number,
): SliceBox {
  const place = placeInSquare(slice.width, slice.height, imageSize, slice.pixelSpacing);
  const sx = slice.width / place.width;
  const sy = slice.height / place.height;
  const clamp = (v: number, max: number) => Math.min(max, Math.max(0, v));
  const x0 = clamp(Math.round((box[0] - place.left) * sx), slice.width);
  const y0 = clamp(Math.round((box[1] - place.top) * sy), slice.height);
  const x1 = clamp(Math.round((box[0] + box[2] - place.left) * sx), slice.width);
  const y1 = clamp(Math.round((box[1] + box[3] - place.top) * sy), slice.height);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * Key-patch outlines as a label volume in the slab's grid (1 on each box's border, on the asked
 * slice), so a viewer overlays them like a mask. Boxes are in displayed slice pixels.
 */
export function outlineVolume(
  slab: Pick<CanonicalSlab, 'dims' | 'axis' | 'sliceInSlab'>,
  boxes: SliceBox[],
): Uint8Array {
  const { dims, axis } = slab;
  const display = SLICE_DISPLAY[axis];
  const out = new Uint8Array(dims[0] * dims[1] * dims[2]);
  const c = [0, 0, 0];
  const mark = (col: number, row: number) => {
    c[axis] = slab.sliceInSlab;
    c[display.columns] = display.columnsIncrease ? col : dims[display.columns] - 1 - col;
    c[display.rows] = display.rowsIncrease ? row : dims[display.rows] - 1 - row;
    out[c[0] + dims[0] * (c[1] + dims[1] * c[2])] = 1;
  };
  for (const b of boxes) {
    if (b.width < 1 || b.height < 1) continue;
    const right = b.x + b.width - 1;
    const bottom = b.y + b.height - 1;
    for (let col = b.x; col <= right; col++) {
      mark(col, b.y);
      mark(col, bottom);
    }
    for (let row = b.y; row <= bottom; row++) {
      mark(b.x, row);
      mark(right, row);
    }
  }
  return out;
}
