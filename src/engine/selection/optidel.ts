/**
 * OptiDEL's selector: the N = M x B hardest key patches (M = 4 patches per generated mosaic, B the
 * budget in images), so that the generation stage can stitch them into B new images, under rules
 * that keep them diverse. The selected images are the distinct samples those patches come from.
 *
 * The paper is silent on how diversity is enforced; these are our choices, each an option:
 *  - acquisition quota: an acquisition (a volume, a frame sequence, a group the user names) gives at
 *    most max(floor, ceil(capFactor x N x its samples / pool samples)) patches, samples counted
 *    without exact duplicates: a multiple of its share in proportion to its size. Proportional
 *    quotas were chosen over a coverage objective (k-center, facility location) because they are
 *    what "spread over the pool's acquisitions" means, they hold on any mix of volumes and single
 *    files, they cost one pass, and a user can check them by counting. The factor is 1 by default
 *    (difficulty chooses within each acquisition's share): at 2, on the demo pool, every MR volume
 *    took twice its share and the X-ray sequences almost none (ratios 0 to 2.03, against 0.53 to
 *    1.07 at 1; scripts/analysis/spread.ts).
 *  - near-duplicate distance: a sample whose (centred) embedding lies within cosine distance d of
 *    an already selected sample contributes no patches (checked within regions of `regionSize`
 *    samples of the embedding space, exact for pools that small). d starts at `minCosineDistance`
 *    and is halved while the budget cannot be filled (at most 16 times), so the picks are as spread
 *    as the budget allows: a greedy packing of the hardest patches with the largest exclusion
 *    radius that fills it. How far d was lowered is reported. A fixed d did not act: in the demo
 *    pool's embeddings (600-step foundation model) 28% of all pairs, a whole modality, lie within
 *    0.05, while a slice's nearest neighbour lies at 0.0001 in the median, so 598 of 636 picks went
 *    past the rule;
 *  - exact duplicates (bit-identical embeddings, as identical images give) are never eligible after
 *    their first copy. This rule is never relaxed.
 * When the rules leave fewer than N patches even at the smallest distance, they are relaxed in a
 * fixed order, hardest patches first, and every relaxed pick is counted: first the near-duplicate
 * rule (quotas still hold), then the quotas, doubled until the budget is met. The patch budget is therefore exact whenever the
 * pool has N patches outside exact duplicates; otherwise `short` says how many are missing.
 */
import type { KeyPatch, RelaxedPicks, SelectionHierarchy } from '../../shared/artifacts';
import { PATCHES_PER_MOSAIC } from '../generate/mosaic';
import { buildBallTree } from './ballTree';
import { exactDuplicateOf } from './duplicates';
import { hierarchicalKMeansSelect, type LeafRule } from './hierarchicalKMeans';
import { NeighbourIndex } from './neighbourIndex';

/** The near-duplicate distance is lowered at most to 1/65536 of where it starts (0.05: 7.6e-7). */
const MAX_DISTANCE_HALVINGS = 10;

export interface OptidelOptions {
  /** Patches per generated image (M, default 4). */
  patchesPerImage?: number;
  /** An acquisition may give at most this multiple of its size-proportional share of patches (default 1). */
  sourceCapFactor?: number;
  /** Every acquisition may give at least this many patches (default 1). */
  sourceCapFloor?: number;
  /** Samples closer than this cosine distance to a selected one count as near-duplicates (default 0.05; halved while the budget cannot be filled). */
  minCosineDistance?: number;
  /** Samples per region searched for near-duplicates (default 2048). */
  regionSize?: number;
}

export interface OptidelResult {
  selected: number[];
  patches: number[];
  relaxed: RelaxedPicks;
  /** The largest acquisition quota before any relaxation. */
  sourceCap: number;
  /** Acquisitions in the pool. */
  acquisitions: number;
}

/** The pool both selectors choose from. */
export interface OptidelInput {
  /** Unit-length (centred) embeddings, N x dim. */
  normalized: Float32Array;
  dim: number;
  /** Each sample's acquisition. */
  sources: readonly string[];
  /** Each sample's difficulty, for key patches without their own. */
  difficulty: Float32Array;
  keyPatches: readonly KeyPatch[];
}

/** `budgetImages`: B. */
export function optidelSelect(
  input: OptidelInput,
  budgetImages: number,
  seed: number,
  options: OptidelOptions = {},
): OptidelResult {
  const { normalized, dim, sources } = input;
  const pool = optidelPool(input, budgetImages, options);
  const { target, quota, sampleOf } = pool;
  const neighbours = new NeighbourIndex(normalized, buildBallTree(normalized, dim, { seed }), options.regionSize);
  const picker = new QuotaPicker(sources, sampleOf, quota);
  let remaining: ArrayLike<number> = pool.order;
  /** Takes patches of `remaining` in order while `allowed` and the budget agree; the rest stay. */
  const pass = (allowed: PatchRule): number => {
    const before = picker.taken.length;
    remaining = picker.pass(remaining, target, allowed);
    return picker.taken.length - before;
  };

  // Per sample, typed arrays rather than a Set and a Map: every pass looks each candidate up.
  const accepted = new Uint8Array(sources.length);
  // A near-duplicate's distance to the accepted sample that ruled it out: the accepted set only
  // grows, so at a smaller d it is still ruled out when this is below d, without a search.
  const ruledOutAt = new Float64Array(sources.length).fill(Infinity);
  /** Within the quotas, from samples at least cosine distance `d` from every accepted one. */
  const spreadAt = (d: number): PatchRule => {
    const tau = Math.sqrt(2 * d); // the Euclidean distance on unit vectors
    const withinQuota = picker.underQuota(1);
    return (patch, source) => {
      if (!withinQuota(patch, source)) return false;
      const id = sampleOf[patch];
      if (accepted[id]) return true;
      if (ruledOutAt[id] < tau) return false;
      const near = neighbours.distanceWithin(id, tau);
      if (near < tau) {
        ruledOutAt[id] = near;
        return false;
      }
      accepted[id] = 1;
      neighbours.add(id);
      return true;
    };
  };
  const startDistance = options.minCosineDistance ?? 0.05;
  let distanceHalvings = 0;
  pass(spreadAt(startDistance));
  while (picker.taken.length < target && distanceHalvings < MAX_DISTANCE_HALVINGS) {
    distanceHalvings++;
    pass(spreadAt(startDistance / 2 ** distanceHalvings));
  }
  const nearDuplicate = pass(picker.underQuota(1));
  const { acquisitionCap, capDoublings } = picker.relaxQuotas(remaining, target);
  return pool.result(picker.taken, {
    nearDuplicate,
    acquisitionCap,
    capDoublings,
    short: 0,
    nearDuplicateDistance: startDistance / 2 ** distanceHalvings,
    distanceHalvings,
  });
}

/**
 * OptiDEL on the hierarchical path (hierarchicalKMeans.ts), for pools of millions: the clusters
 * of hierarchical k-means stand in for the near-duplicate distance (the budget is shared evenly
 * among them, so no dense region fills it), and inside each leaf the patches are taken as the
 * exact selector takes them: hardest first, exact duplicates never, each acquisition within the
 * same pool-wide quota (counted across leaves), the quotas doubled only where a leaf cannot fill
 * its share inside them. The budget is shared in patches (a sample gives as many as it has), so
 * it is met exactly as in the exact selector. Leaves of about `PATCHES_PER_LEAF` picks: larger
 * leaves follow difficulty more and clusters less.
 */
export function optidelHierarchicalSelect(
  input: OptidelInput,
  budgetImages: number,
  seed: number,
  options: Pick<OptidelOptions, 'patchesPerImage' | 'sourceCapFactor' | 'sourceCapFloor'> = {},
  branching?: number,
): OptidelResult & { hierarchy: SelectionHierarchy } {
  const { normalized, dim, sources } = input;
  const pool = optidelPool(input, budgetImages, options);
  const ofSample = patchesBySample(pool.order, pool.sampleOf, sources.length);
  const picker = new QuotaPicker(sources, pool.sampleOf, pool.quota);
  const relaxed = { acquisitionCap: 0, capDoublings: 0 };
  const rule: LeafRule = {
    picksPerLeaf: PATCHES_PER_LEAF,
    capacity: Int32Array.from({ length: sources.length }, (_, r) => ofSample.start[r + 1] - ofSample.start[r]),
    pick(_vectors, _dim, rows, share) {
      const start = picker.taken.length;
      const target = start + share;
      // The leaf's positions in pool.order, which is hardest first: in ascending order, they are its patches hardest first.
      let count = 0;
      for (const r of rows) count += ofSample.start[r + 1] - ofSample.start[r];
      const positions = new Int32Array(count);
      count = 0;
      for (const r of rows)
        for (let k = ofSample.start[r]; k < ofSample.start[r + 1]; k++) positions[count++] = ofSample.index[k];
      const inLeaf = positions.sort().map((k) => pool.order[k]);
      const leafRelaxed = picker.relaxQuotas(picker.pass(inLeaf, target, picker.underQuota(1)), target);
      relaxed.acquisitionCap += leafRelaxed.acquisitionCap;
      relaxed.capDoublings = Math.max(relaxed.capDoublings, leafRelaxed.capDoublings);
      return picker.taken.slice(start);
    },
  };
  const { hierarchy } = hierarchicalKMeansSelect(normalized, dim, { budget: pool.target, seed, branching }, rule);
  return { ...pool.result(picker.taken, { nearDuplicate: 0, short: 0, ...relaxed }), hierarchy };
}

/**
 * Each sample's patches as positions in `order` (patches by index, `sampleOf` their samples): those
 * of sample r are index[start[r]] up to index[start[r + 1]], in `order`'s order. Two typed arrays
 * rather than an array per sample, which at a million samples held hundreds of MiB.
 */
function patchesBySample(
  order: Int32Array,
  sampleOf: Int32Array,
  samples: number,
): { start: Int32Array; index: Int32Array } {
  const start = new Int32Array(samples + 1);
  for (const patch of order) start[sampleOf[patch] + 1]++;
  for (let r = 0; r < samples; r++) start[r + 1] += start[r];
  const next = start.slice(0, samples);
  const index = new Int32Array(order.length);
  order.forEach((patch, k) => (index[next[sampleOf[patch]]++] = k));
  return { start, index };
}

/** Patches per leaf on the hierarchical path, as prototypes and MedDEL pick about 8 rows per leaf. */
const PATCHES_PER_LEAF = 8;

/** Whether a patch (its index in the key patches; of a sample of acquisition `source`, by QuotaPicker's numbering) may be taken now. */
type PatchRule = (patch: number, source: number) => boolean;

/**
 * What both paths start from: exact duplicates left out, the key patches hardest first, the quotas
 * for M x B patches. Patches are named by their index in `keyPatches`, and what the selectors need
 * of them is read once into typed arrays. An array of the patch objects in difficulty order made
 * every full collection visit them in random memory order, each collection several times slower,
 * and more of them as the pool grew: time grew faster than N log N (docs/scale-out.md, "At 10M").
 */
function optidelPool(
  { normalized, dim, sources, difficulty, keyPatches }: OptidelInput,
  budgetImages: number,
  options: OptidelOptions,
) {
  const m = options.patchesPerImage ?? PATCHES_PER_MOSAIC;
  const duplicateOf = exactDuplicateOf(normalized, dim);
  const sampleOf = new Int32Array(keyPatches.length);
  const patchDifficulty = new Float64Array(keyPatches.length);
  let eligible = 0;
  keyPatches.forEach((p, i) => {
    sampleOf[i] = p.sampleId;
    patchDifficulty[i] = p.difficulty ?? difficulty[p.sampleId];
    if (duplicateOf[p.sampleId] < 0) eligible++;
  });
  const order = new Int32Array(eligible);
  eligible = 0;
  for (let i = 0; i < keyPatches.length; i++) if (duplicateOf[sampleOf[i]] < 0) order[eligible++] = i;
  order.sort((a, b) => patchDifficulty[b] - patchDifficulty[a] || keyPatches[a].id - keyPatches[b].id);
  const quota = acquisitionQuotas(
    sources.filter((_, i) => duplicateOf[i] < 0),
    m * budgetImages,
    options.sourceCapFactor ?? 1,
    options.sourceCapFloor ?? 1,
  );
  return {
    /** The patches outside exact duplicates, hardest first (ties by id). */
    order,
    /** Each patch's sample. */
    sampleOf,
    quota,
    /** Patches to take: M x B, or all the pool has outside exact duplicates. */
    target: Math.min(order.length, m * budgetImages),
    /** The selection made of the patches `taken`. */
    result(taken: readonly number[], relaxed: RelaxedPicks): OptidelResult {
      return {
        selected: [...new Set(taken.map((p) => sampleOf[p]))],
        patches: taken.map((p) => keyPatches[p].id),
        relaxed: { ...relaxed, short: m * budgetImages - taken.length },
        sourceCap: [...quota.values()].reduce((a, b) => Math.max(a, b), 0),
        acquisitions: quota.size,
      };
    },
  };
}

/** Patches taken in order under the acquisition quotas, each acquisition's count kept across passes. */
class QuotaPicker {
  /** Patches taken, by index. */
  readonly taken: number[] = [];
  /**
   * Acquisitions numbered in order of first appearance, each sample's number, and per number the
   * patches taken and the quota: typed arrays rather than maps keyed by name, which every pass
   * looked up for every patch.
   */
  private readonly sourceOf: Int32Array;
  private readonly perSource: Int32Array;
  private readonly quota: Float64Array;

  constructor(
    sources: readonly string[],
    private readonly sampleOf: Int32Array,
    quota: ReadonlyMap<string, number>,
  ) {
    const number = new Map<string, number>();
    this.sourceOf = Int32Array.from(sources, (s) => {
      if (!number.has(s)) number.set(s, number.size);
      return number.get(s)!;
    });
    this.perSource = new Int32Array(number.size);
    // An acquisition of exact duplicates only has no quota (and no patches to take): NaN, which allows none.
    this.quota = Float64Array.from(number.keys(), (s) => quota.get(s) ?? NaN);
  }

  /** Allows a patch while its acquisition has taken fewer than `scale` times its quota. */
  underQuota(scale: number): PatchRule {
    return (_, source) => this.perSource[source] < scale * this.quota[source];
  }

  /** Takes patches of `remaining` in order while `allowed` agrees and fewer than `target` are taken; returns the others. */
  pass(remaining: ArrayLike<number>, target: number, allowed: PatchRule): number[] {
    const left: number[] = [];
    for (let i = 0; i < remaining.length; i++) {
      const patch = remaining[i];
      const source = this.sourceOf[this.sampleOf[patch]];
      if (this.taken.length < target && allowed(patch, source)) {
        this.taken.push(patch);
        this.perSource[source]++;
      } else left.push(patch);
    }
    return left;
  }

  /** The last resort: the quotas doubled until `target` patches are taken (`remaining` must hold enough). */
  relaxQuotas(remaining: ArrayLike<number>, target: number): { acquisitionCap: number; capDoublings: number } {
    const before = this.taken.length;
    let capDoublings = 0;
    let left: ArrayLike<number> = remaining;
    while (this.taken.length < target) {
      capDoublings++;
      left = this.pass(left, target, this.underQuota(2 ** capDoublings));
    }
    return { acquisitionCap: this.taken.length - before, capDoublings };
  }
}

/**
 * Each acquisition's quota of `patches`: `factor` times its share in proportion to its count of
 * distinct samples (`sources` lists one acquisition per distinct sample), at least `floor`.
 */
export function acquisitionQuotas(
  sources: readonly string[],
  patches: number,
  factor: number,
  floor: number,
): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const s of sources) sizes.set(s, (sizes.get(s) ?? 0) + 1);
  const quota = new Map<string, number>();
  for (const [source, size] of sizes)
    quota.set(source, Math.max(floor, Math.ceil((factor * patches * size) / sources.length)));
  return quota;
}
