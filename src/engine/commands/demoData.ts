/** `optidel demo-data --out DIR [--size tiny|small|default]`: the synthetic demo data set and its optidel.json. */
import * as path from 'node:path';
import type { EngineCommand } from '../command';
import { writeDemoData } from '../data/demo';

export const demoDataCommand: EngineCommand<'demo-data'> = {
  name: 'demo-data',
  summary: 'Write a synthetic CT/MRI/X-ray data set (NIfTI, PNG, label maps) and an optidel.json for it',
  options: [
    { name: 'out', type: 'string', required: true, description: 'folder to write into' },
    {
      name: 'size',
      type: 'string',
      choices: ['tiny', 'small', 'default'],
      description: 'tiny (tests), small (the demo benchmark) or default',
    },
    { name: 'seed', type: 'integer', description: 'random seed (default 0)' },
    {
      name: 'imageSize',
      type: 'integer',
      description: 'imageSize written into optidel.json (default 32 for tiny/small, 64 for default)',
    },
  ],
  async run(args, ctx) {
    const started = performance.now();
    const size = args.size ?? 'default';
    ctx.log('info', `writing the ${size} demo data set to ${path.resolve(args.out)}`);
    const result = await writeDemoData(path.resolve(args.out), {
      size,
      seed: args.seed ?? 0,
      imageSize: args.imageSize,
    });
    return { ...result, seconds: (performance.now() - started) / 1000 };
  },
  describe(r) {
    return `${r.files} files written in ${r.seconds.toFixed(1)} s\nconfig: ${r.configFile}\nnext: optidel ingest --config ${r.configFile} --out <run folder>`;
  },
};
