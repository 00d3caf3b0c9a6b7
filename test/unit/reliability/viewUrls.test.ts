/**
 * A shared run folder's images reach a view as webview URLs, which the webview loads itself: VS
 * Code confines them to the run folder by path, but reads through a link inside it. Each image a
 * view is sent must be the run's own file, or the view names it as a problem.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadRunViewData } from '../../../src/host/panels/runData';
import { predictionIndexFile } from '../../../src/shared/run/layout';
import { makeRunFixture } from '../../fixtures/makeRunFixture';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-view-urls-'));

/** The user's photo beside the run, and a run folder whose `relative` is a link to it. */
function runLinkingOut(relative: string): { dir: string; dataset: string } {
  const dir = path.join(tmp(), 'run');
  const { dataset } = makeRunFixture(dir, { samples: 20, imageSize: 16 });
  const photo = path.join(tmp(), 'holiday.png');
  fs.writeFileSync(photo, 'the user’s photo');
  const target = path.join(dir, relative.replace('<dataset>', dataset));
  fs.rmSync(target);
  fs.symlinkSync(photo, target);
  return { dir, dataset };
}

test("a thumbnail atlas linked to the user's photo is not sent to the gallery; the view names the link", async () => {
  const { dir } = runLinkingOut('thumbs/atlas-00000.png');
  const data = await loadRunViewData(dir, 'gallery', (rel) => rel);
  // The old code sent the URL of thumbs/atlas-00000.png, and the webview showed the photo through the link.
  assert.equal(data.thumbs, undefined);
  assert.match(data.problems.join('\n'), /thumbs\/index\.json: .*symbolic link thumbs\/atlas-00000\.png/);
});

test("a prediction image linked to the user's photo, or one named ../../, is not sent to the segmentation view", async () => {
  const { dir, dataset } = runLinkingOut('bench/predictions/<dataset>/images/0.png');
  const file = predictionIndexFile(dataset);
  let data = await loadRunViewData(dir, 'segmentation', (rel) => rel);
  assert.deepEqual(data.predictions, []);
  assert.match(
    data.problems.join('\n'),
    new RegExp(`${file}: .*symbolic link ${path.posix.dirname(file)}/images/0\\.png`),
  );
  const index = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  index.samples[1].image = '../../../../../holiday.png';
  fs.writeFileSync(path.join(dir, file), JSON.stringify(index));
  fs.rmSync(path.join(dir, path.posix.dirname(file), 'images/0.png'));
  fs.copyFileSync(
    path.join(dir, path.posix.dirname(file), 'images/2.png'),
    path.join(dir, path.posix.dirname(file), 'images/0.png'),
  );
  data = await loadRunViewData(dir, 'segmentation', (rel) => rel);
  assert.deepEqual(data.predictions, []);
  assert.match(data.problems.join('\n'), /holiday\.png/);
});
