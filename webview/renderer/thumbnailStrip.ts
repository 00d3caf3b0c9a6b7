/**
 * A strip of the thumbnails of the samples the filter shows, selected ones first and the hardest
 * first among them. The DOM stays small whatever the pool size: at most MAX_THUMBNAILS images,
 * and a count of the rest. Each thumbnail is a button: hover or focus shows the sample's details,
 * Enter or a click acts on it.
 */
import { el } from '../common/styles';
import type { SubsetPayload } from '../../src/shared/subsetPayload';
import { describeProvenance } from '../../src/shared/subsetPayload';

export const MAX_THUMBNAILS = 120;

export interface ThumbnailStripOptions {
  /** Index into payload.samples, or undefined when the pointer leaves. */
  onHover(index: number | undefined): void;
  onActivate(index: number): void;
}

export interface ThumbnailStrip {
  readonly element: HTMLElement;
  /** Shows the thumbnails of `rows` (indices into payload.samples). */
  update(rows: Int32Array, selected: Uint8Array): void;
  /** Marks the thumbnail of a sample (the one hovered on the scatter plot), if it is in the strip. */
  setActive(index: number | undefined): void;
  /** Images in the strip now. */
  readonly count: number;
}

export function createThumbnailStrip(payload: SubsetPayload, options: ThumbnailStripOptions): ThumbnailStrip {
  const element = el('section', 'ods-strip-section');
  const title = el('div', 'ods-strip-title');
  const strip = el('div', 'ods-strip');
  strip.setAttribute('role', 'list');
  element.append(title, strip);
  const buttons = new Map<number, HTMLButtonElement>();
  let active: HTMLButtonElement | undefined;

  strip.addEventListener('pointerleave', () => options.onHover(undefined));

  function button(index: number): HTMLButtonElement {
    const sample = payload.samples[index]!;
    const b = el('button', 'ods-thumb');
    b.type = 'button';
    b.setAttribute('role', 'listitem');
    const label = `Sample ${sample.id}, difficulty ${sample.difficulty.toPrecision(3)}, ${describeProvenance(sample.provenance)}`;
    b.title = label;
    const img = el('img');
    img.alt = label;
    img.src = sample.thumbnail!; // validated: a data:image base64 URL, never a link
    img.decoding = 'async';
    img.loading = 'lazy';
    b.append(img);
    b.addEventListener('pointerenter', () => options.onHover(index));
    b.addEventListener('focus', () => options.onHover(index));
    b.addEventListener('click', () => options.onActivate(index));
    return b;
  }

  return {
    element,
    get count() {
      return buttons.size;
    },
    update(rows, selected) {
      const withImages = Array.from(rows).filter((i) => payload.samples[i]!.thumbnail);
      withImages.sort(
        (a, b) => selected[b]! - selected[a]! || payload.samples[b]!.difficulty - payload.samples[a]!.difficulty,
      );
      const shown = withImages.slice(0, MAX_THUMBNAILS);
      buttons.clear();
      active = undefined;
      strip.replaceChildren(
        ...shown.map((i) => {
          const b = button(i);
          buttons.set(i, b);
          return b;
        }),
      );
      if (withImages.length > shown.length)
        strip.append(el('span', 'ods-more', `+${(withImages.length - shown.length).toLocaleString('en-US')} more`));
      title.textContent =
        withImages.length === 0
          ? 'No thumbnails among the samples shown'
          : `Thumbnails (selected first, hardest first): ${shown.length} of ${withImages.length.toLocaleString('en-US')} shown samples with images`;
    },
    setActive(index) {
      active?.classList.remove('ods-active');
      active = index === undefined ? undefined : buttons.get(index);
      active?.classList.add('ods-active');
    },
  };
}
