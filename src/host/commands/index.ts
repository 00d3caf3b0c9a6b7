/** Every command the extension registers; each lives in its own module. */
import type { HostCommand } from '../services';
import { showEngineInfo } from './showEngineInfo';
import { ingestPool } from './ingest';
import { openEmbeddingMap } from './openEmbeddingMap';
import { openHistogram } from './openHistogram';
import { openTrainingCurves } from './openTrainingCurves';
import { computeUmap } from './computeUmap';
import { computeSampleScores } from './computeSampleScores';
import { openGallery } from './openGallery';
import { showSample } from './showSample';
import { openSegmentation } from './openSegmentation';
import { openSubsetNotebook } from './openSubsetNotebook';
import { pretrainModel } from './pretrain';
import { scoreDifficulty } from './score';
import { proposeKeyPatches } from './propose';
import { runBenchmark } from './runBenchmark';
import { showReport } from './showReport';
import { showShardProgress } from './showShardProgress';
import { selectSubset } from './select';
import { synthesizeSamples } from './synthesize';
import { runPipeline } from './runPipeline';
import { addToPool } from './addToPool';
import { openStageMetrics, runStageAgain, showStageError } from './stageActions';
import { copyRunPath, deleteRun, revealRun } from './runFolderActions';

export const HOST_COMMANDS: readonly HostCommand[] = [
  showEngineInfo,
  ingestPool,
  openEmbeddingMap,
  openHistogram,
  openTrainingCurves,
  computeUmap,
  computeSampleScores,
  openGallery,
  showSample,
  openSegmentation,
  openSubsetNotebook,
  pretrainModel,
  scoreDifficulty,
  proposeKeyPatches,
  runBenchmark,
  showReport,
  showShardProgress,
  selectSubset,
  synthesizeSamples,
  runPipeline,
  addToPool,
  runStageAgain,
  showStageError,
  openStageMetrics,
  deleteRun,
  revealRun,
  copyRunPath,
];
