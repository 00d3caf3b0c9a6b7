/**
 * Whether one value read from a key-patch file is a key patch (a shared or hand-edited file, a
 * line damaged on disk), and with the pool known, a patch of that pool: the one place this is
 * decided, so the reader (node/keyPatchesFile.ts) reports every caller's bad patches alike.
 * Browser-safe.
 */
import type { KeyPatch } from './artifacts';

/** The pool a key patch must belong to: its sample ids run from 0 to size - 1, its images are imageSize px square. */
export interface KeyPatchPool {
  size: number;
  imageSize: number;
}

/** What is wrong with a patch: the field, and why (`"sampleId" holds 99999, not a pool sample id (0 to 57)`). */
export interface KeyPatchProblem {
  key: string;
  why: string;
}

/**
 * Why `value` is not a key patch (of `pool`, when given), or undefined. Without the pool, the
 * shape: whole-number id and sample id, a box of four finite numbers with an area.
 */
export function keyPatchProblem(value: unknown, pool?: KeyPatchPool): KeyPatchProblem | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { key: '', why: 'not a key patch object' };
  const p = value as Partial<KeyPatch>;
  if (!Number.isInteger(p.id)) return { key: 'id', why: `holds ${shown(p.id)}, not a whole number` };
  const sampleId = p.sampleId;
  const inPool = pool ? sampleId! < pool.size : true;
  if (!Number.isInteger(sampleId) || sampleId! < 0 || !inPool)
    return {
      key: 'sampleId',
      why: `holds ${shown(sampleId)}, not a pool sample id${pool ? ` (0 to ${pool.size - 1})` : ''}`,
    };
  if (!boxInImage(p.box, pool?.imageSize ?? Infinity))
    return {
      key: 'box',
      why: `is ${shown(p.box)}, not a box inside the ${pool ? `${pool.imageSize} px ` : ''}image`,
    };
  return undefined;
}

/** A value as JSON for a message, cut at 80 characters: a "box" of a million numbers is named, not printed. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** [x, y, width, height] of finite numbers with an area, inside the cached image. */
function boxInImage(box: unknown, imageSize: number): boolean {
  if (!Array.isArray(box) || box.length !== 4 || !box.every((v) => typeof v === 'number' && Number.isFinite(v)))
    return false;
  const [x, y, w, h] = box as number[];
  return x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= imageSize && y + h <= imageSize;
}
