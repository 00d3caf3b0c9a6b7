/**
 * The hovered (or focused) sample: a larger thumbnail, its difficulty, which methods selected it,
 * where it came from, and "Open in Gallery" when the extension host is there to answer.
 */
import { el } from '../common/styles';
import type { SubsetPayload } from '../../src/shared/subsetPayload';

export interface SampleDetails {
  readonly element: HTMLElement;
  show(index: number | undefined): void;
  /** The sample shown now (index into payload.samples). */
  readonly current: number | undefined;
}

/** Asks the host to show a sample in its run's gallery (and, with findSimilar, the samples nearest to it). */
export type GalleryOpener = (sampleId: number, options?: { findSimilar?: boolean }) => void;

export function createSampleDetails(payload: SubsetPayload, openInGallery: GalleryOpener | undefined): SampleDetails {
  const element = el('section', 'ods-details');
  element.setAttribute('aria-live', 'polite');
  let current: number | undefined;
  const ranks = difficultyRanks(payload);

  function show(index: number | undefined): void {
    current = index;
    if (index === undefined) {
      element.replaceChildren(
        el('span', 'ods-hint', 'Hover a point or a thumbnail to see the sample; draw a lasso to filter.'),
      );
      return;
    }
    const s = payload.samples[index]!;
    const parts: HTMLElement[] = [];
    if (s.thumbnail) {
      const img = el('img');
      img.src = s.thumbnail;
      img.alt = `Sample ${s.id}`;
      parts.push(img);
    }
    const dl = el('dl');
    const row = (label: string, value: string): void => {
      dl.append(el('dt', undefined, label), el('dd', undefined, value));
    };
    row('Sample', `#${s.id}`);
    row('Difficulty', `${s.difficulty.toPrecision(4)} (harder than ${ranks[index]!.toFixed(0)}% of the samples here)`);
    row(
      'Selected by',
      s.selectedBy?.length ? s.selectedBy.join(', ') : s.selected ? payload.summary.method : 'no method',
    );
    const p = s.provenance;
    if (p) {
      row('Source', p.source);
      const where = [
        p.axis !== undefined ? ['sagittal', 'coronal', 'axial'][p.axis] : undefined,
        p.slice !== undefined ? `slice ${p.slice}` : undefined,
        p.frame !== undefined ? `frame ${p.frame}` : undefined,
      ].filter(Boolean);
      if (where.length) row('Slice', where.join(', '));
      if (p.originalSize) row('Original size', `${p.originalSize[0]} × ${p.originalSize[1]}`);
      if (p.intensity) row('Intensity', p.intensity);
    }
    parts.push(dl);
    if (openInGallery) {
      const open = el('button', 'ods-primary', 'Open in Gallery');
      open.type = 'button';
      open.title = 'Show this sample in the OptiDEL gallery of its run';
      open.addEventListener('click', () => openInGallery(s.id));
      const similar = el('button', undefined, 'Find similar in Gallery');
      similar.type = 'button';
      similar.title = 'Show this sample in the gallery with the pool samples nearest to it in embedding space';
      similar.addEventListener('click', () => openInGallery(s.id, { findSimilar: true }));
      parts.push(open, similar);
    }
    element.replaceChildren(...parts);
  }

  show(undefined);
  return {
    element,
    show,
    get current() {
      return current;
    },
  };
}

/** Percentile of each sample's difficulty among all samples of the payload (0..100). */
export function difficultyRanks(payload: SubsetPayload): Float32Array {
  const n = payload.samples.length;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => payload.samples[a]!.difficulty - payload.samples[b]!.difficulty,
  );
  const ranks = new Float32Array(n);
  order.forEach((i, r) => {
    ranks[i] = n > 1 ? (100 * r) / (n - 1) : 0;
  });
  return ranks;
}
