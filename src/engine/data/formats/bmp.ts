/**
 * Windows bitmaps (BMP): uncompressed 8-bit palette, 24-bit and 32-bit, bottom-up or top-down.
 * libvips (and so sharp) reads no BMP, and the format is simple enough to decode here.
 */
import * as fs from 'node:fs';
import type { GrayImage } from './raster';
import { UnusableFileError, checkVoxelLimit } from './errors';

export function isBmpPath(file: string): boolean {
  return /\.bmp$/i.test(file);
}

export async function decodeBmp(file: string, maxPixels: number): Promise<GrayImage> {
  return parseBmp(await fs.promises.readFile(file), maxPixels, file);
}

export function parseBmp(buf: Buffer, maxPixels: number, file: string): GrayImage {
  if (buf.length < 54 || buf.toString('latin1', 0, 2) !== 'BM')
    throw new UnusableFileError(`${file}: not a BMP file (no "BM" signature)`);
  const dataOffset = buf.readUInt32LE(10);
  const headerSize = buf.readUInt32LE(14);
  if (headerSize < 40) throw new UnusableFileError(`${file}: OS/2 bitmaps are not supported`);
  const width = buf.readInt32LE(18);
  const rawHeight = buf.readInt32LE(22);
  const height = Math.abs(rawHeight);
  const bits = buf.readUInt16LE(28);
  const compression = buf.readUInt32LE(30);
  if (width <= 0 || height <= 0) throw new UnusableFileError(`${file}: invalid size ${width}x${rawHeight}`);
  checkVoxelLimit(width * height, maxPixels, file);
  if (compression !== 0 && !(compression === 3 && bits === 32))
    throw new UnusableFileError(
      `${file}: compressed BMP (method ${compression}) is not supported; save it uncompressed or as PNG`,
    );
  if (bits !== 8 && bits !== 24 && bits !== 32)
    throw new UnusableFileError(`${file}: ${bits}-bit BMP is not supported (8, 24 or 32 bits)`);
  const rowBytes = Math.ceil((width * bits) / 32) * 4;
  if (dataOffset + rowBytes * height > buf.length)
    throw new UnusableFileError(`${file}: truncated (pixel data ends past the file)`);
  let palette: Float32Array | undefined;
  if (bits === 8) {
    const colours = buf.readUInt32LE(46) || 256;
    const start = 14 + headerSize;
    if (start + colours * 4 > buf.length) throw new UnusableFileError(`${file}: truncated palette`);
    palette = new Float32Array(256);
    for (let i = 0; i < Math.min(256, colours); i++)
      palette[i] = luminance(buf[start + 4 * i + 2], buf[start + 4 * i + 1], buf[start + 4 * i]);
  }
  const values = new Float32Array(width * height);
  const bottomUp = rawHeight > 0;
  const bytesPerPixel = bits / 8;
  for (let r = 0; r < height; r++) {
    const row = dataOffset + (bottomUp ? height - 1 - r : r) * rowBytes;
    for (let c = 0; c < width; c++) {
      const p = row + c * bytesPerPixel;
      values[r * width + c] = palette ? palette[buf[p]] : luminance(buf[p + 2], buf[p + 1], buf[p]);
    }
  }
  return { width, height, values, eightBit: true };
}

function luminance(r: number, g: number, b: number): number {
  return Math.round(0.2126 * r + 0.7152 * g + 0.0722 * b);
}
