/** `optidel ingest --config optidel.json --out RUN_DIR`: the pool becomes the run's cache and thumbnails. */
import * as path from 'node:path';
import { ARTIFACTS } from '../../shared/artifacts';
import type { EngineCommand } from '../command';
import { loadConfig } from '../config/loadConfig';
import { ingestPool } from '../pipeline/ingestStage';
import { checkRunFolderOut } from '../../shared/run/node/outFolder';
import { resolveShard, SHARD_OPTION } from '../scale/shard';

export const ingestCommand: EngineCommand<'ingest'> = {
  name: 'ingest',
  summary:
    "Decode the pool named by optidel.json (images, NIfTI/Analyze/MetaImage/NRRD volumes, DICOM) into a run folder's cache",
  options: [
    { name: 'config', type: 'string', required: true, description: 'the optidel.json to read' },
    {
      name: 'out',
      type: 'string',
      required: true,
      description: 'the run folder: new, empty or an OptiDEL run (an unchanged pool is not decoded again)',
    },
    SHARD_OPTION,
  ],
  async run(args, ctx) {
    const runDir = checkRunFolderOut(args.out);
    const shard = resolveShard(args.shard, process.env, 'ingest');
    const loaded = await loadConfig(args.config);
    const summary = await ingestPool(loaded, runDir, ctx, shard);
    return { runDir, ...summary };
  },
  describe(r) {
    const lines = [
      `${r.samples} samples from ${r.sources} sources in ${r.seconds.toFixed(1)} s${r.cached ? ' (unchanged pool: cache reused)' : ''}`,
      `${r.emptySlicesSkipped} empty slices skipped`,
    ];
    if (r.skipped.length)
      lines.push(`${r.skipped.length} skipped:`, ...r.skipped.map((s) => `  ${s.path}: ${s.reason}`));
    if (r.metadata?.columns.length)
      lines.push(
        `metadata columns: ${r.metadata.columns.join(', ')}${r.metadata.problems ? ` (${r.metadata.problems} rows or files not used, see ${ARTIFACTS.metadata})` : ''}`,
      );
    lines.push(
      r.shard
        ? `shard ${r.shard}: wrote ${r.files?.join(', ') || 'nothing'}`
        : `cache: ${path.join(r.runDir, 'cache')}`,
    );
    return lines.join('\n');
  },
};
