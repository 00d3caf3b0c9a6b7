/** Smooth random fields (value noise on a coarse lattice, trilinearly interpolated): textures and bias fields for the phantoms. */
import type { SeededRandom } from '../random';

export class SmoothField {
  private readonly lattice: Float32Array;

  /** `cells` lattice cells across each of the three axes of the unit cube; values in [-1, 1]. */
  constructor(
    random: SeededRandom,
    private readonly cells: [number, number, number],
  ) {
    this.lattice = new Float32Array((cells[0] + 1) * (cells[1] + 1) * (cells[2] + 1));
    for (let i = 0; i < this.lattice.length; i++) this.lattice[i] = random.uniform(-1, 1);
  }

  /** The field at (x, y, z) in [0, 1]³. */
  at(x: number, y: number, z: number): number {
    const [cx, cy, cz] = this.cells;
    const fx = clamp01(x) * cx;
    const fy = clamp01(y) * cy;
    const fz = clamp01(z) * cz;
    const ix = Math.min(cx - 1, Math.floor(fx));
    const iy = Math.min(cy - 1, Math.floor(fy));
    const iz = Math.min(cz - 1, Math.floor(fz));
    const tx = smooth(fx - ix);
    const ty = smooth(fy - iy);
    const tz = smooth(fz - iz);
    const sx = 1;
    const sy = cx + 1;
    const sz = (cx + 1) * (cy + 1);
    const o = ix * sx + iy * sy + iz * sz;
    const l = this.lattice;
    const lerp = (a: number, b: number, t: number) => a + (b - a) * t;
    const x00 = lerp(l[o], l[o + sx], tx);
    const x10 = lerp(l[o + sy], l[o + sy + sx], tx);
    const x01 = lerp(l[o + sz], l[o + sz + sx], tx);
    const x11 = lerp(l[o + sz + sy], l[o + sz + sy + sx], tx);
    return lerp(lerp(x00, x10, ty), lerp(x01, x11, ty), tz);
  }
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** Inside test for an axis-aligned ellipse (2D) centred at (cx, cy) with semi-axes (a, b): < 1 inside. */
export function ellipse(u: number, v: number, cx: number, cy: number, a: number, b: number): number {
  const du = (u - cx) / a;
  const dv = (v - cy) / b;
  return du * du + dv * dv;
}

export interface Lesion {
  /** Centre in the phantom's normalised coordinates (u, v in [-1, 1], w in [0, 1]). */
  u: number;
  v: number;
  w: number;
  /** Radius in-plane (normalised) and along w. */
  radius: number;
  radiusW: number;
  /** Intensity change (units of the modality). */
  contrast: number;
}

/** Squared normalised distance to a lesion's centre (< 1 inside). */
export function lesionDistance(l: Lesion, u: number, v: number, w: number): number {
  const du = (u - l.u) / l.radius;
  const dv = (v - l.v) / l.radius;
  const dw = (w - l.w) / l.radiusW;
  return du * du + dv * dv + dw * dw;
}
