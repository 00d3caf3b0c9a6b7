/**
 * From decoded sources to model-ready samples: volumes are cut along the configured axes (every
 * frame of a 4D file unless told otherwise), intensities mapped once per source, empty slices
 * dropped and counted, and what remains resized into the square.
 */
import type { Provenance } from '../../shared/artifacts';
import type { IntensitySettings } from '../../shared/config';
import type { IntensityMapping } from './intensity';
import { applyIntensity, chooseIntensity, isEmptySlice, strideSample } from './intensity';
import { resizeIntoSquare } from './resize';
import type { Volume, WorldAxis } from './volume';
import { hasNonFinite, orientationOf, planSlices } from './volume';
import type { InputLimits } from './formats/errors';
import { UnusableFileError } from './formats/errors';

export interface SampleOptions extends InputLimits {
  imageSize: number;
  axes: WorldAxis[];
  intensity?: IntensitySettings;
  emptyFraction: number;
  frames: 'all' | 'first';
}

export type EmitSample = (pixels: Float32Array, provenance: Provenance) => Promise<void>;

/** Values sampled for percentiles and the CT test; enough for stable 0.5/99.5 percentiles. */
const INTENSITY_SAMPLE = 262_144;

export function volumeIntensity(volume: Volume, settings: IntensitySettings | undefined): IntensityMapping {
  const { voxels, slope, intercept } = volume;
  const sample = strideSample(voxels.length, INTENSITY_SAMPLE, (i) => voxels[i] * slope + intercept);
  return chooseIntensity(settings, {
    modality: volume.hints.modality,
    headerWindow: volume.hints.window,
    eightBit: volume.hints.eightBit,
    sample,
  });
}

/** Emits every non-empty slice of `volume`; returns how many empty slices were skipped. */
export async function sliceVolume(
  volume: Volume,
  source: string,
  options: SampleOptions,
  emit: EmitSample,
  checkCancelled: () => void,
): Promise<number> {
  if (hasNonFinite(volume.voxels))
    throw new UnusableFileError(`${source}: contains NaN or infinite voxels; fix or remove them`);
  const mapping = volumeIntensity(volume, options.intensity);
  const orientation = orientationOf(volume.axes);
  const frames = options.frames === 'first' ? 1 : volume.frames;
  const out = new Float32Array(options.imageSize * options.imageSize);
  let empty = 0;
  for (const axis of options.axes) {
    const plan = planSlices(volume, axis, orientation);
    const slice = new Float32Array(plan.width * plan.height);
    for (let frame = 0; frame < frames; frame++) {
      for (let index = 0; index < plan.count; index++) {
        checkCancelled();
        plan.extract(index, frame, slice);
        applyIntensity(slice, mapping);
        if (isEmptySlice(slice, options.emptyFraction)) {
          empty++;
          continue;
        }
        resizeIntoSquare(slice, plan.width, plan.height, options.imageSize, out, plan.pixelSpacing);
        await emit(out, {
          source,
          axis,
          slice: index,
          ...(volume.frames > 1 ? { frame } : {}),
          originalSize: [plan.width, plan.height],
          intensity: mapping.label,
        });
      }
    }
  }
  return empty;
}
