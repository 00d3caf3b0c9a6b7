/** The gallery's data model, pure: which samples it lists in which order, and hand curation edits. */
import type { SelectionFile, SynthSample } from '../../src/shared/artifacts';

export const GALLERY_FILTERS = ['all', 'selected', 'generated', 'manual'] as const;
export type GalleryFilter = (typeof GALLERY_FILTERS)[number];
export const GALLERY_FILTER_LABELS: Record<GalleryFilter, string> = {
  all: 'Whole pool and generated',
  selected: 'Selected (after curation)',
  generated: 'Generated (mosaics, adversarial)',
  manual: 'Curated by hand',
};
export const GALLERY_SORTS = ['difficulty-desc', 'difficulty-asc', 'source', 'id'] as const;
export type GallerySort = (typeof GALLERY_SORTS)[number];
export const GALLERY_SORT_LABELS: Record<GallerySort, string> = {
  'difficulty-desc': 'Hardest first',
  'difficulty-asc': 'Easiest first',
  source: 'Source file',
  id: 'Sample id',
};

export interface Manual {
  include: Set<number>;
  exclude: Set<number>;
}

export interface GalleryInput {
  samples: number;
  difficulty?: Float32Array;
  sourceOf?: Uint16Array;
  synth?: SynthSample[];
}

export function manualOf(selection: SelectionFile | undefined): Manual {
  return { include: new Set(selection?.manual?.include ?? []), exclude: new Set(selection?.manual?.exclude ?? []) };
}

export function isSelected(id: number, selected: ReadonlySet<number>, manual: Manual): boolean {
  return manual.include.has(id) || (selected.has(id) && !manual.exclude.has(id));
}

/** The ids the gallery lists, in display order. Generated samples have ids >= samples and no difficulty. */
export function galleryItems(
  input: GalleryInput,
  filter: GalleryFilter,
  sort: GallerySort,
  selected: ReadonlySet<number>,
  manual: Manual,
): number[] {
  const synthIds = (input.synth ?? []).map((s) => s.id);
  let ids: number[];
  switch (filter) {
    case 'all':
      ids = [...Array.from({ length: input.samples }, (_, i) => i), ...synthIds];
      break;
    case 'selected':
      ids = [...new Set([...selected, ...manual.include])].filter((id) => isSelected(id, selected, manual));
      break;
    case 'generated':
      ids = synthIds;
      break;
    case 'manual':
      ids = [...new Set([...manual.include, ...manual.exclude])];
      break;
  }
  const difficulty = (id: number): number =>
    input.difficulty && id < input.difficulty.length ? input.difficulty[id]! : NaN;
  const source = (id: number): number =>
    input.sourceOf && id < input.sourceOf.length ? input.sourceOf[id]! : Infinity;
  const byId = (a: number, b: number): number => a - b;
  const byDifficulty =
    (sign: number) =>
    (a: number, b: number): number => {
      const da = difficulty(a),
        db = difficulty(b);
      // Samples without a score (generated ones) go last either way.
      if (Number.isNaN(da) || Number.isNaN(db))
        return Number.isNaN(da) === Number.isNaN(db) ? a - b : Number.isNaN(da) ? 1 : -1;
      return sign * (da - db) || a - b;
    };
  const compare =
    sort === 'difficulty-desc'
      ? byDifficulty(-1)
      : sort === 'difficulty-asc'
        ? byDifficulty(1)
        : sort === 'source'
          ? (a: number, b: number) => source(a) - source(b) || a - b
          : byId;
  return ids.sort(compare);
}

/**
 * Applies a hand decision. `include` puts a sample in the subset (only recorded when the method did
 * not pick it), `exclude` takes it out (only recorded when the method did pick it), `reset` forgets
 * the decision. Returns a new Manual; the input is not changed.
 */
export function curate(
  manual: Manual,
  id: number,
  action: 'include' | 'exclude' | 'reset',
  selected: ReadonlySet<number>,
): Manual {
  const include = new Set(manual.include);
  const exclude = new Set(manual.exclude);
  include.delete(id);
  exclude.delete(id);
  if (action === 'include' && !selected.has(id)) include.add(id);
  if (action === 'exclude' && selected.has(id)) exclude.add(id);
  return { include, exclude };
}

export function sameManual(a: Manual, b: Manual): boolean {
  const same = (x: Set<number>, y: Set<number>): boolean => x.size === y.size && [...x].every((v) => y.has(v));
  return same(a.include, b.include) && same(a.exclude, b.exclude);
}

/** For each pool sample, the generated samples made from it (links from a source to its mosaics). */
export function derivedFrom(synth: readonly SynthSample[] | undefined): Map<number, SynthSample[]> {
  const out = new Map<number, SynthSample[]>();
  for (const s of synth ?? [])
    for (const part of s.parts) out.set(part.sampleId, [...(out.get(part.sampleId) ?? []), s]);
  return out;
}
