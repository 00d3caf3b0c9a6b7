/** `optidel sample --run R --sample ID`: one sample's source at full resolution (the sample view's data). */
import type { SampleResult } from '../../shared/commands';
import type { EngineCommand } from '../command';
import { serveSample } from '../curation/sampleView';
import { writeDataFile } from '../data/formats/niftiWriter';
import { existingRunDir } from '../model/runSettings';

export const sampleCommand: EngineCommand<'sample'> = {
  name: 'sample',
  summary: 'One sample at full resolution: the slab of its volume around its slice, its window, key patches and mask',
  options: [
    { name: 'run', type: 'string', required: true, description: 'run folder (ingest done)' },
    {
      name: 'sample',
      type: 'integer',
      required: true,
      description: 'sample id (as in the gallery and cache/index.json)',
    },
    {
      name: 'out',
      type: 'string',
      description: 'write the slab as OUT.nii (with OUT-mask.nii and OUT-patches.nii where there are some)',
    },
  ],
  async run(args) {
    const served = await serveSample(existingRunDir('sample', args.run), args.sample);
    if (!args.out) return served;
    const files: Array<[string, string | undefined]> = [
      [`${args.out}.nii`, served.nifti],
      [`${args.out}-mask.nii`, served.mask?.nifti],
      [`${args.out}-patches.nii`, served.patchesNifti],
    ];
    const written: string[] = [];
    for (const [file, base64] of files) {
      if (base64 === undefined) continue;
      await writeDataFile(file, Buffer.from(base64, 'base64'));
      written.push(file);
    }
    return { ...served, written };
  },
  describe(r: SampleResult) {
    const axis = ['sagittal', 'coronal', 'axial'][r.axis];
    return [
      `sample ${r.id}: ${r.source} (${r.kind}${r.frame !== undefined ? `, frame ${r.frame}` : ''})`,
      `  ${r.dims.join(' x ')} voxels of ${r.spacing.map((s) => s.toFixed(2)).join(' x ')} mm, ` +
        `${axis} slices ${r.slab.first}..${r.slab.first + r.slab.count - 1} of ${r.slab.total}`,
      `  window L${r.window.level.toFixed(1)} W${r.window.width.toFixed(1)} (${r.window.label})`,
      `  ${r.keyPatches.length} key patch(es)${r.mask ? `, mask from downstream "${r.mask.dataset}"` : ''}`,
      ...r.notes.map((n) => `  note: ${n}`),
      ...(r.written ?? []).map((f) => `  wrote ${f}`),
    ].join('\n');
  },
};
