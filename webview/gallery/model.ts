/** The gallery's data model, pure: which samples it lists in which order, and hand curation edits. */
import type { DuplicateGroup, SelectionFile, SynthSample } from '../../src/shared/artifacts';
import type { SampleField } from '../common/sampleFields';

export const GALLERY_FILTERS = ['all', 'selected', 'generated', 'manual', 'duplicates'] as const;
export type GalleryFilter = (typeof GALLERY_FILTERS)[number];
export const GALLERY_FILTER_LABELS: Record<GalleryFilter, string> = {
  all: 'Whole pool and generated',
  selected: 'Selected (after curation)',
  generated: 'Generated (mosaics, adversarial)',
  manual: 'Curated by hand',
  duplicates: 'Duplicate groups (optidel duplicates)',
};
export const GALLERY_SORTS = ['difficulty-desc', 'difficulty-asc', 'selection', 'group', 'source', 'id'] as const;
export type GallerySort = (typeof GALLERY_SORTS)[number];
export const GALLERY_SORT_LABELS: Record<GallerySort, string> = {
  'difficulty-desc': 'Hardest first',
  'difficulty-asc': 'Easiest first',
  selection: 'Selection order',
  group: 'Duplicate group',
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
  duplicates?: DuplicateGroup[];
}

/** Sort by one of the sample fields (common/sampleFields.ts): values highest or lowest first, categories by name. */
export interface FieldSort {
  field: SampleField;
  descending: boolean;
}

/** Keep only samples whose field has one category, or a value within [min, max] (either may be absent). */
export interface FieldFilter {
  field: SampleField;
  category?: number;
  min?: number;
  max?: number;
}

export interface GalleryOptions {
  fieldFilter?: FieldFilter;
  /** The method's picks in the order it chose them (its selection file's `selected`). */
  order?: readonly number[];
  /** With the 'selected' filter: only the first this many picks, to see what a smaller budget keeps. */
  firstPicks?: number;
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
  sort: GallerySort | FieldSort,
  selected: ReadonlySet<number>,
  manual: Manual,
  options: GalleryOptions = {},
): number[] {
  const synthIds = (input.synth ?? []).map((s) => s.id);
  const rank = new Map((options.order ?? []).map((id, k) => [id, k]));
  const groupOf = new Map((input.duplicates ?? []).flatMap((g, k) => g.members.map((id) => [id, k] as const)));
  let ids: number[];
  switch (filter) {
    case 'all':
      ids = [...Array.from({ length: input.samples }, (_, i) => i), ...synthIds];
      break;
    case 'selected':
      ids = [...new Set([...selected, ...manual.include])].filter((id) => isSelected(id, selected, manual));
      // The first k picks of the method (a person's inclusions come after them).
      if (options.firstPicks !== undefined)
        ids = ids.filter((id) => (rank.get(id) ?? Infinity) < options.firstPicks! || manual.include.has(id));
      break;
    case 'duplicates':
      ids = [...groupOf.keys()];
      break;
    case 'generated':
      ids = synthIds;
      break;
    case 'manual':
      ids = [...new Set([...manual.include, ...manual.exclude])];
      break;
  }
  if (options.fieldFilter) ids = ids.filter((id) => id < input.samples && passes(options.fieldFilter!, id));
  if (typeof sort === 'object') return ids.sort(byField(sort));
  const source = (id: number): number =>
    input.sourceOf && id < input.sourceOf.length ? input.sourceOf[id]! : Infinity;
  const byId = (a: number, b: number): number => a - b;
  // Samples without a score (generated ones) go last either way.
  const byDifficulty = (descending: boolean) =>
    byField({
      field: { key: 'difficulty', label: 'difficulty', kind: 'value', values: input.difficulty ?? new Float32Array(0) },
      descending,
    });
  // Unranked samples (not picked, or no groups) after the ranked ones, by id.
  const byRank = (of: (id: number) => number | undefined) => (a: number, b: number) =>
    (of(a) ?? Infinity) - (of(b) ?? Infinity) || a - b;
  const compares: Record<GallerySort, (a: number, b: number) => number> = {
    'difficulty-desc': byDifficulty(true),
    'difficulty-asc': byDifficulty(false),
    selection: byRank((id) => rank.get(id)),
    group: byRank((id) => groupOf.get(id)),
    source: (a, b) => source(a) - source(b) || a - b,
    id: byId,
  };
  return ids.sort(compares[sort]);
}

function passes({ field, category, min, max }: FieldFilter, id: number): boolean {
  if (field.kind === 'category') return category === undefined || field.of[id] === category;
  const v = field.values[id]!;
  if (min === undefined && max === undefined) return true;
  return !Number.isNaN(v) && (min === undefined || v >= min) && (max === undefined || v <= max);
}

/** Samples without a value (generated ones, unselected in selection order) go last either way; ties by id. */
function byField({ field, descending }: FieldSort): (a: number, b: number) => number {
  if (field.kind === 'category') {
    const name = (id: number) => field.labels[field.of[id] ?? -1];
    return (a, b) => {
      const na = name(a),
        nb = name(b);
      if (na === undefined || nb === undefined) return na === nb ? a - b : na === undefined ? 1 : -1;
      return (descending ? -1 : 1) * na.localeCompare(nb, undefined, { numeric: true }) || a - b;
    };
  }
  const value = (id: number) => (id < field.values.length ? field.values[id]! : NaN);
  return (a, b) => {
    const va = value(a),
      vb = value(b);
    if (Number.isNaN(va) || Number.isNaN(vb))
      return Number.isNaN(va) === Number.isNaN(vb) ? a - b : Number.isNaN(va) ? 1 : -1;
    return (descending ? vb - va : va - vb) || a - b;
  };
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

/**
 * The duplicate groups at a stricter threshold than `optidel duplicates` used, without the engine:
 * a group keeps its first member and every member at least `threshold` similar to it (the leader
 * rule's own test), and a group left with one member is no group. Members dropped this way are not
 * regrouped among themselves: that needs their similarities to each other, which only the engine
 * has (`optidel duplicates --min-similarity`). A group from a file without per-member similarities
 * is kept whole while its least similar member passes, else left out. A looser threshold than the
 * file's cannot be answered here: `regroupFloor` is the lowest this can show.
 */
export function regroupDuplicates(groups: readonly DuplicateGroup[], threshold: number): DuplicateGroup[] {
  const out: DuplicateGroup[] = [];
  for (const g of groups) {
    if (!g.similarity || g.similarity.length !== g.members.length) {
      if (g.minSimilarity >= threshold) out.push(g);
      continue;
    }
    const keep = g.members.map((_, k) => k === 0 || g.similarity![k]! >= threshold);
    const members = g.members.filter((_, k) => keep[k]);
    if (members.length < 2) continue;
    const similarity = g.similarity.filter((_, k) => keep[k]);
    out.push({
      ...g,
      members,
      similarity,
      minSimilarity: similarity.reduce((a, b) => Math.min(a, b), 1),
      // Identical copies are counted per group, not named: at most every kept member but the first.
      identical: Math.min(g.identical, members.length - 1),
    });
  }
  return out;
}

/** The lowest threshold regroupDuplicates can show: the loosest group's least similar member (1 without groups). */
export function regroupFloor(groups: readonly DuplicateGroup[]): number {
  return groups.reduce((low, g) => Math.min(low, g.minSimilarity), 1);
}

/** For each pool sample, the generated samples made from it (links from a source to its mosaics). */
export function derivedFrom(synth: readonly SynthSample[] | undefined): Map<number, SynthSample[]> {
  const out = new Map<number, SynthSample[]>();
  for (const s of synth ?? [])
    for (const part of s.parts) out.set(part.sampleId, [...(out.get(part.sampleId) ?? []), s]);
  return out;
}
