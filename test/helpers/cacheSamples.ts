/** Hand edits of a run's cache samples (cache/samples.jsonl, one JSON object a line), as an attacker or a test makes them. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CacheSample } from '../../src/shared/artifacts';
import { ARTIFACTS } from '../../src/shared/artifacts';

export function editCacheSamples(runDir: string, edit: (samples: CacheSample[]) => void): void {
  const file = path.join(runDir, ARTIFACTS.cacheSamples);
  const samples = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as CacheSample);
  edit(samples);
  fs.writeFileSync(file, samples.map((sample) => `${JSON.stringify(sample)}\n`).join(''));
}
