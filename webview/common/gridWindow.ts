/** Virtualised grid arithmetic (pure): how many columns fit, and which items a scroll position shows. */

export interface GridLayout {
  columns: number;
  /** Row pitch in pixels (tile plus gap). */
  rowHeight: number;
  rows: number;
  totalHeight: number;
}

export function gridLayout(
  width: number,
  count: number,
  tile: { width: number; height: number; gap: number },
): GridLayout {
  const columns = Math.max(1, Math.floor((width + tile.gap) / (tile.width + tile.gap)));
  const rowHeight = tile.height + tile.gap;
  const rows = Math.ceil(count / columns);
  return { columns, rowHeight, rows, totalHeight: Math.max(0, rows * rowHeight - tile.gap) };
}

/** Items [first, last) to put in the DOM for a viewport, with `overscan` extra rows above and below. */
export function visibleWindow(
  layout: GridLayout,
  count: number,
  scrollTop: number,
  viewportHeight: number,
  overscan = 2,
): { first: number; last: number } {
  if (count === 0) return { first: 0, last: 0 };
  const firstRow = Math.max(0, Math.floor(scrollTop / layout.rowHeight) - overscan);
  const lastRow = Math.min(layout.rows, Math.ceil((scrollTop + viewportHeight) / layout.rowHeight) + overscan);
  return { first: firstRow * layout.columns, last: Math.min(count, lastRow * layout.columns) };
}

/** The scrollTop that brings item `index` fully into view (unchanged when it already is). */
export function scrollToItem(layout: GridLayout, index: number, scrollTop: number, viewportHeight: number): number {
  const top = Math.floor(index / layout.columns) * layout.rowHeight;
  const bottom = top + layout.rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return scrollTop;
}

/** Keyboard movement in a grid: arrows by one cell or row, PageUp/PageDown by a screen, Home/End. */
export function moveCursor(
  index: number,
  key: string,
  columns: number,
  count: number,
  pageRows: number,
): number | undefined {
  const clamp = (i: number): number => Math.max(0, Math.min(count - 1, i));
  switch (key) {
    case 'ArrowRight':
      return clamp(index + 1);
    case 'ArrowLeft':
      return clamp(index - 1);
    case 'ArrowDown':
      return clamp(index + columns);
    case 'ArrowUp':
      return clamp(index - columns);
    case 'PageDown':
      return clamp(index + columns * pageRows);
    case 'PageUp':
      return clamp(index - columns * pageRows);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return undefined;
  }
}
