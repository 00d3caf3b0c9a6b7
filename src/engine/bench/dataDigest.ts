/**
 * What a benchmark cell was fine-tuned and tested on, as a short hash: the labelled data set as one
 * seed splits it (pixels after resizing and intensity scaling, labels, class names, and which
 * samples are in train, validation and test, in their order). A cell is reused only while this is
 * unchanged, so editing a label file, adding a scan or changing the splitting rules measures the
 * cell again, and a rule change that leaves a split as it was keeps its cells.
 */
import * as crypto from 'node:crypto';
import type { LabelledData, LabelledSplit } from '../downstream/finetune';

const digests = new WeakMap<LabelledData, string>();

export function labelledDataDigest(data: LabelledData): string {
  const known = digests.get(data);
  if (known) return known;
  const hash = crypto.createHash('sha256');
  hash.update(JSON.stringify({ imageSize: data.imageSize, classes: data.classes }));
  const splits: LabelledSplit[] = [data.train, data.val, data.test];
  for (const split of splits) {
    // The count separates the splits: the same samples moved from validation to train hash differently.
    hash.update(`|${split.count}|`);
    hash.update(bytesOf(split.images));
    hash.update(bytesOf(split.labels));
  }
  const digest = hash.digest('hex').slice(0, 16);
  digests.set(data, digest);
  return digest;
}

function bytesOf(array: Float32Array | Uint8Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/**
 * `digest:seed:dataset` for each data set of each seed: what `--workers` hands each worker engine,
 * which loads the data sets again itself (`checkDataDigests`).
 */
export function dataDigestList(splits: ReadonlyMap<number, readonly LabelledData[]>): string[] {
  return [...splits].flatMap(([seed, datasets]) => datasets.map((d) => `${labelledDataDigest(d)}:${seed}:${d.name}`));
}

/**
 * Refuses to go on when a data set a worker loaded differs from what its parent loaded (`expected`,
 * from `dataDigestList`): a label file edited meanwhile would otherwise give cells of other data
 * than the parent signs them with, and each worker would start the predictions over.
 */
export function checkDataDigests(
  splits: ReadonlyMap<number, readonly LabelledData[]>,
  expected: readonly string[],
): void {
  const mine = new Set(dataDigestList(splits));
  for (const entry of expected) {
    if (mine.has(entry)) continue;
    const [, seed, name] = /^[^:]*:(\d+):(.*)$/.exec(entry) ?? [undefined, '?', entry];
    const loaded = splits.get(Number(seed))?.some((d) => d.name === name);
    throw new Error(
      loaded
        ? `bench: ${name} (seed ${seed}) changed after the bench started: its images, labels or split differ from what the first engine loaded. Nothing of it was measured here; run optidel bench again once its files are settled.`
        : `bench: ${name} (seed ${seed}) is not among the data sets this engine loaded: the config's "downstream" changed after the bench started. Nothing was measured here; run optidel bench again.`,
    );
  }
}
