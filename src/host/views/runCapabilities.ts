/**
 * What a run in the Runs view can do, as the context values its menus test: a run offers a view
 * or a stage only once the stage it needs is done ("Embedding Map" after scoring, "Show Report"
 * after a benchmark), and a stage offers "run again", its error and its metrics when it has them.
 * Free of `vscode`: the tree computes the facts, the manifest's `when` clauses test the tokens,
 * and test/unit/host/manifest.test.ts checks that the two agree.
 */
import type { RunRecord, StageName } from '../../shared/runRecord';
import { interruptedStages } from '../../shared/node/runStore';

export const RUN_ITEM = 'optidel.run';
export const STAGE_ITEM = 'optidel.stage';

/** A token meaning "stage S is done" in a run item's context value. */
export function doneToken(stage: StageName): string {
  return `${stage}-done`;
}
/** The run holds a benchmark report (bench/report.md and report.json). */
export const BENCHMARKED = 'benchmarked';
/** A stage of the run is running in a live engine. */
export const RUNNING = 'running';
/** No stage is running: the run may be deleted. */
export const IDLE = 'idle';
/** run.json could not be read: only the folder actions apply. */
export const UNREADABLE = 'unreadable';

/** Stage item tokens: it can run again, it has an error to show, it has a metrics file (a run item too: some training logged). */
export const RERUN = 'rerun';
export const HAS_ERROR = 'error';
export const HAS_METRICS = 'metrics';

/** Each run command of the Runs view and the token its run item needs. */
export const RUN_COMMAND_NEEDS: Readonly<Record<string, string>> = {
  'optidel.pretrain': doneToken('ingest'),
  'optidel.score': doneToken('pretrain'),
  'optidel.propose': doneToken('score'),
  'optidel.select': doneToken('score'),
  'optidel.synthesize': doneToken('select'),
  'optidel.openGallery': doneToken('ingest'),
  'optidel.openHistogram': doneToken('score'),
  'optidel.openEmbeddingMap': doneToken('score'),
  'optidel.openSubsetNotebook': doneToken('select'),
  'optidel.openSegmentation': BENCHMARKED,
  'optidel.openTrainingCurves': HAS_METRICS,
  'optidel.computeUmap': doneToken('score'),
  'optidel.computeSampleScores': doneToken('score'),
  'optidel.showReport': BENCHMARKED,
};

/** The host command that runs each stage again on its run folder (ingest makes a new run instead). */
export const STAGE_COMMANDS: Readonly<Partial<Record<StageName, string>>> = {
  pretrain: 'optidel.pretrain',
  score: 'optidel.score',
  propose: 'optidel.propose',
  select: 'optidel.select',
  synthesize: 'optidel.synthesize',
};

export interface RunFacts {
  record?: RunRecord;
  /** bench/report.md exists in the run folder. */
  benchmarked: boolean;
  /** metrics/ exists: some training has logged (the curves view follows it live). */
  hasMetrics?: boolean;
}

export function runContextValue({ record, benchmarked, hasMetrics }: RunFacts): string {
  if (!record) return `${RUN_ITEM} ${UNREADABLE} ${IDLE}`;
  const tokens = [RUN_ITEM];
  for (const [stage, s] of Object.entries(record.stages)) {
    if (s?.status === 'done') tokens.push(doneToken(stage as StageName));
  }
  if (benchmarked) tokens.push(BENCHMARKED);
  if (hasMetrics) tokens.push(HAS_METRICS);
  tokens.push(runningStages(record).length > 0 ? RUNNING : IDLE);
  return tokens.join(' ');
}

/** Stages of the run that a live engine is running now (those left "running" by a dead one are interrupted). */
export function runningStages(record: RunRecord): StageName[] {
  const interrupted = interruptedStages(record);
  return (Object.keys(record.stages) as StageName[]).filter(
    (stage) => record.stages[stage]?.status === 'running' && !interrupted.includes(stage),
  );
}

export interface StageFacts {
  record: RunRecord;
  stage: StageName;
  /** metrics/<stage>.jsonl exists in the run folder. */
  hasMetrics: boolean;
}

/** The status the Runs view shows: a stage left "running" by an engine that no longer exists was interrupted. */
export function shownStatus(record: RunRecord, stage: StageName): string {
  return interruptedStages(record).includes(stage) ? 'interrupted' : (record.stages[stage]?.status ?? 'pending');
}

export function stageContextValue({ record, stage, hasMetrics }: StageFacts): string {
  const status = shownStatus(record, stage);
  const tokens = [STAGE_ITEM, stage, status];
  if (STAGE_COMMANDS[stage] && status !== 'running') tokens.push(RERUN);
  if (record.stages[stage]?.error || status === 'interrupted') tokens.push(HAS_ERROR);
  if (hasMetrics) tokens.push(HAS_METRICS);
  return tokens.join(' ');
}

/** What "Show Error" says for a stage: its recorded error, or why an interrupted stage stopped. */
export function stageError(record: RunRecord, stage: StageName): string | undefined {
  if (shownStatus(record, stage) === 'interrupted') {
    return 'the engine process ended while this stage ran; run it again to resume from its last checkpoint';
  }
  return record.stages[stage]?.error;
}

/** The `when` clause test that a view item's context value holds `token` (the tokens are space-separated). */
export function viewItemHas(item: string, token: string): string {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return `viewItem =~ /^${escape(item)}( .*)? ${escape(token)}( |$)/`;
}

/** The Runs view's badge: the number of stages running, or none. */
export function runningBadge(running: number): { value: number; tooltip: string } | undefined {
  if (running <= 0) return undefined;
  return { value: running, tooltip: running === 1 ? '1 stage running' : `${running} stages running` };
}
