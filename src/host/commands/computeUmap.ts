/** "OptiDEL: Compute UMAP Layout": a seeded UMAP of a scored run's embeddings, the embedding map's second layout. */
import { stageCommand } from './pretrain';

export const computeUmap = stageCommand(
  'optidel.computeUmap',
  'umap',
  'score',
  (run) => ({ run }),
  (r) =>
    `UMAP layout of ${r.samples} samples in ${r.seconds.toFixed(1)} s; choose "UMAP" under Layout in the embedding map`,
  'OptiDEL: Compute UMAP layout',
);
