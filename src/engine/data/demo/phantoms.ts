/**
 * Anatomy-like phantoms for the demo data: an abdominal CT (body outline, fat, liver, kidneys,
 * spine with discs, aorta, lung bases, liver lesions), a brain MRI (scalp, skull, CSF, grey and
 * white matter, ventricles, a tumour with an enhancing rim, bias field, Rician noise), and a
 * chest radiograph frame (lungs, ribs, heart, nodules). Each takes the subject's random draw, so
 * one seed gives one subject; labels come from the same geometry as the image.
 */
import type { SeededRandom } from '../random';
import type { Lesion } from './fields';
import { SmoothField, ellipse, lesionDistance } from './fields';

export interface PhantomVolume {
  dims: [number, number, number];
  /** Real values (Hounsfield units for CT, arbitrary units for MRI). */
  values: Float32Array;
  labels: Uint8Array;
}

export const CT_CLASSES = ['background', 'liver', 'kidney', 'lesion'];
export const MR_CLASSES = ['background', 'tumour'];
export const XRAY_CLASSES = ['background', 'lung', 'nodule'];

function drawLesions(
  random: SeededRandom,
  count: number,
  place: () => [number, number, number],
  sizes: [number, number],
  contrasts: [number, number],
): Lesion[] {
  return Array.from({ length: count }, () => {
    const [u, v, w] = place();
    const radius = random.uniform(sizes[0], sizes[1]);
    // Signed contrast, magnitude spread so that some lesions are barely visible.
    const magnitude = random.uniform(contrasts[0], contrasts[1]);
    return {
      u,
      v,
      w,
      radius,
      radiusW: radius * random.uniform(0.6, 1.4),
      contrast: random.next() < 0.7 ? -magnitude : magnitude,
    };
  });
}

export function abdomenCt(random: SeededRandom, dims: [number, number, number]): PhantomVolume {
  const [nx, ny, nz] = dims;
  const body = { a: random.uniform(0.78, 0.92), b: random.uniform(0.55, 0.68), dy: random.uniform(-0.05, 0.05) };
  const liver = {
    cx: random.uniform(0.3, 0.42),
    cy: random.uniform(-0.05, 0.1),
    a: random.uniform(0.28, 0.36),
    b: random.uniform(0.25, 0.32),
    w0: random.uniform(0.3, 0.4),
    w1: random.uniform(0.85, 0.95),
    hu: random.uniform(50, 65),
  };
  const kidneyW = [random.uniform(0.08, 0.15), random.uniform(0.45, 0.55)];
  const discEvery = random.uniform(0.1, 0.14);
  const lesions = drawLesions(
    random,
    2 + random.int(4),
    () => [
      liver.cx + random.uniform(-0.15, 0.15),
      liver.cy + random.uniform(-0.12, 0.12),
      random.uniform(liver.w0 + 0.1, liver.w1 - 0.1),
    ],
    [0.05, 0.15],
    [8, 45],
  );
  const texture = new SmoothField(random, [12, 12, 8]);
  const organTexture = new SmoothField(random, [20, 20, 12]);
  const bowel = new SmoothField(random, [16, 16, 10]);
  const spleen = { cx: random.uniform(-0.45, -0.35), cy: random.uniform(-0.1, 0.05), w0: random.uniform(0.55, 0.65) };
  const values = new Float32Array(nx * ny * nz);
  const labels = new Uint8Array(nx * ny * nz);
  let p = 0;
  for (let k = 0; k < nz; k++) {
    const w = (k + 0.5) / nz;
    const outline = 1 + 0.05 * Math.sin(w * 5);
    for (let j = 0; j < ny; j++) {
      const v = ((j + 0.5) / ny) * 2 - 1;
      for (let i = 0; i < nx; i++, p++) {
        const u = ((i + 0.5) / nx) * 2 - 1;
        const b = ellipse(u, v, 0, body.dy, body.a * outline, body.b * outline);
        let hu = -1000;
        let label = 0;
        if (b < 1) {
          hu = b > 0.8 ? -100 + 15 * texture.at(u, v, w) : 35 + 10 * texture.at((u + 1) / 2, (v + 1) / 2, w);
          if (
            w > 0.78 &&
            (ellipse(u, v, 0.38, 0.05, 0.3, 0.35 * (w - 0.7) * 3) < 1 ||
              ellipse(u, v, -0.38, 0.05, 0.3, 0.35 * (w - 0.7) * 3) < 1)
          )
            hu = -850 + 60 * organTexture.at(u, v, w);
          // Bowel loops in the lower abdomen: gas pockets and fluid, different on every slice.
          const loops = bowel.at((u + 1) / 2, (v + 1) / 2, w);
          if (w < 0.62 && b < 0.7 && v > -0.2 && loops > 0.35) hu = loops > 0.6 ? -750 : 15;
          if (w > spleen.w0 && ellipse(u, v, spleen.cx, spleen.cy, 0.14, 0.2) < 1)
            hu = 48 + 5 * organTexture.at(u, v, w);
          if (
            w > liver.w0 &&
            w < liver.w1 &&
            ellipse(
              u,
              v,
              liver.cx,
              liver.cy,
              liver.a * Math.sin((Math.PI * (w - liver.w0)) / (liver.w1 - liver.w0)) + 0.05,
              liver.b,
            ) < 1
          ) {
            hu = liver.hu + 6 * organTexture.at((u + 1) / 2, (v + 1) / 2, w);
            label = 1;
            for (const lesion of lesions) {
              const d = lesionDistance(lesion, u, v, w);
              if (d < 1) {
                hu += lesion.contrast * (1 - 0.3 * d);
                label = 3;
              }
            }
          }
          for (const side of [-1, 1]) {
            if (w > kidneyW[0] && w < kidneyW[1]) {
              const e = ellipse(u, v, side * 0.42, -0.3, 0.11, 0.16);
              if (e < 1) {
                hu = e > 0.55 ? 160 : 35;
                label = 2;
              }
            }
          }
          const spine = ellipse(u, v, 0, -0.45 + body.dy, 0.13, 0.12);
          const disc = Math.abs(((w / discEvery) % 1) - 0.5) < 0.08;
          if (spine < 1) hu = disc ? 80 : spine > 0.7 ? 700 : 250 + 40 * organTexture.at(u, v, w);
          if (ellipse(u, v, 0, -0.7 + body.dy, 0.05, 0.12) < 1 && !disc) hu = 600; // spinous process
          if (ellipse(u, v, 0.1, -0.28, 0.06, 0.06) < 1) hu = 150; // aorta with contrast
        }
        values[p] = hu;
        labels[p] = label;
      }
    }
  }
  return { dims, values, labels };
}

export function brainMr(random: SeededRandom, dims: [number, number, number]): PhantomVolume {
  const [nx, ny, nz] = dims;
  const head = { a: random.uniform(0.72, 0.82), b: random.uniform(0.85, 0.95) };
  const tumourCount = random.next() < 0.5 ? 1 : 2;
  const tumours = drawLesions(
    random,
    tumourCount,
    () => [random.uniform(-0.4, 0.4), random.uniform(-0.45, 0.45), random.uniform(0.35, 0.75)],
    [0.12, 0.3],
    [0.15, 0.5],
  );
  const bias = new SmoothField(random, [3, 3, 3]);
  const gyri = new SmoothField(random, [14, 14, 10]);
  const values = new Float32Array(nx * ny * nz);
  const labels = new Uint8Array(nx * ny * nz);
  let p = 0;
  for (let k = 0; k < nz; k++) {
    const w = (k + 0.5) / nz;
    // The head narrows towards the vertex and the skull base.
    const scale = Math.sqrt(Math.max(0, 1 - ((w - 0.42) / 0.5) ** 2));
    for (let j = 0; j < ny; j++) {
      const v = ((j + 0.5) / ny) * 2 - 1;
      for (let i = 0; i < nx; i++, p++) {
        const u = ((i + 0.5) / nx) * 2 - 1;
        const e = scale > 0.05 ? ellipse(u, v, 0, 0, head.a * scale, head.b * scale) : 2;
        let signal = 0;
        let label = 0;
        if (e < 1) {
          if (e > 0.88)
            signal = 0.75; // scalp fat
          else if (e > 0.78)
            signal = 0.08; // skull
          else if (e > 0.72)
            signal = 0.2; // CSF
          else {
            const cortex = e > 0.55 + 0.08 * gyri.at((u + 1) / 2, (v + 1) / 2, w);
            signal = cortex ? 0.5 : 0.72;
            if (ellipse(u, v, 0.1, 0.05, 0.06, 0.22) < 1 || ellipse(u, v, -0.1, 0.05, 0.06, 0.22) < 1) {
              if (w > 0.4 && w < 0.7) signal = 0.2; // lateral ventricles
            }
          }
          for (const t of tumours) {
            const d = lesionDistance(t, u, v, w);
            if (d < 1) {
              signal = d > 0.65 ? 0.95 : 0.3 + t.contrast * 0.3; // enhancing rim, necrotic core
              label = 1;
            } else if (d < 1.8) signal -= 0.12 * (1.8 - d); // oedema
          }
        }
        signal *= 1 + 0.3 * bias.at((u + 1) / 2, (v + 1) / 2, w);
        values[p] = signal;
        labels[p] = label;
      }
    }
  }
  // Rician noise: the magnitude of a complex signal with Gaussian noise on both channels.
  const sigma = random.uniform(0.01, 0.025);
  for (let i = 0; i < values.length; i++)
    values[i] = Math.hypot(values[i] + sigma * random.normal(), sigma * random.normal()) * 1000;
  return { dims, values, labels };
}

export interface XraySequence {
  width: number;
  height: number;
  frames: Array<{ pixels: Uint8Array; labels: Uint8Array }>;
}

/**
 * A fluoroscopy-like sequence: one chest, breathing slowly, so neighbouring frames are nearly
 * identical. Each patient has a build of their own (thorax and lung size, heart, position, a small
 * tilt, exposure), as radiographs of different people do; without it every patient's lungs were the
 * same ellipses and frames of different patients correlated at 0.996 at 32 px.
 */
export function chestSequence(random: SeededRandom, width: number, height: number, frames: number): XraySequence {
  const nodules = drawLesions(
    random,
    random.int(3) + 1,
    () => [random.uniform(-0.6, 0.6), random.uniform(-0.4, 0.4), 0.5],
    [0.03, 0.1],
    [0.08, 0.3],
  );
  const ribPhase = random.uniform(0, Math.PI);
  const heartShift = random.uniform(-0.08, 0.08);
  const grain = new SmoothField(random, [24, 24, 2]);
  const build = {
    tilt: random.uniform(-0.1, 0.1),
    dx: random.uniform(-0.06, 0.06),
    dy: random.uniform(-0.06, 0.06),
    thorax: [random.uniform(0.8, 0.96), random.uniform(0.98, 1.14)],
    lungs: [-1, 1].map((side) => ({
      cx: side * random.uniform(0.36, 0.48),
      cy: random.uniform(-0.12, 0.02),
      a: random.uniform(0.24, 0.34),
      b: random.uniform(0.52, 0.7),
    })),
    heart: [random.uniform(0.24, 0.36), random.uniform(0.24, 0.34)],
    lungValue: random.uniform(0.18, 0.34),
    tissueValue: random.uniform(0.6, 0.8),
  };
  const [cos, sin] = [Math.cos(build.tilt), Math.sin(build.tilt)];
  const out: XraySequence['frames'] = [];
  for (let f = 0; f < frames; f++) {
    const breath = 0.04 * Math.sin((2 * Math.PI * f) / Math.max(8, frames / 3));
    const pixels = new Uint8Array(width * height);
    const labels = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      const y0 = ((y + 0.5) / height) * 2 - 1 - build.dy;
      for (let x = 0; x < width; x++) {
        const x0 = ((x + 0.5) / width) * 2 - 1 - build.dx;
        const u = cos * x0 + sin * y0;
        const v = -sin * x0 + cos * y0;
        let value = 0.05;
        let label = 0;
        if (ellipse(u, v, 0, 0.05, build.thorax[0], build.thorax[1]) < 1) {
          value = build.tissueValue;
          for (const lung of build.lungs) {
            if (ellipse(u, v, lung.cx, lung.cy - breath, lung.a, lung.b + breath) < 1) {
              value = build.lungValue;
              label = 1;
            }
          }
          // The heart's shadow hides the lung behind it, and lung masks leave it out.
          if (ellipse(u, v, 0.12 + heartShift, 0.25, build.heart[0], build.heart[1]) < 1) {
            value = build.tissueValue - 0.05;
            label = 0;
          }
          const rib = Math.abs(Math.sin((v + breath) * 9 + ribPhase + 1.2 * u * u));
          if (rib > 0.93 && Math.abs(u) > 0.08) value += 0.18;
          if (label === 1) {
            for (const n of nodules) {
              const d = lesionDistance(n, u, v, 0.5);
              if (d < 1) {
                value += Math.abs(n.contrast) * (1 - d);
                label = 2;
              }
            }
          }
          value += 0.05 * grain.at((u + 1) / 2, (v + 1) / 2, 0.5);
        }
        value += 0.015 * random.normal();
        pixels[y * width + x] = Math.round(255 * Math.min(1, Math.max(0, value)));
        labels[y * width + x] = label;
      }
    }
    out.push({ pixels, labels });
  }
  return { width, height, frames: out };
}
