/**
 * Key patches supplied by the user (for example Segment Anything output made elsewhere), read from
 * a JSON file of boxes keyed by source file and slice. The convention is documented in
 * docs/key-patches.md; entries that match no pool sample or hold no usable box are skipped and
 * reported, never fatal.
 */
import * as path from 'node:path';
import type { CacheSample } from '../../shared/artifacts';
import { readJsonFile } from '../../shared/node/atomicFile';
import { placeInSquare } from '../data/resize';
import type { Box } from './keyPatches';

export type BoxUnits = 'pixels' | 'fraction' | 'cache';
const UNITS: readonly BoxUnits[] = ['pixels', 'fraction', 'cache'];

export interface UserBox {
  sampleId: number;
  box: Box;
}

export interface UserPatchesResult {
  boxes: UserBox[];
  skipped: Array<{ path: string; reason: string }>;
}

/** Reads `file` and maps every entry to boxes in the cached samples it names. */
export async function readUserPatches(
  file: string,
  samples: readonly CacheSample[],
  imageSize: number,
): Promise<UserPatchesResult> {
  const raw = (await readJsonFile(file)) as { version?: unknown; units?: unknown; patches?: unknown };
  if (raw?.version !== 1 || !Array.isArray(raw.patches))
    throw new Error(`${file}: expected { "version": 1, "patches": [...] } (see docs/key-patches.md)`);
  const defaultUnits = raw.units ?? 'pixels';
  if (!UNITS.includes(defaultUnits as BoxUnits))
    throw new Error(`${file}: "units" must be one of ${UNITS.join(', ')}, got ${JSON.stringify(defaultUnits)}`);
  const baseDir = path.dirname(path.resolve(file));
  const boxes: UserBox[] = [];
  const skipped: UserPatchesResult['skipped'] = [];
  (raw.patches as unknown[]).forEach((entry, i) => {
    const where = `${file} patches[${i}]`;
    try {
      const e = entry as Record<string, unknown>;
      const units = (e.units ?? defaultUnits) as BoxUnits;
      if (!UNITS.includes(units)) throw new Error(`"units" must be one of ${UNITS.join(', ')}`);
      const box = e.box;
      if (!Array.isArray(box) || box.length !== 4 || !box.every((v) => typeof v === 'number' && Number.isFinite(v)))
        throw new Error('"box" must be [x, y, width, height] numbers');
      const matches = matchSamples(e, samples, baseDir);
      if (!matches.length)
        throw new Error('matches no sample of the pool (check "source", "axis", "slice", "frame" or "sampleId")');
      for (const sample of matches) {
        const mapped = toCacheBox(box as Box, units, sample, imageSize);
        if (!mapped) throw new Error('the box lies outside the image or has no area');
        boxes.push({ sampleId: sample.id, box: mapped });
      }
    } catch (err) {
      skipped.push({ path: where, reason: (err as Error).message });
    }
  });
  return { boxes, skipped };
}

function matchSamples(e: Record<string, unknown>, samples: readonly CacheSample[], baseDir: string): CacheSample[] {
  if (typeof e.sampleId === 'number') return samples.filter((s) => s.id === e.sampleId);
  if (typeof e.source !== 'string' || e.source === '')
    throw new Error('needs "source" (an image or volume path) or "sampleId"');
  const absolute = path.resolve(baseDir, e.source);
  // A relative path also matches by suffix, so a file made on another machine still applies.
  const suffix = path.sep + path.normalize(e.source).replace(/^(\.\.?[/\\])+/, '');
  const bySource = samples.filter((s) => s.source === absolute);
  const candidates = bySource.length
    ? bySource
    : path.isAbsolute(e.source)
      ? []
      : samples.filter((s) => s.source.endsWith(suffix));
  return candidates.filter((s) =>
    (['axis', 'slice', 'frame'] as const).every((key) => e[key] === undefined || s[key] === e[key]),
  );
}

/** A box in the cached sample's pixels, clipped to the image; undefined when nothing is left. */
function toCacheBox(box: Box, units: BoxUnits, sample: CacheSample, imageSize: number): Box | undefined {
  let [x, y, w, h] = box;
  if (units !== 'cache') {
    const [width, height] = sample.originalSize;
    const place = placeInSquare(width, height, imageSize);
    const sx = units === 'fraction' ? place.width : place.width / width;
    const sy = units === 'fraction' ? place.height : place.height / height;
    [x, y, w, h] = [place.left + x * sx, place.top + y * sy, w * sx, h * sy];
  }
  const x0 = Math.max(0, Math.round(x));
  const y0 = Math.max(0, Math.round(y));
  const x1 = Math.min(imageSize, Math.round(x + w));
  const y1 = Math.min(imageSize, Math.round(y + h));
  return x1 - x0 >= 2 && y1 - y0 >= 2 ? [x0, y0, x1 - x0, y1 - y0] : undefined;
}
