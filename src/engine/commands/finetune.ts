/**
 * `optidel finetune --run RUN_DIR`: the pipeline's last stage. The run's pre-trained encoder
 * (checkpoints/train, the compact-set model, else checkpoints/pretrain) is fine-tuned on every
 * downstream data set of the run's config and scored on its test split. Results go to run.json
 * (stage `finetune`) and metrics/finetune.jsonl. The config is the one given with --config, else the
 * run's own config.json: the configPath run.json records is never followed (a shared run folder
 * could name any file there).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EngineCommand } from '../command';
import { throwIfCancelled, UsageError } from '../command';
import { ARTIFACTS, metricsFile } from '../../shared/artifacts';
import { resolveInRun } from '../../shared/run/node/contain';
import { selectBackend } from '../backends/select';
import { loadConfig } from '../config/loadConfig';
import { loadSegmentationDataset } from '../data/segmentation';
import { describeSplit } from '../data/splitReport';
import { checkpointDir } from '../model/checkpoint';
import { MaeModel } from '../model/mae';
import { existingRunDir } from '../model/runSettings';
import { runStage } from '../runStage';
import { fineTune } from '../downstream/finetune';
import { FINETUNE_ARG_OPTIONS, finetuneOptions } from './finetuneArgs';

export const finetuneCommand: EngineCommand<'finetune'> = {
  name: 'finetune',
  summary: "Fine-tune a segmentation head on the run's pre-trained encoder for every downstream data set and score it",
  options: [
    {
      name: 'run',
      type: 'string',
      required: true,
      description: 'run folder with a pre-trained encoder (train or pretrain stage done)',
    },
    {
      name: 'config',
      type: 'string',
      description: "the optidel.json naming the downstream data sets (default: the run's config.json)",
    },
    { name: 'checkpoint', type: 'string', description: 'checkpoint under checkpoints/ (default train, else pretrain)' },
    ...FINETUNE_ARG_OPTIONS,
    { name: 'seed', type: 'integer', description: 'seed of the head and the batches (default: the config seed)' },
  ],
  async run(args, ctx) {
    const runDir = existingRunDir('finetune', args.run);
    const fix = `pass --config optidel.json, or run "optidel ingest --config optidel.json --out ${args.run}" first`;
    const runConfig = resolveInRun(runDir, ARTIFACTS.config, { fix });
    if (!args.config && !fs.existsSync(runConfig)) throw new UsageError(`finetune: ${runConfig} is missing; ${fix}`);
    const loaded = await loadConfig(args.config ?? runConfig);
    if (loaded.config.downstream.length === 0)
      throw new UsageError(`finetune: ${loaded.file} lists no "downstream" data sets`);
    const checkpoint = args.checkpoint ?? (fs.existsSync(checkpointDir(runDir, 'train')) ? 'train' : 'pretrain');
    if (!fs.existsSync(checkpointDir(runDir, checkpoint)))
      throw new UsageError(
        `finetune: no checkpoint ${checkpointDir(runDir, checkpoint)}; run "optidel pretrain --run ${args.run}" (or "optidel run") first`,
      );
    const { backend } = await selectBackend(ctx.backendPreference);
    const options = { ...finetuneOptions('finetune', args), seed: args.seed ?? loaded.config.seed };
    return runStage(runDir, 'finetune', ctx, backend, async () => {
      const started = performance.now();
      const model = await MaeModel.load(checkpointDir(runDir, checkpoint));
      const metrics: string[] = [];
      const datasets = [];
      try {
        for (const entry of loaded.config.downstream) {
          throwIfCancelled(ctx.signal);
          const data = await loadSegmentationDataset(loaded, entry.name, {
            seed: loaded.config.seed,
            maxTrain: args.maxTrain,
          });
          ctx.log('info', `finetune: ${describeSplit(data.split)}`);
          const r = await fineTune(model, data, options, {
            signal: ctx.signal,
            onStep: (step, steps, loss) =>
              ctx.progress(`finetune ${data.name}`, step, steps, `loss ${loss.toFixed(3)}`),
          });
          const scores = {
            name: data.name,
            classes: data.classes,
            mIoU: r.test.mIoU,
            mIoUWithBackground: r.test.mIoUWithBackground,
            dice: r.test.meanDice,
            perClassIoU: r.test.iou.map((v) => (Number.isFinite(v) ? v : null)),
            steps: r.stepsRun,
            bestStep: r.bestStep,
          };
          datasets.push(scores);
          ctx.metric('finetune', `${data.name}/mIoU`, r.test.mIoU);
          const time = new Date().toISOString();
          for (const [name, value] of [
            ['mIoU', r.test.mIoU],
            ['mIoUWithBackground', r.test.mIoUWithBackground],
            ['dice', r.test.meanDice],
          ] as const)
            metrics.push(
              JSON.stringify({
                step: r.bestStep,
                name: `${data.name}/${name}`,
                value: Number.isFinite(value) ? value : null,
                time,
              }),
            );
        }
      } finally {
        model.dispose();
      }
      await fs.promises.mkdir(path.join(runDir, ARTIFACTS.metricsDir), { recursive: true });
      await fs.promises.writeFile(path.join(runDir, metricsFile('finetune')), `${metrics.join('\n')}\n`);
      const result = {
        checkpoint,
        mode: options.mode,
        head: options.head,
        datasets,
        seconds: (performance.now() - started) / 1000,
      };
      return {
        result,
        summary: Object.fromEntries(
          datasets.map((d) => [`${d.name} mIoU`, Number.isFinite(d.mIoU) ? Number(d.mIoU.toFixed(4)) : '–']),
        ),
      };
    });
  },
  describe(r) {
    const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '–');
    return [
      `fine-tuned ${r.checkpoint} (${r.mode}, ${r.head} head) in ${r.seconds.toFixed(0)} s; test mIoU without background:`,
      ...r.datasets.map(
        (d) => `  ${d.name}: ${pct(d.mIoU)} (with background ${pct(d.mIoUWithBackground)}, Dice ${pct(d.dice)})`,
      ),
    ].join('\n');
  },
};
