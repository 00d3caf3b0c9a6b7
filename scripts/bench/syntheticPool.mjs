// The synthetic pool of the memory and scale benches (scale.mjs, stage-memory.mjs): NIfTI volumes
// of SLICES_PER_VOLUME axial SIDE x SIDE slices, drifting blobs on noise, seeded by the size.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { rng } from './seededRandom.mjs';

export const SLICES_PER_VOLUME = 100;
export const SIDE = 32;

/** A uint8 NIfTI-1 volume of SIDE x SIDE x SLICES_PER_VOLUME: drifting blobs on noise, no slice empty. */
function volumeBytes(random) {
  const header = Buffer.alloc(352);
  header.writeInt32LE(348, 0);
  [3, SIDE, SIDE, SLICES_PER_VOLUME, 1, 1, 1, 1].forEach((d, i) => header.writeInt16LE(d, 40 + 2 * i));
  header.writeInt16LE(2, 70); // uint8
  header.writeInt16LE(8, 72);
  [1, 1, 1, 1].forEach((v, i) => header.writeFloatLE(v, 76 + 4 * i));
  header.writeFloatLE(352, 108);
  header.write('n+1\0', 344, 'latin1');
  const blobs = Array.from({ length: 4 }, () => ({
    x: random() * SIDE,
    y: random() * SIDE,
    dx: (random() - 0.5) * 0.3,
    dy: (random() - 0.5) * 0.3,
    r: (0.15 + random() * 0.2) * SIDE,
    level: 80 + random() * 150,
  }));
  const data = Buffer.alloc(SIDE * SIDE * SLICES_PER_VOLUME);
  let p = 0;
  for (let z = 0; z < SLICES_PER_VOLUME; z++) {
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++, p++) {
        let v = 10 + random() * 30;
        for (const b of blobs) if ((x - b.x - b.dx * z) ** 2 + (y - b.y - b.dy * z) ** 2 < b.r ** 2) v = b.level;
        data[p] = Math.min(255, v + random() * 20);
      }
    }
  }
  return Buffer.concat([header, data]);
}

/** A pool of `slices` slices in DIR/volumes, and DIR/optidel.json ingesting it at SIDE px. */
export function writePool(dir, slices) {
  fs.mkdirSync(path.join(dir, 'volumes'), { recursive: true });
  const random = rng(slices);
  for (let v = 0; v < slices / SLICES_PER_VOLUME; v++)
    fs.writeFileSync(path.join(dir, 'volumes', `vol-${String(v).padStart(5, '0')}.nii`), volumeBytes(random));
  const config = { pool: ['volumes'], imageSize: SIDE, budget: 0.05, seed: 0, ingest: { axes: ['axial'] } };
  fs.writeFileSync(path.join(dir, 'optidel.json'), JSON.stringify(config));
}
