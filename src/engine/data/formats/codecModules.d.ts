// The codec packages ship no types: the parts dicomCodecs.ts uses (the root tsconfig includes this file for the tests).
declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    xDim: number;
    yDim: number;
    numComp: number;
    decode(buffer: ArrayBuffer, offset: number, length: number, numBytes?: number): Uint8Array | Uint16Array | null;
  }
}
declare module '@cornerstonejs/codec-charls/decodewasmjs' {
  const factory: (options: object) => Promise<never>;
  export default factory;
}
declare module '@cornerstonejs/codec-openjpeg/decodewasmjs' {
  const factory: (options: object) => Promise<never>;
  export default factory;
}
