/**
 * Subset payloads for the renderer tests, made from numbers (no run folder): clusters in the
 * embedding, difficulty growing along x, the hardest fifth selected by "optidel", every tenth by
 * "random", and a small greyscale PNG thumbnail for the first `thumbnails` samples.
 */
import type { SubsetPayload, SubsetSample } from '../../../src/shared/subsetPayload';
import { encodePng } from '../../fixtures/png';

export function makePayload(n: number, options: { thumbnails?: number; runDir?: string } = {}): SubsetPayload {
  const thumbnails = options.thumbnails ?? Math.min(n, 40);
  const samples: SubsetSample[] = [];
  let selectedCount = 0;
  for (let i = 0; i < n; i++) {
    const cluster = i % 4;
    const angle = (i * 2.399) % (2 * Math.PI);
    const radius = 0.5 + ((i * 7919) % 100) / 100;
    const x = [-3, 3, -3, 3][cluster]! + radius * Math.cos(angle);
    const y = [-3, -3, 3, 3][cluster]! + radius * Math.sin(angle);
    const difficulty = Number((0.01 + 0.002 * (x + 4) + 0.0005 * (i % 7)).toFixed(6));
    const optidel = i % 5 === 0 && cluster !== 2;
    const random = i % 10 === 3;
    if (optidel) selectedCount++;
    const sample: SubsetSample = {
      id: i,
      difficulty,
      embedding: [Number(x.toFixed(4)), Number(y.toFixed(4))],
      selected: optidel,
      selectedBy: [...(optidel ? ['optidel'] : []), ...(random ? ['random'] : [])],
      provenance: {
        source: `/data/ct/patient-${String(cluster + 1).padStart(2, '0')}.nii.gz`,
        axis: 2,
        slice: i,
        originalSize: [512, 512],
        intensity: 'ct-window L40 W400',
      },
    };
    if (i < thumbnails) sample.thumbnail = thumbnailFor(i);
    samples.push(sample);
  }
  return {
    version: 1,
    title: `Test subset of ${n}`,
    run: { id: 'run-test', dir: options.runDir ?? '/work/runs/run-test' },
    summary: {
      poolSize: n,
      budget: 0.2,
      method: 'optidel',
      selectedCount,
      methods: ['optidel', 'random'],
      vInformation: { hYEmpty: 1.25, hYGivenX: 0.75, value: 0.5 },
      seed: 1,
    },
    samples,
  };
}

/** A 24 px image whose bright disc moves with the sample id, as a PNG data URL. */
export function thumbnailFor(id: number, size = 24): string {
  const pixels = new Uint8Array(size * size);
  const cx = 4 + ((id * 5) % (size - 8));
  const cy = 4 + ((id * 3) % (size - 8));
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside = (x - cx) ** 2 + (y - cy) ** 2 < 16;
      pixels[y * size + x] = inside ? 230 : 40 + (y * 80) / size;
    }
  }
  return `data:image/png;base64,${encodePng(size, size, 1, pixels).toString('base64')}`;
}
