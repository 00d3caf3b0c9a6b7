/**
 * The decoders of DICOM's compressed transfer syntaxes, each loaded the first time a file needs
 * it (the engine starts without them): RLE (`dicomRle.ts`), JPEG Lossless (jpeg-lossless-decoder-js),
 * JPEG-LS (CharLS) and JPEG 2000 (OpenJPEG) as WebAssembly from Cornerstone, and 8-bit JPEG
 * Baseline/Extended through sharp (libjpeg-turbo; 12-bit JPEG Extended is refused with how to
 * convert it). Every frame decodes into the uncompressed little-endian, pixel-interleaved layout,
 * so the rest of the DICOM reader treats it as any other file; a frame whose decoded size or
 * shape does not match the header is refused.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeRleFrame } from './dicomRle';
import { encapsulatedFrames } from './dicomFragments';
import { UnusableFileError } from './errors';
import { loadSharp } from './raster';

export type Codec = 'rle' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg2000' | 'jpeg';

/** What decoding needs to know of the image, from its header. */
export interface EncodedImage {
  file: string;
  /** The transfer syntax's name and UID, for messages. */
  syntax: string;
  rows: number;
  columns: number;
  frames: number;
  samples: number;
  /** BitsAllocated / 8: the bytes each decoded sample takes. */
  bytesPerSample: number;
}

/** One decoded frame as the codec gives it. */
interface Decoded {
  width: number;
  height: number;
  components: number;
  /** Samples, 1 or 2 bytes each (little endian). */
  samples: Uint8Array | Uint16Array;
  /** Components stored one plane after the other (JPEG-LS without interleave). */
  planar: boolean;
}

interface FrameDecoder {
  /** Loads the decoder (once; cached by whoever loads it). */
  load: () => Promise<unknown>;
  /** The size the codestream declares, read before decoding: a crafted size is refused before the codec allocates it. */
  declared: (data: Buffer) => { width: number; height: number } | undefined;
  decode: (data: Buffer) => Promise<Decoded>;
}

/** `encapsulated` (the Pixel Data value) decoded to `frames * rows * columns * samples * bytesPerSample` bytes. */
export async function decodeEncapsulated(codec: Codec, encapsulated: Buffer, image: EncodedImage): Promise<Buffer> {
  const streams = encapsulatedFrames(encapsulated, image.frames, image.file, STARTS_FRAME[codec]);
  const frameBytes = image.rows * image.columns * image.samples * image.bytesPerSample;
  const out = Buffer.alloc(image.frames * frameBytes);
  // Loaded first, apart: a decoder missing from the installation is not a corrupt file.
  if (codec !== 'rle') await DECODERS[codec].load();
  for (const [f, data] of streams.entries()) {
    const target = out.subarray(f * frameBytes, (f + 1) * frameBytes);
    if (codec === 'rle') {
      decodeRleFrame(data, { ...image, pixels: image.rows * image.columns }, target, f);
      continue;
    }
    const declared = DECODERS[codec].declared(data);
    if (declared && declared.height > 0 && (declared.width !== image.columns || declared.height !== image.rows))
      throw new UnusableFileError(
        `${image.file}: ${image.syntax} frame ${f + 1} declares ${declared.width}x${declared.height}; the header says ${image.columns}x${image.rows}`,
      );
    let decoded: Decoded;
    try {
      decoded = await DECODERS[codec].decode(data);
    } catch (err) {
      if (err instanceof UnusableFileError) throw new UnusableFileError(`${image.file}: ${err.message}`);
      throw new UnusableFileError(
        `${image.file}: ${image.syntax} frame ${f + 1} cannot be decoded (${(err as Error).message ?? String(err)}); the file is corrupt or truncated`,
      );
    }
    place(decoded, image, target, f);
  }
  return out;
}

/** A decoded frame checked against the header and written interleaved, widened to the allocated bytes. */
function place(decoded: Decoded, image: EncodedImage, out: Buffer, frame: number): void {
  const { width, height, components, samples } = decoded;
  if (width !== image.columns || height !== image.rows || components !== image.samples)
    throw new UnusableFileError(
      `${image.file}: ${image.syntax} frame ${frame + 1} is ${width}x${height} with ${components} component(s); the header says ${image.columns}x${image.rows} with ${image.samples}`,
    );
  const count = width * height * components;
  if (samples.length < count)
    throw new UnusableFileError(`${image.file}: ${image.syntax} frame ${frame + 1} decodes to too few samples`);
  const pixels = width * height;
  const planar = decoded.planar && components > 1;
  if (!planar && samples.BYTES_PER_ELEMENT === image.bytesPerSample) {
    out.set(new Uint8Array(samples.buffer, samples.byteOffset, count * image.bytesPerSample));
    return;
  }
  // Interleaved from planes, or widened (8-bit samples in 16 bits allocated).
  const at = (i: number) => (planar ? (i % components) * pixels + Math.floor(i / components) : i);
  for (let i = 0; i < count; i++) {
    const value = samples[at(i)];
    if (image.bytesPerSample === 1) out[i] = value & 0xff;
    else if (image.bytesPerSample === 2) out.writeUInt16LE(value, 2 * i);
    else out.writeUInt32LE(value, 4 * i);
  }
}

/** Where fragments outnumber frames and the offset table is empty: a fragment that starts a codestream. */
const startsWith =
  (...marker: number[]) =>
  (fragment: Buffer) =>
    marker.every((b, i) => fragment[i] === b);
const STARTS_FRAME: Record<Codec, ((fragment: Buffer) => boolean) | undefined> = {
  rle: undefined,
  'jpeg-lossless': startsWith(0xff, 0xd8),
  'jpeg-ls': startsWith(0xff, 0xd8),
  jpeg: startsWith(0xff, 0xd8),
  // A raw J2K codestream (SOC marker) or a JP2 file (its signature box).
  jpeg2000: (f) => startsWith(0xff, 0x4f, 0xff, 0x51)(f) || startsWith(0, 0, 0, 0x0c, 0x6a, 0x50)(f),
};

const DECODERS: Record<Exclude<Codec, 'rle'>, FrameDecoder> = {
  'jpeg-lossless': { load: () => import('jpeg-lossless-decoder-js'), declared: jpegFrame, decode: decodeJpegLossless },
  'jpeg-ls': {
    load: () => charls.get(),
    declared: jpegFrame,
    decode: (data) => decodeWasm(charls, data, (d) => new d.JpegLSDecoder()),
  },
  jpeg2000: {
    load: () => openjpeg.get(),
    declared: j2kSize,
    decode: (data) => decodeWasm(openjpeg, data, (d) => new d.J2KDecoder()),
  },
  jpeg: { load: loadSharp, declared: jpegFrame, decode: decodeJpegBaseline },
};

async function decodeJpegLossless(data: Buffer): Promise<Decoded> {
  const { Decoder } = await import('jpeg-lossless-decoder-js');
  const decoder = new Decoder();
  const samples = decoder.decode(data.buffer as ArrayBuffer, data.byteOffset, data.length);
  if (!samples) throw new Error('no image in the stream');
  return { width: decoder.xDim, height: decoder.yDim, components: decoder.numComp, samples, planar: false };
}

async function decodeJpegBaseline(data: Buffer): Promise<Decoded> {
  const sharp = await loadSharp();
  let result: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    const image = sharp(data);
    // libvips hands a gray JPEG on as three equal bands: its one band is kept.
    const { channels } = await image.metadata();
    result = await (channels === 1 ? image.extractChannel(0) : image).raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    // libjpeg-turbo as sharp builds it reads 8-bit samples only.
    const precision = jpegFrame(data)?.precision;
    if (precision !== undefined && precision > 8)
      throw new UnusableFileError(
        `${precision}-bit JPEG Extended is not supported (sharp reads 8-bit JPEG only); convert it first, e.g. "dcmdjpeg in.dcm out.dcm" or "gdcmconv --raw in.dcm out.dcm"`,
      );
    throw err;
  }
  const { width, height, channels } = result.info;
  return { width, height, components: channels, samples: result.data, planar: false };
}

/** The start-of-frame header of a JPEG or JPEG-LS (SOF55) stream: sample precision and size (height 0: set later by DNL). */
function jpegFrame(data: Buffer): { precision: number; width: number; height: number } | undefined {
  let pos = 2;
  while (pos + 9 <= data.length && data[pos] === 0xff) {
    const marker = data[pos + 1];
    if ((marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) || marker === 0xf7)
      return { precision: data[pos + 4], height: data.readUInt16BE(pos + 5), width: data.readUInt16BE(pos + 7) };
    pos += 2 + data.readUInt16BE(pos + 2);
  }
  return undefined;
}

/** The image size a raw JPEG 2000 codestream's SIZ segment declares (a JP2-wrapped one is left to the decoder). */
function j2kSize(data: Buffer): { width: number; height: number } | undefined {
  if (data.length < 24 || data.readUInt32BE(0) !== 0xff4fff51) return undefined;
  return { width: data.readUInt32BE(8) - data.readUInt32BE(16), height: data.readUInt32BE(12) - data.readUInt32BE(20) };
}

// ---- Cornerstone's Emscripten builds (CharLS, OpenJPEG) ----

/** The part of a Cornerstone decoder used here (JpegLSDecoder and J2KDecoder share it). */
interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number };
  getDecodedBuffer(): Uint8Array;
  getInterleaveMode?(): number;
  delete(): void;
}
interface EmscriptenOptions {
  wasmBinary: Uint8Array;
  print: (text: string) => void;
  printErr: (text: string) => void;
}
interface WasmModule {
  JpegLSDecoder: new () => WasmDecoder;
  J2KDecoder: new () => WasmDecoder;
}

/** One Emscripten module, instantiated on first use from the .wasm beside the engine bundle (or in node_modules from source). */
class WasmCodec {
  private instance: Promise<WasmModule> | undefined;
  constructor(
    private readonly name: string,
    private readonly packageName: string,
    private readonly wasmFile: string,
    private readonly load: () => Promise<{ default: (options: EmscriptenOptions) => Promise<WasmModule> }>,
  ) {}

  get(): Promise<WasmModule> {
    this.instance ??= this.instantiate().catch((err: unknown) => {
      this.instance = undefined;
      throw err;
    });
    return this.instance;
  }

  /** After a decoder failed the module may be aborted: the next file gets a fresh one. */
  discard(): void {
    this.instance = undefined;
  }

  private async instantiate(): Promise<WasmModule> {
    const candidates = [
      __dirname,
      path.join(__dirname, '..', '..', '..', '..', 'node_modules', ...this.packageName.split('/'), 'dist'),
    ];
    const dir = candidates.find((d) => fs.existsSync(path.join(d, this.wasmFile)));
    if (!dir)
      throw new Error(
        `the ${this.name} decoder (${this.wasmFile}) was not found in ${candidates.join(' or ')}; rebuild with "npm run build"`,
      );
    const factory = (await this.load()).default;
    // OpenJPEG logs progress to stdout, which carries the engine's protocol: silenced.
    const quiet = () => undefined;
    return factory({
      wasmBinary: await fs.promises.readFile(path.join(dir, this.wasmFile)),
      print: quiet,
      printErr: quiet,
    });
  }
}

const charls = new WasmCodec(
  'JPEG-LS',
  '@cornerstonejs/codec-charls',
  'charlswasm_decode.wasm',
  () => import('@cornerstonejs/codec-charls/decodewasmjs'),
);
const openjpeg = new WasmCodec(
  'JPEG 2000',
  '@cornerstonejs/codec-openjpeg',
  'openjpegwasm_decode.wasm',
  () => import('@cornerstonejs/codec-openjpeg/decodewasmjs'),
);

async function decodeWasm(
  codec: WasmCodec,
  data: Buffer,
  create: (module: WasmModule) => WasmDecoder,
): Promise<Decoded> {
  const decoder = create(await codec.get());
  try {
    decoder.getEncodedBuffer(data.length).set(data);
    decoder.decode();
    const info = decoder.getFrameInfo();
    const decoded = decoder.getDecodedBuffer();
    // Copied out: the view is into the module's memory, freed with the decoder.
    const bytes = new Uint8Array(decoded);
    const samples = info.bitsPerSample > 8 ? new Uint16Array(bytes.buffer, 0, bytes.length >> 1) : bytes;
    return {
      width: info.width,
      height: info.height,
      components: info.componentCount,
      samples,
      planar: decoder.getInterleaveMode?.() === 0,
    };
  } catch (err) {
    codec.discard();
    throw err instanceof Error ? err : new Error(`decoder aborted (${String(err)})`);
  } finally {
    try {
      decoder.delete();
    } catch {
      // An aborted module cannot free; it is discarded above.
    }
  }
}
