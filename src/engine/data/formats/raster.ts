/**
 * 2D images (PNG, JPEG, TIFF; BMP through our own decoder since libvips has none) decoded to
 * grayscale. `sharp` is loaded on first use only, so the engine starts, and volumes ingest,
 * where the native library is missing.
 */
import * as fs from 'node:fs';
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
      throw new Error(
        `the image library "sharp" could not be loaded (${(err as Error).message}); PNG, JPEG and TIFF files need it: run "npm install sharp" in the extension folder`,
      );
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

/** Size, bit depth and alpha of a PNG from its IHDR chunk (no decoding), or undefined for other files. */
export function pngHeader(
  bytes: Uint8Array,
): { width: number; height: number; bitDepth: number; alpha: boolean } | undefined {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 33 || signature.some((b, i) => bytes[i] !== b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const colourType = bytes[25];
  return {
    width: view.getUint32(16),
    height: view.getUint32(20),
    bitDepth: bytes[24],
    alpha: colourType === 4 || colourType === 6,
  };
}

/**
 * The fast path for 8-bit images: libvips decodes, converts to gray, resizes and pads to the
 * square in one pass. PNG headers are read here (cheaper than asking libvips); other formats ask
 * libvips. Returns undefined for images that need percentile scaling (16-bit) or our own decoder.
 */
export async function decodeResized8(
  file: string,
  size: number,
  maxPixels: number,
): Promise<{ pixels: Uint8Array; originalSize: [number, number] } | undefined> {
  if (isBmpPath(file)) return undefined;
  const sharp = await loadSharp();
  try {
    const bytes = await fs.promises.readFile(file);
    const png = pngHeader(bytes);
    let width: number;
    let height: number;
    let alpha: boolean;
    if (png) {
      if (png.bitDepth > 8) return undefined;
      ({ width, height, alpha } = png);
    } else {
      const meta = await sharp(bytes, { limitInputPixels: maxPixels }).metadata();
      if (meta.depth !== 'uchar' && meta.depth !== 'char') return undefined;
      [width, height, alpha] = [meta.width ?? 0, meta.height ?? 0, meta.hasAlpha ?? true];
    }
    checkVoxelLimit(width * height, maxPixels, file);
    let image = sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' });
    if (alpha) image = image.flatten({ background: '#000000' });
    const { data, info } = await image
      .toColourspace('b-w')
      .resize(size, size, { fit: 'contain', background: '#000000' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.width !== size || info.height !== size)
      throw new UnusableFileError(`${file}: resized to ${info.width}x${info.height}, expected ${size}x${size}`);
    const pixels =
      info.channels === 1 ? data : Uint8Array.from({ length: size * size }, (_, i) => data[i * info.channels]);
    return { pixels: new Uint8Array(pixels.buffer, pixels.byteOffset, size * size), originalSize: [width, height] };
  } catch (err) {
    throw asUnusable(err, file, maxPixels);
  }
}

function asUnusable(err: unknown, file: string, maxPixels: number): Error {
  if (err instanceof UnusableFileError) return err;
  const message = (err as Error).message ?? String(err);
  if (/exceeds pixel limit/.test(message))
    return new UnusableFileError(
      `${file}: the image is over the limit of ${maxPixels.toLocaleString('en')} pixels (raise ingest.maxVoxels if the file is genuine)`,
    );
  if (/could not be loaded/.test(message)) return err as Error;
  if ((err as NodeJS.ErrnoException).code?.startsWith('E'))
    return new UnusableFileError(`${file}: cannot read the file (${message})`);
  return new UnusableFileError(`${file}: cannot decode the image (${message.split('\n')[0]})`);
}
