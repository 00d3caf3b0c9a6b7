/**
 * `optidel export --what subset`, `--what scores` and `--what encoder`: the exports for users' own training
 * code (docs/interop.md). The notebook export stays in commands/export.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CommandContext } from '../command';
import { UsageError } from '../command';
import type { ExportArgs, ExportResult } from '../../shared/commands';
import { writeFileAtomic } from '../../shared/node/atomicFile';
import { selectBackend } from '../backends/select';
import { checkpointDir } from '../model/checkpoint';
import { MaeModel } from '../model/mae';
import { existingRunDir } from '../model/runSettings';
import { lastSelectedMethod } from '../pipeline/runArtifacts';
import { runRecordOrUndefined } from '../pipeline/stageSettings';
import { encoderSafetensors } from './encoderExport';
import { writeScoresFiles } from './scoresExport';
import { totalBytes, writeSubsetFiles } from './subsetFiles';
import { type SubsetImagesRequest, writeSubsetImages } from './subsetImages';
import { vouchedPoolFiles } from '../data/vouchedSources';
import { appendAll } from '../../shared/appendAll';

export async function exportSubset(args: ExportArgs, ctx: CommandContext): Promise<ExportResult> {
  const runDir = existingRunDir('export', args.run);
  // The selection the training stage would use: the one asked for, else the last one selected.
  const method = args.method ?? lastSelectedMethod((await runRecordOrUndefined(runDir))?.stages.select?.summary);
  if (!method)
    throw new UsageError(
      `export: no selection in ${runDir} yet; run "optidel select --run ${args.run} --method NAME" or pass --method`,
    );
  ctx.progress('export', 0, 1, `writing the ${method} subset`);
  // Before anything is written: an export that cannot vouch for its sources writes nothing.
  const images: SubsetImagesRequest | undefined =
    args.images === 'source'
      ? { format: 'source', link: args.link ?? false, vouched: await vouchedPoolFiles(runDir, 'export') }
      : args.images && { format: args.images };
  const outDir = path.resolve(args.out);
  const { subset, files } = await writeSubsetFiles(runDir, outDir, method, (message) => ctx.log('warn', message));
  if (images) {
    ctx.progress('export', 0, 1, `writing the subset's images (${images.format})`);
    const written = await writeSubsetImages(runDir, outDir, subset, images, ctx);
    appendAll(files, written.files);
    appendAll(subset.skipped, written.skipped);
  }
  for (const s of subset.skipped) ctx.log('warn', `skipped ${s.path}: ${s.reason}`);
  const bytes = await totalBytes(files);
  ctx.progress('export', 1, 1);
  return {
    what: 'subset',
    file: outDir,
    files,
    method,
    methods: [method],
    samples: subset.rows.length,
    thumbnails: 0,
    bytes,
    skipped: subset.skipped,
  };
}

export async function exportScores(args: ExportArgs, ctx: CommandContext): Promise<ExportResult> {
  const runDir = existingRunDir('export', args.run);
  ctx.progress('export', 0, 1, 'writing the scores');
  const outDir = path.resolve(args.out);
  const scores = await writeScoresFiles(runDir, outDir);
  for (const s of scores.skipped) ctx.log('warn', `skipped ${s.path}: ${s.reason}`);
  ctx.progress('export', 1, 1);
  return {
    what: 'scores',
    file: outDir,
    files: scores.files,
    method: '',
    methods: scores.methods,
    samples: scores.samples,
    thumbnails: 0,
    bytes: scores.bytes,
    skipped: scores.skipped,
  };
}

export async function exportEncoder(args: ExportArgs, ctx: CommandContext): Promise<ExportResult> {
  const runDir = existingRunDir('export', args.run);
  const out = path.resolve(args.out);
  if (!out.endsWith('.safetensors'))
    throw new UsageError(`export: --out ${args.out} must name a .safetensors file, e.g. --out encoder.safetensors`);
  // The compact-set model when the run trained one, else the foundation model: finetune's choice.
  const checkpoint = args.checkpoint ?? (fs.existsSync(checkpointDir(runDir, 'train')) ? 'train' : 'pretrain');
  const dir = checkpointDir(runDir, checkpoint);
  if (!fs.existsSync(dir))
    throw new UsageError(
      `export: no checkpoint ${dir}; run "optidel pretrain --run ${args.run}" (or "optidel run") first`,
    );
  await selectBackend(ctx.backendPreference);
  ctx.progress('export', 0, 1, `reading ${dir}`);
  const model = await MaeModel.load(dir);
  try {
    const file = await encoderSafetensors(model, dir);
    await writeFileAtomic(out, file.bytes);
    ctx.progress('export', 1, 1);
    return {
      what: 'encoder',
      file: out,
      files: [out],
      method: '',
      methods: [],
      samples: 0,
      thumbnails: 0,
      bytes: file.bytes.byteLength,
      skipped: [],
      encoder: { checkpoint: dir, tensors: file.tensors, parameters: file.parameters },
    };
  } finally {
    model.dispose();
  }
}
