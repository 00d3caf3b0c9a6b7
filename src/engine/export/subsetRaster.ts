/**
 * The notebook output's `image/png` fallback, for viewers that show no HTML: the embedding map
 * (left) and the difficulty histogram (right) as one greyscale PNG, the subset in black over the
 * pool in grey, laid out as the HTML's charts (subsetCharts.ts). Drawn pixel by pixel, so it needs
 * no image library.
 */
import type { SubsetSample } from '../../shared/subsetPayload';
import { encodeGrayPng } from '../data/formats/png';
import { histogram, PANEL, scatterPoints } from './subsetCharts';

export const RASTER_GREYS = { background: 255, pool: 170, poolBar: 200, subset: 0 } as const;

export function subsetPng(samples: readonly SubsetSample[]): Buffer {
  const width = 2 * PANEL.width;
  const height = PANEL.height;
  const pixels = new Uint8Array(width * height).fill(RASTER_GREYS.background);
  const fill = (x0: number, y0: number, w: number, h: number, value: number) => {
    for (let y = Math.max(0, y0); y < Math.min(height, y0 + h); y++)
      for (let x = Math.max(0, x0); x < Math.min(width, x0 + w); x++) pixels[y * width + x] = value;
  };
  for (const p of scatterPoints(samples))
    fill(Math.round(p.x) - 2, Math.round(p.y) - 2, 5, 5, p.selected ? RASTER_GREYS.subset : RASTER_GREYS.pool);
  const { every, chosen } = histogram(samples);
  const top = Math.max(1, ...every);
  const bar = Math.floor(PANEL.width / PANEL.bins);
  every.forEach((count, k) => {
    for (const [c, value] of [
      [count, RASTER_GREYS.poolBar],
      [chosen[k]!, RASTER_GREYS.subset],
    ] as const) {
      const h = Math.round(((height - 20) * c) / top);
      fill(PANEL.width + k * bar, height - 14 - h, bar - 1, h, value);
    }
  });
  return encodeGrayPng(pixels, width, height);
}
