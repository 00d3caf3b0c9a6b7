/**
 * The notebook output that shows a selected subset: MIME type `application/vnd.optidel.subset+json`.
 *
 * Written by `optidel export` (and by anyone's Python, see docs/notebook.md), read by the notebook
 * renderer (webview/renderer). The JSON Schema in schemas/subset.schema.json documents the same
 * shape for other tools; `parseSubsetPayload` is what the renderer trusts. A notebook is a file
 * anybody can edit, so every field is checked before anything is drawn, and the errors name the
 * field (`samples[12].embedding[1]`) so a person can fix the cell that made it.
 *
 * Versioning: `version` is 1. Readers accept unknown extra fields (later minor additions); a change
 * that alters the meaning of an existing field gets a new version, and a reader rejects versions it
 * does not know with a message saying which version it reads.
 */

import type { SelectionHierarchy } from './artifacts';
import { selectionLabel } from './selectionLabel';

export const SUBSET_MIME = 'application/vnd.optidel.subset+json';
export const SUBSET_PAYLOAD_VERSION = 1;

/** Thumbnails travel inside the notebook, so only small embedded images are allowed, never a URL to fetch. */
export const THUMBNAIL_DATA_URL = /^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/]+={0,2}$/;
/** A thumbnail larger than this (characters of data URL, about a 96 px PNG) is rejected: payloads must stay small. */
export const MAX_THUMBNAIL_CHARS = 16_384;

export interface SubsetPayload {
  version: 1;
  /** Shown as the output's heading; a default is made from the run and method when absent. */
  title?: string;
  /** The run the subset comes from. `dir` lets the extension open the gallery at a sample. */
  run?: { id: string; dir?: string; createdAt?: string };
  summary: SubsetSummary;
  /** Every sample of the pool that is shown (selected or not), in any order. */
  samples: SubsetSample[];
}

export interface SubsetSummary {
  /** Samples in the pool (may exceed samples.length when the export left some out). */
  poolSize: number;
  /** The budget as asked: a fraction of the pool (0 < b <= 1) or a count (b > 1). */
  budget: number;
  /** The method whose selection `selected` refers to. */
  method: string;
  /** Samples that method selected. */
  selectedCount: number;
  /** Every method present in `samples[].selectedBy`, in the order to offer them. */
  methods?: string[];
  /** V-information estimate of the subset, nats per masked patch value (see OPTIDEL.md). */
  vInformation?: { hYEmpty: number; hYGivenX: number; value: number };
  seed?: number;
  /** Samples the synthesise stage generated from the subset (mosaics, adversarial views). */
  synthesized?: number;
  /** The methods whose selection was made on the hierarchical path (`select --hierarchical`), each with its hierarchy; the others are exact. */
  hierarchical?: Record<string, SelectionHierarchy>;
}

export interface SubsetSample {
  /** Pool index of the sample (the id every run artifact uses). */
  id: number;
  /** Masked reconstruction error: higher is harder for the foundation model. */
  difficulty: number;
  /** 2D projection of the sample's embedding, any units. */
  embedding: [number, number];
  /** Selected by `summary.method`. */
  selected: boolean;
  /** Every exported method that selected it. */
  selectedBy?: string[];
  /** A small embedded image: a data:image/png (or jpeg, webp) base64 URL. */
  thumbnail?: string;
  provenance?: SubsetProvenance;
}

export interface SubsetProvenance {
  source: string;
  axis?: 0 | 1 | 2;
  slice?: number;
  frame?: number;
  originalSize?: [number, number];
  intensity?: string;
}

export class SubsetPayloadError extends Error {
  override name = 'SubsetPayloadError';
  constructor(readonly problems: string[]) {
    super(`Invalid OptiDEL subset payload: ${problems.join('; ')}`);
  }
}

/** Stop collecting after this many problems: one broken field repeated 10,000 times is one message. */
const MAX_PROBLEMS = 8;

/**
 * Checks a parsed payload and returns it typed, or throws SubsetPayloadError listing the first
 * problems found, each naming its field.
 */
export function parseSubsetPayload(raw: unknown): SubsetPayload {
  const problems: string[] = [];
  const report = (where: string, what: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(`${where} ${what}`);
  };
  const full = (): boolean => problems.length >= MAX_PROBLEMS;

  if (!isObject(raw)) throw new SubsetPayloadError([`the payload must be a JSON object, got ${describe(raw)}`]);
  if (raw.version !== SUBSET_PAYLOAD_VERSION) {
    throw new SubsetPayloadError([
      `"version" is ${describe(raw.version)}; this renderer reads version ${SUBSET_PAYLOAD_VERSION} (update the OptiDEL extension or re-export the notebook)`,
    ]);
  }
  if (raw.title !== undefined && typeof raw.title !== 'string') report('"title"', 'must be a string');
  checkRun(raw.run, report);
  const summary = raw.summary;
  if (!isObject(summary)) report('"summary"', `must be an object, got ${describe(summary)}`);
  else checkSummary(summary, report);

  if (!Array.isArray(raw.samples)) report('"samples"', `must be an array, got ${describe(raw.samples)}`);
  else {
    const seen = new Set<number>();
    for (let i = 0; i < raw.samples.length && !full(); i++) {
      checkSample(raw.samples[i], `samples[${i}]`, report, seen);
    }
  }
  if (problems.length > 0) throw new SubsetPayloadError(problems);
  return raw as unknown as SubsetPayload;
}

type Report = (where: string, what: string) => void;

function checkRun(run: unknown, report: Report): void {
  if (run === undefined) return;
  if (!isObject(run)) return report('"run"', `must be an object, got ${describe(run)}`);
  if (typeof run.id !== 'string') report('"run.id"', 'must be a string');
  if (run.dir !== undefined && typeof run.dir !== 'string') report('"run.dir"', 'must be a string');
  if (run.createdAt !== undefined && typeof run.createdAt !== 'string') report('"run.createdAt"', 'must be a string');
}

function checkSummary(s: Record<string, unknown>, report: Report): void {
  if (!isCount(s.poolSize)) report('"summary.poolSize"', `must be a non-negative integer, got ${describe(s.poolSize)}`);
  if (!isFiniteNumber(s.budget) || s.budget <= 0)
    report('"summary.budget"', `must be a positive number (a fraction <= 1 or a count), got ${describe(s.budget)}`);
  if (typeof s.method !== 'string' || s.method === '') report('"summary.method"', 'must be a non-empty string');
  if (!isCount(s.selectedCount))
    report('"summary.selectedCount"', `must be a non-negative integer, got ${describe(s.selectedCount)}`);
  if (s.methods !== undefined && !isStringArray(s.methods)) report('"summary.methods"', 'must be an array of strings');
  if (s.seed !== undefined && !isFiniteNumber(s.seed)) report('"summary.seed"', 'must be a number');
  if (s.synthesized !== undefined && !isCount(s.synthesized))
    report('"summary.synthesized"', 'must be a non-negative integer');
  if (s.hierarchical !== undefined) checkHierarchies(s.hierarchical, report);
  const v = s.vInformation;
  if (v !== undefined) {
    if (!isObject(v)) report('"summary.vInformation"', 'must be an object { hYEmpty, hYGivenX, value }');
    else
      for (const key of ['hYEmpty', 'hYGivenX', 'value'] as const) {
        if (!isFiniteNumber(v[key]))
          report(`"summary.vInformation.${key}"`, `must be a finite number, got ${describe(v[key])}`);
      }
  }
}

function checkHierarchies(h: unknown, report: Report): void {
  if (!isObject(h)) return report('"summary.hierarchical"', 'must be an object of method names to hierarchies');
  for (const [method, hierarchy] of Object.entries(h)) {
    const where = `"summary.hierarchical.${method}"`;
    if (!isObject(hierarchy)) report(where, 'must be an object { branching, levels, leaves }');
    else
      for (const key of ['branching', 'levels', 'leaves'] as const)
        if (!isCount(hierarchy[key]))
          report(`${where}.${key}`, `must be a non-negative integer, got ${describe(hierarchy[key])}`);
  }
}

function checkSample(sample: unknown, where: string, report: Report, seen: Set<number>): void {
  if (!isObject(sample)) return report(where, `must be an object, got ${describe(sample)}`);
  if (!isCount(sample.id)) report(`${where}.id`, `must be a non-negative integer, got ${describe(sample.id)}`);
  else if (seen.has(sample.id)) report(`${where}.id`, `${sample.id} appears twice`);
  else seen.add(sample.id);
  if (!isFiniteNumber(sample.difficulty))
    report(`${where}.difficulty`, `must be a finite number, got ${describe(sample.difficulty)}`);
  const e = sample.embedding;
  if (!Array.isArray(e) || e.length !== 2 || !isFiniteNumber(e[0]) || !isFiniteNumber(e[1])) {
    report(`${where}.embedding`, `must be [x, y] with finite numbers, got ${describe(e)}`);
  }
  if (typeof sample.selected !== 'boolean')
    report(`${where}.selected`, `must be true or false, got ${describe(sample.selected)}`);
  if (sample.selectedBy !== undefined && !isStringArray(sample.selectedBy))
    report(`${where}.selectedBy`, 'must be an array of method names');
  const t = sample.thumbnail;
  if (t !== undefined) {
    if (typeof t !== 'string' || !THUMBNAIL_DATA_URL.test(t))
      report(`${where}.thumbnail`, 'must be a data:image/png;base64,... URL (no links to files or servers)');
    else if (t.length > MAX_THUMBNAIL_CHARS)
      report(
        `${where}.thumbnail`,
        `is ${t.length} characters; at most ${MAX_THUMBNAIL_CHARS} (use a smaller image, e.g. 32 px)`,
      );
  }
  if (sample.provenance !== undefined) checkProvenance(sample.provenance, `${where}.provenance`, report);
}

function checkProvenance(p: unknown, where: string, report: Report): void {
  if (!isObject(p)) return report(where, `must be an object, got ${describe(p)}`);
  if (typeof p.source !== 'string') report(`${where}.source`, 'must be a string');
  if (p.axis !== undefined && p.axis !== 0 && p.axis !== 1 && p.axis !== 2)
    report(`${where}.axis`, 'must be 0, 1 or 2');
  for (const key of ['slice', 'frame'] as const) {
    if (p[key] !== undefined && !isCount(p[key])) report(`${where}.${key}`, 'must be a non-negative integer');
  }
  const size = p.originalSize;
  if (size !== undefined && !(Array.isArray(size) && size.length === 2 && size.every(isCount)))
    report(`${where}.originalSize`, 'must be [width, height]');
  if (p.intensity !== undefined && typeof p.intensity !== 'string') report(`${where}.intensity`, 'must be a string');
}

/** Methods in the order to offer them: the summary's list, else those found on samples, the current one first. */
export function subsetMethods(payload: SubsetPayload): string[] {
  const found = new Set<string>([payload.summary.method, ...(payload.summary.methods ?? [])]);
  for (const s of payload.samples) for (const m of s.selectedBy ?? []) found.add(m);
  return [...found];
}

/** How the renderer names `method`: with the hierarchical path when its selection took it (selectionLabel.ts). */
export function subsetMethodLabel(payload: SubsetPayload, method: string): string {
  const hierarchies = payload.summary.hierarchical ?? {};
  return selectionLabel(method, Object.hasOwn(hierarchies, method) ? hierarchies[method] : undefined);
}

/** Whether a sample is in the subset of `method` (the summary's method uses `selected`). */
export function isSelectedBy(sample: SubsetSample, method: string, payloadMethod: string): boolean {
  return method === payloadMethod ? sample.selected : (sample.selectedBy?.includes(method) ?? false);
}

/** One line naming where a sample came from: "ct_001.nii.gz axial 42", "xray.png". */
export function describeProvenance(p: SubsetProvenance | undefined): string {
  if (!p) return 'unknown source';
  const file = p.source.split(/[\\/]/).filter(Boolean).pop() ?? p.source;
  const parts = [file];
  if (p.axis !== undefined) parts.push(['sagittal', 'coronal', 'axial'][p.axis]!);
  if (p.slice !== undefined) parts.push(`slice ${p.slice}`);
  if (p.frame !== undefined) parts.push(`frame ${p.frame}`);
  return parts.join(' ');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}
function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}
/** A short description of a bad value for an error message; never the whole value (it may be huge). */
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) {
    const short = v.length <= 4 && v.every((x) => x === null || typeof x !== 'object') ? JSON.stringify(v) : '';
    return short && short.length <= 60 ? short : `an array of ${v.length}`;
  }
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}
