/**
 * The Python in docs/notebook.md, run by a real Python (an independent writer of payloads): what it
 * displays must pass the renderer's validator, with thumbnails that are real PNGs. IPython is
 * replaced by a stand-in whose display() prints the JSON. Skipped, saying so, without python3
 * and numpy.
 */
import { it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { parseSubsetPayload, SUBSET_MIME } from '../../../src/shared/subsetPayload';

const DOC = path.resolve(__dirname, '../../../docs/notebook.md');
const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

it(
  'the documented Python emits a payload the renderer accepts',
  { skip: hasNumpy ? false : 'python3 with numpy is not installed' },
  async () => {
    const code = /```python\n([\s\S]*?)```/.exec(fs.readFileSync(DOC, 'utf8'))?.[1];
    assert.ok(code, 'docs/notebook.md has a python block');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-ipython-'));
    try {
      fs.mkdirSync(path.join(dir, 'IPython'));
      fs.writeFileSync(path.join(dir, 'IPython', '__init__.py'), '');
      fs.writeFileSync(
        path.join(dir, 'IPython', 'display.py'),
        'import json, sys\ndef display(obj, raw=False):\n    assert raw\n    sys.stdout.write(json.dumps(obj))\n',
      );
      const run = spawnSync('python3', ['-c', code], {
        encoding: 'utf8',
        env: { ...process.env, PYTHONPATH: dir },
        maxBuffer: 64 << 20,
      });
      assert.equal(run.status, 0, run.stderr);
      const payload = parseSubsetPayload(JSON.parse(run.stdout)[SUBSET_MIME]);
      assert.equal(payload.samples.length, 500);
      assert.equal(payload.summary.selectedCount, payload.samples.filter((s) => s.selected).length);
      assert.equal(payload.summary.selectedCount, 50);
      const thumbs = payload.samples.filter((s) => s.thumbnail);
      assert.equal(thumbs.length, 40);
      const meta = await sharp(Buffer.from(thumbs[0]!.thumbnail!.split(',')[1]!, 'base64')).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height, meta.channels], ['png', 32, 32, 1]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
