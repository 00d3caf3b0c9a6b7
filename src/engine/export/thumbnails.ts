/**
 * Tiny thumbnails for notebook payloads: each sample's tile is cut out of its thumbnail atlas
 * (thumbs/, written by ingest), shrunk to `size` pixels and encoded as a greyscale PNG data URL.
 * A notebook must carry its images inside itself, so they are kept to about 1 KB each. Where the
 * image library cannot load, the export goes on without thumbnails and says why.
 */
import * as path from 'node:path';
import type { ThumbnailAtlasIndex } from '../../shared/artifacts';
import { ARTIFACTS } from '../../shared/artifacts';
import { resolveInRun } from '../../shared/run/node/contain';
import { loadSharp } from '../data/formats/raster';

interface DecodedAtlas {
  pixels: Buffer;
  width: number;
  height: number;
}

/**
 * Data URLs for the given sample ids that have a tile in the atlas index. Ids without a tile are
 * left out; an atlas that cannot be decoded is reported through `onSkip` and its samples left out.
 */
export async function thumbnailDataUrls(
  runDir: string,
  index: ThumbnailAtlasIndex,
  ids: readonly number[],
  size: number,
  onSkip: (file: string, reason: string) => void,
): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  if (ids.length === 0) return out;
  let sharp: Awaited<ReturnType<typeof loadSharp>>;
  try {
    sharp = await loadSharp();
  } catch (err) {
    onSkip(path.join(runDir, ARTIFACTS.thumbsIndex), `no thumbnails: ${(err as Error).message}`);
    return out;
  }
  const decodeAtlas = async (file: string): Promise<DecodedAtlas> => {
    const { data, info } = await sharp(file).greyscale().removeAlpha().raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 1) throw new Error(`decoded to ${info.channels} channels, expected greyscale`);
    return { pixels: data, width: info.width, height: info.height };
  };
  const decodeAtlasIn = async (relative: string) => decodeAtlas(resolveInRun(runDir, relative, { mustExist: true }));
  const atlases = new Map<number, DecodedAtlas | undefined>();
  for (const id of ids) {
    const position = index.positions[String(id)];
    if (!position) continue;
    const [atlasIndex, column, row] = position;
    if (!atlases.has(atlasIndex)) {
      const relative = `${ARTIFACTS.thumbsDir}/${index.atlases[atlasIndex] ?? `<atlas ${atlasIndex} not listed>`}`;
      const file = path.join(runDir, relative);
      atlases.set(
        atlasIndex,
        // Contained as well as checked by name (thumbsIndex.ts): a photo beside the run is never decoded.
        await decodeAtlasIn(relative).catch((err: Error) => {
          onSkip(file, err.message);
          return undefined;
        }),
      );
    }
    const atlas = atlases.get(atlasIndex);
    if (!atlas) continue;
    const left = column * index.size;
    const top = row * index.size;
    if (left + index.size > atlas.width || top + index.size > atlas.height) continue;
    const png = await sharp(atlas.pixels, { raw: { width: atlas.width, height: atlas.height, channels: 1 } })
      .extract({ left, top, width: index.size, height: index.size })
      .resize(size, size, { kernel: 'lanczos3' })
      .png({ compressionLevel: 9 })
      .toBuffer();
    out.set(id, `data:image/png;base64,${png.toString('base64')}`);
  }
  return out;
}
