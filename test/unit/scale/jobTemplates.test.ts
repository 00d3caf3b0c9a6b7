/**
 * The scheduler templates of scripts/scale-out: the Kubernetes manifests checked against the Job
 * schema's fields (no cluster runs here), and each template's command run with a stand-in engine
 * that records what it was asked, under the environment the scheduler would give it. The real
 * Slurm run is test/slurm/slurmArray.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveShard } from '../../../src/engine/scale/shard';
import { ROOT } from '../../helpers/engine';

// js-yaml ships without types; these are the two calls used.
const yaml = createRequire(__filename)('js-yaml') as { load(text: string): unknown };
const templates = path.join(ROOT, 'scripts', 'scale-out');

interface Container {
  name: string;
  image: string;
  command: string[];
  env?: Array<{ name: string; value: string }>;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface JobManifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    completionMode?: string;
    completions: number;
    parallelism: number;
    template: {
      spec: {
        restartPolicy: string;
        containers: Container[];
        volumes: Array<{ name: string; persistentVolumeClaim?: { claimName: string } }>;
      };
    };
  };
}

const manifest = (file: string) => yaml.load(fs.readFileSync(path.join(templates, file), 'utf8')) as JobManifest;
const envOf = (c: Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));

/** Runs `command` with `program` replaced by a recorder; returns each call's arguments. */
function recordCalls(program: string, run: (bin: string) => ReturnType<typeof spawnSync>): string[] {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-template-'));
  const log = path.join(bin, 'calls');
  fs.writeFileSync(path.join(bin, program), `#!/bin/sh\necho "$*" >> "${log}"\n`, { mode: 0o755 });
  try {
    const result = run(bin);
    assert.equal(result.status, 0, String(result.stderr));
    return fs.readFileSync(log, 'utf8').trim().split('\n');
  } finally {
    fs.rmSync(bin, { recursive: true, force: true });
  }
}

/** The Job fields every shard and merge Job needs, and a shared claim mounted in each container. */
function checkJob(job: JobManifest): void {
  assert.equal(job.apiVersion, 'batch/v1');
  assert.equal(job.kind, 'Job');
  assert.ok(['Never', 'OnFailure'].includes(job.spec.template.spec.restartPolicy), 'a Job pod must not restart Always');
  const volumes = new Map(job.spec.template.spec.volumes.map((v) => [v.name, v]));
  for (const c of job.spec.template.spec.containers)
    for (const m of c.volumeMounts ?? []) assert.ok(volumes.get(m.name)?.persistentVolumeClaim?.claimName, m.name);
}

/** An Indexed Job of one pod per shard; returns what its pod for shard 2 runs. */
function indexedJobCalls(file: string): { calls: string[]; env: Record<string, string>; job: JobManifest } {
  const job = manifest(file);
  checkJob(job);
  assert.equal(job.spec.completionMode, 'Indexed');
  const [container] = job.spec.template.spec.containers;
  const env = envOf(container);
  assert.equal(Number(env.OPTIDEL_SHARD_COUNT), job.spec.completions, 'shard count = completions');
  assert.equal(job.spec.parallelism, job.spec.completions, 'one pod per shard, all at once');
  assert.match(container.command.join(' '), /JOB_COMPLETION_INDEX/);
  const [shell, flag, script] = container.command;
  const calls = recordCalls('node', (bin) =>
    spawnSync(shell, [flag, script], {
      env: { ...env, PATH: `${bin}:${process.env.PATH}`, JOB_COMPLETION_INDEX: '2' },
      encoding: 'utf8',
    }),
  );
  return { calls, env, job };
}

test('k8s: Indexed Jobs of one pod per shard, each shard i/n from JOB_COMPLETION_INDEX and the Job completions', () => {
  const ingest = indexedJobCalls('k8s-ingest-job.yaml');
  assert.deepEqual(ingest.calls, [
    `/shared/optidel/bin/optidel.js ingest --config ${ingest.env.OPTIDEL_CONFIG} --out ${ingest.env.OPTIDEL_RUN} --shard 2/${ingest.job.spec.completions}`,
  ]);
  const { calls, env, job } = indexedJobCalls('k8s-indexed-job.yaml');
  assert.equal(env.OPTIDEL_RUN, ingest.env.OPTIDEL_RUN, 'the same run folder');
  assert.deepEqual(calls, [
    `/shared/optidel/bin/optidel.js score --run ${env.OPTIDEL_RUN} --shard 2/${job.spec.completions}`,
    `/shared/optidel/bin/optidel.js propose --run ${env.OPTIDEL_RUN} --shard 2/${job.spec.completions}`,
  ]);
  assert.deepEqual(resolveShard(`2/${job.spec.completions}`, {}, 'score'), { index: 2, count: 4 });
  const single = (file: string, command: RegExp) => {
    const other = manifest(file);
    checkJob(other);
    assert.deepEqual(other.spec.template.spec.volumes, job.spec.template.spec.volumes, 'the same shared volume');
    assert.match(other.spec.template.spec.containers[0].command.join(' '), command);
  };
  single('k8s-pretrain-job.yaml', /merge --run \S+ --stage ingest && .*pretrain --run/s);
  single('k8s-merge-job.yaml', /merge --run .* select --run/s);
});

test('slurm: the array task scores and proposes its shard with --shard auto, which reads the array task', () => {
  const env = { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '0' };
  const calls = recordCalls('optidel-stand-in', (bin) =>
    spawnSync('bash', [path.join(templates, 'slurm-array.sbatch')], {
      env: { ...env, PATH: `${bin}:${process.env.PATH}`, OPTIDEL: 'optidel-stand-in', OPTIDEL_RUN: '/shared/run' },
      encoding: 'utf8',
    }),
  );
  assert.deepEqual(calls, ['score --run /shared/run --shard auto', 'propose --run /shared/run --shard auto']);
  assert.deepEqual(resolveShard('auto', env, 'score'), { index: 3, count: 4 });
});

test('slurm: the ingest array task decodes its shard with --shard auto', () => {
  const calls = recordCalls('optidel-stand-in', (bin) =>
    spawnSync('bash', [path.join(templates, 'slurm-ingest.sbatch')], {
      env: {
        PATH: `${bin}:${process.env.PATH}`,
        OPTIDEL: 'optidel-stand-in',
        OPTIDEL_RUN: '/shared/run',
        OPTIDEL_CONFIG: '/shared/pool/optidel.json',
      },
      encoding: 'utf8',
    }),
  );
  assert.deepEqual(calls, ['ingest --config /shared/pool/optidel.json --out /shared/run --shard auto']);
});

test('slurm: submit-slurm.sh with a config submits ingest, pretrain, score and merge, each after the one before', () => {
  // The stand-in sbatch prints job ids 101, 102, ... as --parsable does.
  const calls = recordCalls('sbatch', (bin) => {
    fs.writeFileSync(
      path.join(bin, 'sbatch'),
      `#!/bin/sh\necho "$*" >> "${path.join(bin, 'calls')}"\nwc -l < "${path.join(bin, 'calls')}" | awk '{ print 100 + $1 }'\n`,
      { mode: 0o755 },
    );
    const config = path.join(bin, 'optidel.json');
    fs.writeFileSync(config, '{}');
    return spawnSync(path.join(templates, 'submit-slurm.sh'), ['/tmp', '4', config], {
      env: { PATH: `${bin}:${process.env.PATH}` },
      encoding: 'utf8',
    });
  });
  const scripts = calls.map((c) => path.basename(c.split(' ').pop()!));
  assert.deepEqual(scripts, [
    'slurm-ingest.sbatch',
    'slurm-pretrain.sbatch',
    'slurm-array.sbatch',
    'slurm-merge.sbatch',
  ]);
  assert.match(calls[0], /--array=0-3/);
  assert.doesNotMatch(calls[0], /--dependency/);
  for (let k = 1; k < calls.length; k++) assert.match(calls[k], new RegExp(`--dependency=afterok:${100 + k} `));
  assert.match(calls[2], /--array=0-3/);
});
