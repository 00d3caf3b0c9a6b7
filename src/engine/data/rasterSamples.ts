/** One 2D image file to one sample (or to none when it is empty), part of the frame sequence its name puts it in. */
import type { Provenance } from '../../shared/artifacts';
import type { IntensitySettings } from '../../shared/config';
import { frameSequence } from './acquisition';
import { applyIntensity, chooseIntensity, isEmptySlice } from './intensity';
import { resizeIntoSquare } from './resize';
import { decodeGray, decodeResized8 } from './formats/raster';

export type RasterOutcome = { pixels: Float32Array; provenance: Provenance } | { empty: true };

export async function rasterSample(
  file: string,
  imageSize: number,
  intensity: IntensitySettings | undefined,
  emptyFraction: number,
  maxPixels: number,
): Promise<RasterOutcome> {
  // Plain 8-bit scaling lets libvips resize while decoding, the cheapest path by far.
  if ((intensity?.mode ?? 'auto') === 'auto') {
    const fast = await decodeResized8(file, imageSize, maxPixels);
    if (fast) {
      const pixels = new Float32Array(fast.pixels.length);
      for (let i = 0; i < pixels.length; i++) pixels[i] = fast.pixels[i] / 255;
      if (isEmptySlice(pixels, emptyFraction)) return { empty: true };
      return {
        pixels,
        provenance: {
          source: file,
          acquisition: frameSequence(file),
          originalSize: fast.originalSize,
          intensity: '8-bit',
        },
      };
    }
  }
  const image = await decodeGray(file, maxPixels);
  const mapping = chooseIntensity(intensity, { eightBit: image.eightBit, sample: image.values });
  applyIntensity(image.values, mapping);
  if (isEmptySlice(image.values, emptyFraction)) return { empty: true };
  const pixels = new Float32Array(imageSize * imageSize);
  resizeIntoSquare(image.values, image.width, image.height, imageSize, pixels);
  return {
    pixels,
    provenance: {
      source: file,
      acquisition: frameSequence(file),
      originalSize: [image.width, image.height],
      intensity: mapping.label,
    },
  };
}
