/**
 * Thumbnails cut from the atlases (thumbs/atlas-*.png) by CSS background position: one image per
 * atlas is loaded once by the browser however many tiles show it, and no pixel data passes through
 * messages. The URLs are webview resource URIs made by the host.
 */
import type { ThumbsInfo } from '../../src/shared/viewMessages';

/** Styles `element` to show sample `id` at `size` CSS pixels; false when the sample has no thumbnail. */
export function paintThumbnail(
  element: HTMLElement,
  thumbs: ThumbsInfo | undefined,
  id: number,
  size: number,
): boolean {
  const position = thumbs?.positions[String(id)];
  const url = position ? thumbs!.atlasUrls[position[0]] : undefined;
  if (!thumbs || !position || !url) {
    element.style.backgroundImage = '';
    return false;
  }
  const [, column, row] = position;
  const scale = size / thumbs.size;
  const atlasSide = thumbs.columns * thumbs.size * scale;
  element.style.width = `${size}px`;
  element.style.height = `${size}px`;
  element.style.backgroundImage = `url("${url.replace(/["\\\n]/g, encodeURIComponent)}")`;
  element.style.backgroundSize = `${atlasSide}px ${atlasSide}px`;
  element.style.backgroundPosition = `${-column * thumbs.size * scale}px ${-row * thumbs.size * scale}px`;
  return true;
}
