/**
 * Thumbnail atlases for the views: square 8-bit thumbnails packed into PNG grids
 * (`thumbs/atlas-00000.png`, ...) with `thumbs/index.json` mapping sample ids to cells, so a
 * gallery of thousands of samples loads a handful of images instead of thousands.
 */
import * as path from 'node:path';
import type { ThumbnailAtlasIndex } from '../../shared/artifacts';
import { ARTIFACTS } from '../../shared/artifacts';
import { writeFileAtomic, writeJsonAtomic } from '../../shared/node/atomicFile';
import { encodeGrayPng, toBytes } from './formats/png';
import { resizeIntoSquare } from './resize';

export const THUMBS_DIR = 'thumbs';
export const THUMB_SIZE = 64;
export const ATLAS_COLUMNS = 16;

/** The file name of atlas `k` inside thumbs/. */
export function atlasFileName(k: number): string {
  return `atlas-${String(k).padStart(5, '0')}.png`;
}

export class ThumbnailWriter {
  private readonly size: number;
  private atlas: Uint8Array;
  private inAtlas = 0;
  private readonly atlases: string[] = [];
  private readonly positions: ThumbnailAtlasIndex['positions'] = {};
  private readonly scratch: Float32Array;

  constructor(
    private readonly runDir: string,
    private readonly imageSize: number,
    private readonly columns = ATLAS_COLUMNS,
  ) {
    this.size = Math.min(THUMB_SIZE, imageSize);
    this.atlas = new Uint8Array(this.side * this.side);
    this.scratch = new Float32Array(this.size * this.size);
  }

  private get side(): number {
    return this.size * this.columns;
  }

  async add(id: number, pixels: Float32Array): Promise<void> {
    const small =
      this.size === this.imageSize
        ? pixels
        : (resizeIntoSquare(pixels, this.imageSize, this.imageSize, this.size, this.scratch), this.scratch);
    const bytes = toBytes(small);
    const column = this.inAtlas % this.columns;
    const row = Math.floor(this.inAtlas / this.columns);
    for (let r = 0; r < this.size; r++)
      this.atlas.set(
        bytes.subarray(r * this.size, (r + 1) * this.size),
        (row * this.size + r) * this.side + column * this.size,
      );
    this.positions[String(id)] = [this.atlases.length, column, row];
    this.inAtlas++;
    if (this.inAtlas === this.columns * this.columns) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.inAtlas === 0) return;
    // A partly filled atlas is cut after its last used row.
    const rows = Math.ceil(this.inAtlas / this.columns);
    const name = atlasFileName(this.atlases.length);
    await writeFileAtomic(
      path.join(this.runDir, THUMBS_DIR, name),
      encodeGrayPng(this.atlas.subarray(0, rows * this.size * this.side), this.side, rows * this.size),
    );
    this.atlases.push(name);
    this.atlas.fill(0);
    this.inAtlas = 0;
  }

  async finish(): Promise<ThumbnailAtlasIndex> {
    await this.flush();
    const index: ThumbnailAtlasIndex = {
      size: this.size,
      columns: this.columns,
      atlases: this.atlases,
      positions: this.positions,
    };
    await writeThumbsIndex(this.runDir, index);
    return index;
  }
}

/** Writes `index` as the thumbnail index of the run (or part) folder `dir`. */
export async function writeThumbsIndex(dir: string, index: ThumbnailAtlasIndex): Promise<void> {
  await writeJsonAtomic(path.join(dir, ARTIFACTS.thumbsIndex), index);
}
