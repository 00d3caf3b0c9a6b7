/**
 * The run folder's `run.json`: the config a run was made with, each stage's status and timings,
 * and the backend that ran it. Host, engine and views all read it through these types.
 */
import type { StageStatus } from './protocol';
import { selectionLabel } from './selectionLabel';

/** OptiDEL's stages in pipeline order. */
export const STAGES = ['ingest', 'pretrain', 'score', 'propose', 'select', 'synthesize', 'train', 'finetune'] as const;
export type StageName = (typeof STAGES)[number];

export const STAGE_TITLES: Record<StageName, string> = {
  ingest: 'Ingest pool',
  pretrain: 'Pre-train foundation model',
  score: 'Score difficulty',
  propose: 'Propose key patches',
  select: 'Select subset',
  synthesize: 'Synthesise samples',
  train: 'Pre-train on compact set',
  finetune: 'Fine-tune segmentation',
};

export interface StageRecord {
  status: StageStatus;
  startedAt?: string;
  finishedAt?: string;
  seconds?: number;
  backend?: string;
  error?: string;
  /** The engine process running the stage, while it runs: a dead pid means it was killed mid-stage. */
  pid?: number;
  /** Small facts the stage wants to show in the Runs view (counts, losses), under data keys (describeStageSummary labels them). */
  summary?: Record<string, number | string>;
}

/** Labels of summary keys that people read otherwise than the key is spelt. */
const SUMMARY_LABELS: Readonly<Record<string, string>> = {
  vInformation: 'V-information',
  meanDifficulty: 'mean difficulty',
};

/**
 * A stage summary for people: "method optidel, selected 32, V-information 0.41"; a selection made
 * on the hierarchical path (its levels under `hierarchical`) says so beside the method:
 * "method kcenter (hierarchical, 2 levels), selected 32".
 */
export function describeStageSummary(summary: StageRecord['summary']): string {
  const { hierarchical, ...rest } = summary ?? {};
  return Object.entries(rest)
    .map(([key, value]) =>
      key === 'method' && hierarchical !== undefined
        ? `method ${selectionLabel(String(value), { levels: Number(hierarchical) })}`
        : `${SUMMARY_LABELS[key] ?? key} ${value}`,
    )
    .join(', ');
}

export interface RunRecord {
  version: 1;
  id: string;
  createdAt: string;
  /** The config file the run was made from, if any, and the config as it was then. */
  configPath?: string;
  config: Record<string, unknown>;
  backend?: string;
  stages: Partial<Record<StageName, StageRecord>>;
}

export class RunRecordError extends Error {
  override name = 'RunRecordError';
}

/** Checks a parsed run.json; `file` names it in the error so a user knows what to fix. */
export function parseRunRecord(raw: unknown, file: string): RunRecord {
  const fail = (why: string): never => {
    throw new RunRecordError(`${file}: ${why}. Fix the file or delete the run folder.`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('not a JSON object');
  const r = raw as Record<string, unknown>;
  if (r.version !== 1) fail(`unsupported "version" ${JSON.stringify(r.version)} (expected 1)`);
  if (typeof r.id !== 'string') fail('"id" must be a string');
  if (typeof r.createdAt !== 'string') fail('"createdAt" must be a string');
  if (typeof r.config !== 'object' || r.config === null) fail('"config" must be an object');
  if (typeof r.stages !== 'object' || r.stages === null) fail('"stages" must be an object');
  for (const [name, stage] of Object.entries(r.stages as Record<string, unknown>)) {
    if (!(STAGES as readonly string[]).includes(name)) fail(`unknown stage "${name}"`);
    const status = (stage as { status?: unknown } | null)?.status;
    if (!['pending', 'running', 'done', 'failed', 'cancelled'].includes(status as string))
      fail(`stage "${name}" has an invalid status ${JSON.stringify(status)}`);
  }
  return raw as RunRecord;
}
