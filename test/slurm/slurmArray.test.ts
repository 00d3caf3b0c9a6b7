/**
 * A real Slurm: munged, slurmctld and slurmd on localhost with a generated slurm.conf in a
 * temporary folder (as root), one node. scripts/scale-out/submit-slurm.sh submits the job array
 * for a tiny demo pool in 4 shards and the dependent merge and select job; the test waits for
 * both, compares the merged run with the same run done unsharded, and stops the daemons it
 * started. Skipped, with the packages to install, where Slurm is absent. `npm run test:slurm`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cacheContent } from '../helpers/cacheContent';
import { CLI, ROOT, runCli } from '../helpers/engine';
import { cloneRun, makeTinyRun, type TinyRun } from '../helpers/tinyRun';

const SHARDS = 4;
const DAEMONS = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue'];
const missing = DAEMONS.filter((d) => spawnSync('sh', ['-c', `command -v ${d}`]).status !== 0);
const skip =
  missing.length > 0
    ? `needs ${missing.join(', ')}: apt-get install slurm-wlm munge`
    : process.getuid?.() !== 0
      ? 'starts slurmd and slurmctld as root: run as root'
      : false;

let dir: string;
let run: TinyRun;
const daemons: ChildProcess[] = [];
let env: NodeJS.ProcessEnv;

function sh(command: string, args: string[], options: { cwd?: string } = {}): string {
  const r = spawnSync(command, args, { env, encoding: 'utf8', cwd: options.cwd });
  assert.equal(r.status, 0, `${command} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function until(what: string, seconds: number, done: () => boolean): Promise<void> {
  for (const end = Date.now() + seconds * 1000; Date.now() < end; await new Promise((r) => setTimeout(r, 500)))
    if (done()) return;
  throw new Error(`timed out after ${seconds} s waiting for ${what}\n${daemonLogs()}`);
}

function daemonLogs(): string {
  return ['slurmctld.log', 'slurmd.log']
    .map((f) => path.join(dir, f))
    .filter((f) => fs.existsSync(f))
    .map((f) => `== ${f}\n${fs.readFileSync(f, 'utf8').split('\n').slice(-15).join('\n')}`)
    .join('\n');
}

/** A one-node cluster: 4 CPUs declared (config_overrides: more than this machine may have), no accounting, no cgroups. */
function slurmConf(port: number): string {
  return `ClusterName=optideltest
SlurmctldHost=${os.hostname().split('.')[0]}(127.0.0.1)
SlurmctldPort=${port}
SlurmdPort=${port + 1}
AuthType=auth/munge
AuthInfo=socket=${dir}/munge/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=${dir}/state
SlurmdSpoolDir=${dir}/spool
SlurmctldPidFile=${dir}/slurmctld.pid
SlurmdPidFile=${dir}/slurmd.pid
SlurmctldLogFile=${dir}/slurmctld.log
SlurmdLogFile=${dir}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SlurmdParameters=config_overrides
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MinJobAge=600
NodeName=optidelnode NodeAddr=127.0.0.1 CPUs=4 RealMemory=8000 State=UNKNOWN
PartitionName=debug Nodes=optidelnode Default=YES MaxTime=INFINITE State=UP
`;
}

before(async () => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optidel-slurm-'));
  for (const sub of ['munge', 'state', 'spool', 'logs']) fs.mkdirSync(path.join(dir, sub));
  fs.writeFileSync(path.join(dir, 'munge', 'munge.key'), randomBytes(1024), {
    mode: 0o400,
  });
  const port = 20000 + Math.floor(Math.random() * 20000);
  fs.writeFileSync(path.join(dir, 'slurm.conf'), slurmConf(port));
  env = { ...process.env, SLURM_CONF: path.join(dir, 'slurm.conf') };
  const m = path.join(dir, 'munge');
  daemons.push(
    spawn(
      'munged',
      [
        '-F',
        '-f',
        `--key-file=${m}/munge.key`,
        `--socket=${m}/munge.socket`,
        `--pid-file=${m}/munged.pid`,
        `--log-file=${m}/munged.log`,
        `--seed-file=${m}/munged.seed`,
      ],
      { env, stdio: 'ignore' },
    ),
  );
  await until('munged', 20, () => fs.existsSync(path.join(m, 'munge.socket')));
  daemons.push(spawn('slurmctld', ['-D', '-c', '-f', env.SLURM_CONF!], { env, stdio: 'ignore' }));
  daemons.push(spawn('slurmd', ['-D', '-f', env.SLURM_CONF!, '-N', 'optidelnode'], { env, stdio: 'ignore' }));
  await until('the node to be idle', 60, () => {
    const r = spawnSync('sinfo', ['-h', '-N', '-o', '%T'], { env, encoding: 'utf8' });
    return r.status === 0 && r.stdout.trim() === 'idle';
  });
  run = makeTinyRun();
  const pretrain = runCli(['pretrain', '--run', run.runDir, '--preset', 'micro', '--steps', '6', '--batch-size', '8']);
  assert.equal(pretrain.status, 0, pretrain.stderr);
});

after(async () => {
  for (const d of daemons.reverse()) {
    d.kill('SIGTERM');
    await new Promise((resolve) => (d.exitCode !== null ? resolve(undefined) : d.once('exit', resolve)));
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  if (run) fs.rmSync(run.root, { recursive: true, force: true });
});

/** Runs submit-slurm.sh with `args`, waits for its `jobs` jobs to leave the queue, and checks that each completed. */
async function submitAndWait(args: string[], jobs: number, seconds: number, extraEnv: NodeJS.ProcessEnv = {}) {
  const submit = {
    ...env,
    OPTIDEL: `${process.execPath} ${CLI}`,
    // The templates ask for up to 4 CPUs and 16 GiB a job; this node has 4 CPUs in all.
    SBATCH_OPTIONS: '--cpus-per-task=1 --mem=1G',
    ...extraEnv,
  };
  const out = spawnSync(path.join(ROOT, 'scripts/scale-out/submit-slurm.sh'), args, {
    env: submit,
    cwd: path.join(dir, 'logs'),
    encoding: 'utf8',
  });
  assert.equal(out.status, 0, out.stderr);
  const ids = out.stdout.trim().split(' ');
  assert.equal(ids.length, jobs, out.stdout);
  await until(
    `jobs ${ids.join(', ')} to finish`,
    seconds,
    () => sh('squeue', ['-h', '-j', ids.join(',')]).trim() === '',
  );
  const logs = fs
    .readdirSync(path.join(dir, 'logs'))
    .map((f) => `== ${f}\n${fs.readFileSync(path.join(dir, 'logs', f), 'utf8').slice(-600)}`)
    .join('\n');
  for (const job of ids) assert.match(sh('scontrol', ['show', 'job', job]), /JobState=COMPLETED/, logs);
}

const SCORE_FILES = [
  'scores/embeddings.f32',
  'scores/difficulty.f32',
  'scores/patch-errors.f32',
  'scores/projection.f32',
];

test(
  'a Slurm job array scores and proposes in 4 shards; the dependent job merges and selects what an unsharded run selects',
  { skip },
  async () => {
    const whole = cloneRun(run, 'whole');
    for (const args of [
      ['score', '--run', whole],
      ['propose', '--run', whole],
      ['select', '--run', whole, '--method', 'kcenter'],
    ]) {
      const r = runCli(args);
      assert.equal(r.status, 0, r.stderr);
    }
    await submitAndWait([run.runDir, String(SHARDS)], 2, 150);
    assert.deepEqual(
      fs.readdirSync(path.join(run.runDir, 'parts/score')),
      Array.from({ length: SHARDS }, (_, i) => `0000${i}-of-0000${SHARDS}`),
    );
    for (const file of [...SCORE_FILES, 'patches/key-patches.json', 'patches/key-patches.jsonl'])
      assert.ok(
        fs.readFileSync(path.join(run.runDir, file)).equals(fs.readFileSync(path.join(whole, file))),
        `${file} differs`,
      );
    const selected = (d: string) =>
      JSON.parse(fs.readFileSync(path.join(d, 'selection/kcenter.json'), 'utf8')).selected;
    assert.deepEqual(selected(run.runDir), selected(whole));
  },
);

test(
  'the whole pipeline in Slurm: the ingest array, merge and pretrain, the score array, merge and select',
  { skip },
  async () => {
    const pipeline = path.join(run.root, 'pipeline');
    await submitAndWait([pipeline, String(SHARDS), run.configFile], 4, 300, {
      OPTIDEL_PRETRAIN_ARGS: '--preset micro --steps 6 --batch-size 8',
    });
    const sharded = await cacheContent(pipeline);
    const whole = await cacheContent(run.runDir);
    assert.deepEqual(sharded.samples, whole.samples);
    assert.ok(sharded.pixels.equals(whole.pixels), 'the merged cache holds other pixels than an unsharded ingest');
    // Scored whole with the checkpoint the pipeline trained, the run gets the scores the shards gave it.
    const again = path.join(run.root, 'pipeline-whole');
    fs.cpSync(pipeline, again, { recursive: true });
    const r = runCli(['score', '--run', again]);
    assert.equal(r.status, 0, r.stderr);
    for (const file of SCORE_FILES)
      assert.ok(fs.readFileSync(path.join(pipeline, file)).equals(fs.readFileSync(path.join(again, file))), file);
    assert.ok(fs.existsSync(path.join(pipeline, 'selection/kcenter.json')));
  },
);
