/**
 * 2D images (PNG, JPEG, TIFF; BMP through our own decoder since libvips has none) decoded to
 * grayscale. `sharp` is loaded on first use only, so the engine starts, and volumes ingest,
 * where the native library is missing.
 */
import type SharpModule from 'sharp';
import { UnusableFileError, checkVoxelLimit } from './errors';
import { decodeBmp, isBmpPath } from './bmp';

type Sharp = typeof SharpModule;
let sharpPromise: Promise<Sharp> | undefined;

export function loadSharp(): Promise<Sharp> {
  sharpPromise ??= import('sharp').then(
    (m) => {
      const sharp = (m as unknown as { default?: Sharp }).default ?? (m as unknown as Sharp);
      // Every file is decoded once: libvips' operation cache would only hold memory.
      sharp.cache(false);
      return sharp;
    },
    (err: unknown) => {
      sharpPromise = undefined;
      throw new Error(`the image library "sharp" could not be loaded (${(err as Error).message}); PNG, JPEG and TIFF files need it: run "npm install sharp" in the extension folder`);
    },
  );
  return sharpPromise;
}

export interface GrayImage {
  width: number;
  height: number;
  /** Real values (0..255 for 8-bit, 0..65535 for 16-bit images). */
  values: Float32Array;
  eightBit: boolean;
}

/** Decodes an image at full resolution to one gray channel (alpha flattened on black). */
export async function decodeGray(file: string, maxPixels: number): Promise<GrayImage> {
  if (isBmpPath(file)) return decodeBmp(file, maxPixels);
  const sharp = await loadSharp();
  try {
    const image = sharp(file, { limitInputPixels: maxPixels, failOn: 'error' });
    const meta = await image.metadata();
    checkVoxelLimit((meta.width ?? 0) * (meta.height ?? 0), maxPixels, file);
    const sixteen = meta.depth === 'ushort' || meta.depth === 'short';
    const { data, info } = await image
      .flatten({ background: '#000000' })
      .toColourspace(sixteen ? 'grey16' : 'b-w')
      .raw({ depth: sixteen ? 'ushort' : 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const samples = sixteen ? new Uint16Array(data.buffer, data.byteOffset, data.length / 2) : data;
    const channels = info.channels;
    const values = new Float32Array(info.width * info.height);
    for (let i = 0; i < values.length; i++) values[i] = samples[i * channels];
    return { width: info.width, height: info.height, values, eightBit: !sixteen };
  } catch (err) {
    throw asUnusable(err, file, maxPixels);
  }
}

/**
 * The fast path for 8-bit images: libvips decodes, converts to gray and resizes in one pass, then
 * pads to the square. Returns undefined for images that need percentile scaling (16-bit).
 */
export async function decodeResized8(file: string, size: number, placement: (w: number, h: number) => { width: number; height: number; left: number; top: number }, maxPixels: number): Promise<{ pixels: Uint8Array; originalSize: [number, number] } | undefined> {
  if (isBmpPath(file)) return undefined;
  const sharp = await loadSharp();
  try {
    const image = sharp(file, { limitInputPixels: maxPixels, failOn: 'error' });
    const meta = await image.metadata();
    if (meta.depth !== 'uchar' && meta.depth !== 'char') return undefined;
    const width = meta.autoOrient?.width ?? meta.width ?? 0;
    const height = meta.autoOrient?.height ?? meta.height ?? 0;
    checkVoxelLimit(width * height, maxPixels, file);
    const place = placement(width, height);
    const { data, info } = await image
      .flatten({ background: '#000000' })
      .toColourspace('b-w')
      .resize(place.width, place.height, { fit: 'fill' })
      .extend({ top: place.top, left: place.left, bottom: size - place.height - place.top, right: size - place.width - place.left, background: '#000000' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.width !== size || info.height !== size) throw new UnusableFileError(`${file}: resized to ${info.width}x${info.height}, expected ${size}x${size}`);
    const pixels = info.channels === 1 ? data : Uint8Array.from({ length: size * size }, (_, i) => data[i * info.channels]);
    return { pixels: new Uint8Array(pixels.buffer, pixels.byteOffset, size * size), originalSize: [width, height] };
  } catch (err) {
    throw asUnusable(err, file, maxPixels);
  }
}

function asUnusable(err: unknown, file: string, maxPixels: number): Error {
  if (err instanceof UnusableFileError) return err;
  const message = (err as Error).message ?? String(err);
  if (/exceeds pixel limit/.test(message)) return new UnusableFileError(`${file}: the image is over the limit of ${maxPixels.toLocaleString('en')} pixels (raise ingest.maxVoxels if the file is genuine)`);
  if (/could not be loaded/.test(message)) return err as Error;
  return new UnusableFileError(`${file}: cannot decode the image (${message.split('\n')[0]})`);
}
