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
