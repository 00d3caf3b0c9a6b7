/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * A browser-like global scope for running the notebook renderer under Node: happy-dom for the DOM,
 * plus a small 2D canvas context (happy-dom has none) that keeps the pixels written with
 * putImageData, so a test can check that the scatter plot really drew its points.
 */
import { Window } from 'happy-dom';

/** Globals the renderer and d3 reach for by name. */
const GLOBALS = [
  'document',
  'navigator',
  'HTMLElement',
  'HTMLCanvasElement',
  'HTMLInputElement',
  'HTMLSelectElement',
  'HTMLButtonElement',
  'Element',
  'Node',
  'Text',
  'ShadowRoot',
  'SVGElement',
  'Event',
  'MouseEvent',
  'PointerEvent',
  'KeyboardEvent',
  'CustomEvent',
  'ResizeObserver',
  'MutationObserver',
  'CSSStyleSheet',
  'getComputedStyle',
  'matchMedia',
  'requestAnimationFrame',
  'cancelAnimationFrame',
  'devicePixelRatio',
  'DOMParser',
  'NodeFilter',
] as const;

/** The width every element reports, as if the notebook's output area were this wide. */
export const LAYOUT_WIDTH = 640;

export interface FakeDom {
  window: Window;
  close(): Promise<void>;
}

export function installFakeDom(): FakeDom {
  const window = new Window({ width: 1000, height: 800, url: 'https://notebook.invalid/' });
  const scope = globalThis as Record<string, unknown>;
  const saved = new Map<string, PropertyDescriptor | undefined>();
  const define = (name: string, value: unknown): void => {
    saved.set(name, Object.getOwnPropertyDescriptor(globalThis, name));
    Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  };
  define('window', window);
  for (const name of GLOBALS) {
    const value = (window as unknown as Record<string, unknown>)[name];
    define(name, typeof value === 'function' && !/^[A-Z]/.test(name) ? value.bind(window) : value);
  }
  // happy-dom does no layout (every width is 0); the charts size themselves from their container.
  Object.defineProperty(window.HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => LAYOUT_WIDTH });
  (window.HTMLCanvasElement.prototype as unknown as { getContext: (kind: string) => unknown }).getContext = function (
    this: HTMLCanvasElement,
    kind: string,
  ) {
    if (kind !== '2d') return null;
    const self = this as HTMLCanvasElement & { fakeContext?: unknown };
    return (self.fakeContext ??= fakeContext2D(this));
  };
  return {
    window,
    async close() {
      await window.happyDOM.close();
      for (const [name, descriptor] of saved) {
        if (descriptor) Object.defineProperty(globalThis, name, descriptor);
        else delete scope[name];
      }
    },
  };
}

interface FakeImageData {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** The 2D context calls the charts make; drawing calls other than putImageData are accepted and ignored. */
function fakeContext2D(canvas: HTMLCanvasElement): unknown {
  let pixels: Uint8ClampedArray | undefined;
  const image = (width: number, height: number): FakeImageData => ({
    width,
    height,
    data: new Uint8ClampedArray(width * height * 4),
  });
  const target: Record<string, unknown> = {
    canvas,
    createImageData: image,
    putImageData(data: FakeImageData) {
      pixels = new Uint8ClampedArray(data.data);
    },
    getImageData(_x: number, _y: number, width: number, height: number): FakeImageData {
      const out = image(width, height);
      if (pixels && pixels.length === out.data.length) out.data.set(pixels);
      return out;
    },
  };
  return new Proxy(target, {
    get: (t, key: string) => (key in t ? t[key] : () => undefined),
    set: (t, key: string, value) => {
      t[key] = value;
      return true;
    },
  });
}
