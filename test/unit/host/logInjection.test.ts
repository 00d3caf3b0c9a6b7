/**
 * The grammar injected into `text.log` (every output channel and .log file in VS Code, not only
 * ours) colours OptiDEL's own line shapes and leaves other tools' logs alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../../helpers/engine';

interface InjectionRule {
  match?: string;
  begin?: string;
}
const injection = JSON.parse(fs.readFileSync(path.join(ROOT, 'syntaxes/optidel-log.injection.json'), 'utf8')) as {
  injectionSelector: string;
  patterns: InjectionRule[];
};

/** Whether any top-level injection rule starts on this line (Oniguruma and JS agree on these patterns). */
function injectedInto(line: string): boolean {
  return injection.patterns.some((rule) => new RegExp((rule.match ?? rule.begin)!).test(line));
}

test('the injection colours the lines OptiDEL writes to its log channel', () => {
  assert.equal(injection.injectionSelector, 'L:text.log');
  assert.ok(injectedInto('2026-12-02 10:00:00.000 [info] [pretrain] loss=0.4312 step=120'));
  assert.ok(injectedInto('2026-12-02 10:00:00.000 [info] stage score: done (/tmp/run)'));
});

test("the injection leaves Git's, Python's and other tools' log lines alone", () => {
  for (const line of [
    '2026-12-02 10:00:00.000 [info] > git status -z -uall [12ms]',
    'INFO:root:train loss=0.5 score=3',
    'remote: Counting objects: 100% (5/5), done.',
    'epoch=3 loss=0.1234 lr=0.001',
    '[score] computing',
    'selected 32 of 640 samples',
  ]) {
    assert.equal(injectedInto(line), false, line);
  }
});
