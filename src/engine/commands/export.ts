/**
 * `optidel export`: a run's selected subset as a notebook whose output the OptiDEL renderer draws
 * (the default), or with --what subset / encoder the files users train with elsewhere.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EngineCommand } from '../command';
import { kebab, throwIfCancelled, UsageError } from '../command';
import { writeFileAtomic } from '../../shared/node/atomicFile';
import { parseSubsetPayload } from '../../shared/subsetPayload';
import { EXPORT_DEFAULTS, subsetPayloadFromRun } from '../export/subsetPayloadFromRun';
import { subsetNotebookText } from '../export/notebook';
import { exportEncoder, exportScores, exportSubset } from '../export/trainingExports';
import { EXPORT_KINDS, SUBSET_IMAGE_FORMATS } from '../../shared/commands';

export const exportCommand: EngineCommand<'export'> = {
  name: 'export',
  summary:
    "Write a run's selected subset as a notebook the OptiDEL renderer shows, as training files, or its encoder for PyTorch",
  options: [
    { name: 'run', type: 'string', required: true, description: 'run folder with ingest, score and select done' },
    {
      name: 'what',
      type: 'string',
      choices: EXPORT_KINDS,
      description:
        'notebook (default); subset: subset.txt, subset.csv, datalist.json; scores: scores.csv and .npy arrays; ' +
        'encoder: timm-style .safetensors',
    },
    {
      name: 'format',
      type: 'string',
      choices: ['ipynb', 'json'],
      description: 'notebook: ipynb (default) or json (the payload alone)',
    },
    {
      name: 'out',
      type: 'string',
      required: true,
      description: 'file to write (notebook, encoder) or folder (subset, scores)',
    },
    {
      name: 'method',
      type: 'string',
      description:
        'notebook: selection shown first (default optidel, else the latest); subset: the one exported (default the last selected)',
    },
    {
      name: 'checkpoint',
      type: 'string',
      description: 'encoder: model under checkpoints/ (default train, else pretrain)',
    },
    {
      name: 'images',
      type: 'string',
      choices: SUBSET_IMAGE_FORMATS,
      description:
        'subset: also an images/ folder: png or nifti (each slice as cached, generated samples too), or source (the files)',
    },
    { name: 'link', type: 'boolean', description: 'subset with --images source: symbolic links instead of copies' },
    {
      name: 'maxSamples',
      type: 'integer',
      description: `pool samples included at most (default ${EXPORT_DEFAULTS.maxSamples}; every selected one is kept)`,
    },
    {
      name: 'thumbnails',
      type: 'integer',
      description: `thumbnails embedded at most (default ${EXPORT_DEFAULTS.maxThumbnails})`,
    },
    {
      name: 'thumbnailSize',
      type: 'integer',
      description: `thumbnail side in pixels (default ${EXPORT_DEFAULTS.thumbnailSize}, at most 96)`,
    },
    {
      name: 'relativePaths',
      type: 'boolean',
      description:
        "notebook: name sources from the config's folder and the run from the written file's folder, not by absolute paths",
    },
    {
      name: 'stripPaths',
      type: 'boolean',
      description: 'notebook: write no paths: sources become opaque ids (source-0001), the run is not named',
    },
  ],
  async run(args, ctx) {
    const what = args.what ?? 'notebook';
    // The path options too: a CSV or datalist that silently kept the paths would be worse than a refusal.
    const notebookOnly = (
      ['format', 'maxSamples', 'thumbnails', 'thumbnailSize', 'relativePaths', 'stripPaths'] as const
    ).find((k) => args[k] !== undefined && args[k] !== false);
    if (notebookOnly && what !== 'notebook')
      throw new UsageError(`export: --${kebab(notebookOnly)} applies to --what notebook only`);
    if (args.images !== undefined && what !== 'subset')
      throw new UsageError('export: --images applies to --what subset only');
    if (args.link && args.images !== 'source')
      throw new UsageError('export: --link applies to --images source only (slices are written, not linked)');
    if (args.checkpoint !== undefined && what !== 'encoder')
      throw new UsageError('export: --checkpoint applies to --what encoder only');
    if (args.method !== undefined && what === 'encoder') {
      throw new UsageError('export: --method does not apply to --what encoder; pick the model with --checkpoint');
    }
    if (args.method !== undefined && what === 'scores')
      throw new UsageError('export: --method does not apply to --what scores: every selection is exported');
    if (what === 'subset') return exportSubset(args, ctx);
    if (what === 'encoder') return exportEncoder(args, ctx);
    if (what === 'scores') return exportScores(args, ctx);
    const format = args.format ?? 'ipynb';
    const runDir = path.resolve(args.run);
    if (!fs.existsSync(runDir)) throw new UsageError(`export: run folder ${runDir} does not exist`);
    if (args.thumbnailSize !== undefined && (args.thumbnailSize < 4 || args.thumbnailSize > 96))
      throw new UsageError('export: --thumbnail-size must be between 4 and 96');
    if (args.thumbnails !== undefined && args.thumbnails < 0)
      throw new UsageError('export: --thumbnails must be 0 or more');
    if (args.maxSamples !== undefined && args.maxSamples < 1)
      throw new UsageError('export: --max-samples must be at least 1');
    if (args.relativePaths && args.stripPaths) {
      throw new UsageError('export: give --relative-paths or --strip-paths, not both');
    }
    const out = path.resolve(args.out);
    const skipped: Array<{ path: string; reason: string }> = [];
    ctx.progress('export', 0, 2, 'reading the run');
    const payload = await subsetPayloadFromRun(runDir, {
      method: args.method,
      maxSamples: args.maxSamples,
      maxThumbnails: args.thumbnails,
      thumbnailSize: args.thumbnailSize,
      paths: args.stripPaths ? 'strip' : args.relativePaths ? 'relative' : 'absolute',
      outFile: out,
      onSkip: (file, reason) => {
        skipped.push({ path: file, reason });
        ctx.log('warn', `skipped ${file}: ${reason}`);
      },
    });
    throwIfCancelled(ctx.signal);
    // What we write must be what the renderer accepts: check it with the renderer's own validator.
    parseSubsetPayload(JSON.parse(JSON.stringify(payload)));
    ctx.progress('export', 1, 2, 'writing');
    const text = format === 'ipynb' ? subsetNotebookText(payload) : `${JSON.stringify(payload)}\n`;
    await writeFileAtomic(out, text);
    ctx.progress('export', 2, 2);
    return {
      what,
      file: out,
      files: [out],
      format,
      method: payload.summary.method,
      methods: payload.summary.methods ?? [payload.summary.method],
      samples: payload.samples.length,
      thumbnails: payload.samples.filter((s) => s.thumbnail).length,
      bytes: Buffer.byteLength(text),
      skipped,
    };
  },
  describe(r) {
    const skipped = r.skipped.map((s) => `skipped ${s.path}: ${s.reason}`);
    const names = r.files.map((f) => path.basename(f));
    const written =
      names.length > 8 ? `${names.slice(0, 6).join(', ')} and ${names.length - 6} more` : names.join(', ');
    if (r.what === 'subset')
      return [`wrote the ${r.method} subset (${r.samples} samples) to ${r.file}: ${written}`, ...skipped].join('\n');
    if (r.what === 'scores')
      return [
        `wrote the scores of ${r.samples} samples (selections: ${r.methods.join(', ')}) to ${r.file}: ${written}`,
        ...skipped,
      ].join('\n');
    if (r.what === 'encoder') {
      const e = r.encoder!;
      return `wrote ${r.file} (${(r.bytes / 1024).toFixed(0)} KiB): ${e.tensors} tensors, ${e.parameters} parameters from ${e.checkpoint}`;
    }
    return [
      `wrote ${r.file} (${r.format}, ${(r.bytes / 1024).toFixed(0)} KiB): ${r.samples} samples, ${r.thumbnails} thumbnails`,
      `methods: ${r.methods.join(', ')} (shown first: ${r.method})`,
      ...skipped,
    ].join('\n');
  },
};
