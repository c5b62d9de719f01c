import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { create as createTar } from 'tar';
import { startRabbitMq, startRedis, tempDir, workspaceRoot, type RabbitMq, type RedisServer } from '@envoys/testing';
import { makeCasaHome, makeInstall, makeProcessingDir, SDM } from '../support/install';
import { describeProcesses, leftoversAfter } from '../support/leftovers';
import { cancelQuietly, jobEnvironment, sbatch, slurmInstalled } from '../support/slurm';
import {
  allJobs,
  clusterCommand,
  clusterCommandAsync,
  nodeProcesses,
  nodeStateMap,
  queuedJobs,
  runningOn,
  startClosingReceiver,
  type ClosingReceiver,
  type JobRecord,
} from '../support/cluster';

// The storm (issue 21): a few hundred envoy jobs, made with the deploy/slurm scripts, on the multi-node
// cluster of `tools/scripts/slurm-cluster.sh start --nodes 3` (each node's slurmd and jobs in a PID
// namespace of its own), all processing directories on one file system every node sees. While the jobs
// run, two nodes are killed at random moments (everything on them dies at once) and resumed later, and a
// third is frozen (its processes stopped by the cgroup freezer: a node cut off, alive but silent) until
// Slurm has started its jobs again elsewhere, then thawed with its old envoys still alive. At the end every
// job must look as one clean run leaves it, and the thawed envoys must have found they lost their
// directories and stopped without touching them.

const installed = slurmInstalled();
if (!installed) {
  const missing = 'deploy:test-cluster: Slurm is not installed here (no sinfo on PATH)';
  const how = 'install slurm-wlm and munge and run tools/scripts/slurm-cluster.sh start --nodes 3 (as root), as .ci/run does';
  if (process.env['ENVOYS_REQUIRE_SLURM'] === '1') throw new Error(`${missing}, and ENVOYS_REQUIRE_SLURM=1: ${how}.`);
  console.warn(`${missing}: the storm is SKIPPED. To run it: ${how}.`);
}
const describeCluster = installed ? describe : describe.skip;

// The storm's size: calibrations (each followed by the ingestion of its results), restores, CARTA sessions.
const CALIBRATIONS = Number(process.env['ENVOYS_STORM_CALIBRATIONS'] ?? 92);
const RESTORES = Number(process.env['ENVOYS_STORM_RESTORES'] ?? 20);
const SESSIONS = Number(process.env['ENVOYS_STORM_SESSIONS'] ?? 6);
// Short emulator runs (the storm is about the cluster, not CASA), long enough that nodes die under them.
const CASA_SECONDS = '8';
// The envoys' lease: a dead or cut-off owner's directory is taken over after 5 s unrenewed.
const LEASE_SECONDS = '5';
const STORM_MS = 11 * 60_000;
// Two CPUs a job: at most four jobs on a node (8 CPUs each), so a failed node takes a few with it.
const RESOURCES = ['--cpus-per-task=2', '--mem=256M', '--requeue', '--open-mode=append', '--kill-on-invalid-dep=yes'];

type Kind = 'calibration' | 'ingestion' | 'restore' | 'session';

interface StormJob {
  readonly kind: Kind;
  readonly id: string;
  /** The processing directory the job works on (for an ingestion: the calibration's). */
  readonly dir: string;
}

interface NodeKill {
  readonly node: string;
  readonly jobs: string[];
}

interface Frozen {
  readonly node: string;
  readonly jobs: string[];
  /** The leases the node's envoys held when it froze: directory → run id and batch job. */
  readonly leases: Map<string, { runId: string; batchJob: string; envoy: string }>;
}

interface LeaseFile {
  runId: string;
  node?: string;
  batchJob?: string;
  envoy: string;
  token: string;
}

interface Report {
  runId: string;
  envoy: string;
  status: string;
  exitCode: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const between = (low: number, high: number) => low + Math.random() * (high - low);
const log = (line: string) => process.stdout.write(`storm ${new Date().toISOString().slice(11, 19)} ${line}\n`);

function readLease(dir: string): LeaseFile | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, '.envoys-lease.json'), 'utf8')) as LeaseFile;
  } catch {
    return undefined;
  }
}

/** A directory's tree, each path with its digits masked (times and job ids in names differ from run to run). */
function shape(dir: string, skip: (path: string) => boolean = () => false): string[] {
  const paths: string[] = [];
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      const path = join(current, name);
      const rel = relative(dir, path);
      if (skip(rel)) continue;
      const directory = statSync(path).isDirectory();
      paths.push(`${rel.replace(/\d+/g, '#')}${directory ? '/' : ''}`);
      if (directory) walk(path);
    }
  };
  walk(dir);
  return paths.sort();
}

/** A restore's processing directory: the restore PPR, the EB, and the calibration tar in rawdata/ (CONTRACT 4.2). */
async function makeRestoreDir(parent: string, name: string): Promise<string> {
  const dir = makeProcessingDir(parent, name, { metadata: { workflowName: 'restore_cms' } });
  const commands = ['hifv_restoredata', 'hifv_statwt']
    .map((command) => `                <ProcessingCommand>\n                    <Command>${command}</Command>\n                    <ParameterSet/>\n                </ProcessingCommand>\n`)
    .join('');
  const ppr = readFileSync(join(dir, 'PPR.xml'), 'utf8').replace(/(<ProcedureTitle>[^<]*<\/ProcedureTitle>\n)[\s\S]*(\s{12}<\/ProcessingProcedure>)/, `$1${commands}$2`);
  writeFileSync(join(dir, 'PPR.xml'), ppr);
  const source = join(parent, `${name}-caltables`);
  mkdirSync(join(source, 'unknown.session_1.caltables', 'finalcals.tbl'), { recursive: true });
  writeFileSync(join(source, 'unknown.session_1.caltables', 'finalcals.tbl', 'table.dat'), 'calibration table\n');
  writeFileSync(join(source, 'unknown.session_1.caltables', 'flux.csv'), 'source,flux\n3C286,14.9\n');
  await createTar({ file: join(dir, 'rawdata', `${SDM}.caltables.tar`), cwd: source }, ['unknown.session_1.caltables']);
  rmSync(source, { recursive: true });
  return dir;
}

describeCluster('a storm of envoy jobs on a multi-node Slurm cluster whose nodes die and are cut off', () => {
  let home: string;
  let casaHome: string;
  let storm: string;
  let receiver: ClosingReceiver;
  let broker: RabbitMq;
  let redis: RedisServer;
  let amqp: { messages: Record<string, unknown>[]; close: () => Promise<void> };
  const jobs: StormJob[] = [];
  const kills: NodeKill[] = [];
  let frozen: Frozen | undefined;
  let frozenThawed = false;
  let finalJobs: Map<string, JobRecord>;
  const began = Date.now();

  beforeAll(async () => {
    const states = nodeStateMap();
    const nodes = Object.keys(states);
    if (nodes.length < 3 || !Object.values(states).every((state) => /^(idle|mix|alloc)/.test(state))) {
      throw new Error(`the storm needs 3 or more nodes taking jobs (sinfo: ${JSON.stringify(states)}): start them with tools/scripts/slurm-cluster.sh start --nodes 3 (as root)`);
    }
    home = makeInstall();
    casaHome = makeCasaHome();
    // The cluster's shared file system: every processing directory, the staging area, the archive's ledger.
    storm = tempDir('envoys-storm-');
    for (const sub of ['out', 'scratch', 'staging', 'images']) mkdirSync(join(storm, sub));
    writeFileSync(join(storm, 'images', 'cube.fits'), `SIMPLE  =                    T${' '.repeat(50)}`);
    receiver = await startClosingReceiver(tempDir('envoys-storm-receiver-'));
    [broker, redis] = await Promise.all([startRabbitMq(), startRedis()]);
    const amqplib = await import('amqplib');
    const connection = await amqplib.connect(broker.url);
    const channel = await connection.createChannel();
    await channel.assertExchange('envoys', 'topic', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, 'envoys', '#');
    const messages: Record<string, unknown>[] = [];
    await channel.consume(queue, (message) => {
      if (!message) return;
      messages.push(JSON.parse(message.content.toString('utf8')) as Record<string, unknown>);
      channel.ack(message);
    });
    amqp = { messages, close: () => connection.close() };

    await runStorm();
    finalJobs = allJobs();
  }, STORM_MS + 4 * 60_000);

  afterAll(async () => {
    for (const job of jobs) if (queuedJobs().has(job.id)) cancelQuietly(job.id);
    // Whatever happened, no node stays frozen or down for the next suite.
    if (frozen && !frozenThawed) clusterCommand('thaw', frozen.node);
    await amqp?.close().catch(() => undefined);
    receiver?.close();
    await Promise.all([broker?.stop(), redis?.stop()]);
    log(`storm done in ${((Date.now() - began) / 1000).toFixed(0)} s`);
    // ENVOYS_STORM_KEEP=1 keeps the shared file system of the storm to look at.
    if (process.env['ENVOYS_STORM_KEEP'] === '1') log(`kept ${storm}`);
    else for (const dir of [storm, home, casaHome]) if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  const common = () => ({
    ENVOYS_HOME: home,
    ENVOY_SCRATCH_ROOT: join(storm, 'scratch'),
    ENVOY_LEASE_SECONDS: LEASE_SECONDS,
    ENVOY_EVENTS_URL: `${receiver.url}/events`,
    ENVOY_EVENTS_AMQP_URL: broker.url,
  });

  async function submit(kind: Kind, dir: string, script: string, args: string[], env: Record<string, string>, extra: string[] = []): Promise<string> {
    const options = [...RESOURCES, `--output=${join(storm, 'out', '%x-%j.out')}`, ...extra];
    const { jobId } = await sbatch(join(home, 'deploy/slurm', script), args, { cwd: dir, env: jobEnvironment({ ...common(), ...env }), options });
    jobs.push({ kind, id: jobId, dir });
    return jobId;
  }

  async function submitAll(): Promise<void> {
    const casa = { CASA_HOME: casaHome, CASA_EMULATOR_SCENARIO: 'slow', CASA_EMULATOR_SECONDS: CASA_SECONDS };
    const ingest = {
      ENVOY_INGEST_STAGING_ROOT: join(storm, 'staging'),
      ENVOY_INGEST_COMMAND: join(workspaceRoot, 'tools/emulators/ingest/bin/ingest'),
      INGEST_EMULATOR_LEDGER: join(storm, 'ledger.jsonl'),
    };
    const carta = {
      CARTA_BACKEND: join(workspaceRoot, 'tools/emulators/carta/bin/carta_backend'),
      CARTA_PROXY_BASE_URL: 'https://viewer.example.org',
      CARTA_CHECK_PROXY: 'false',
      CARTA_REDIS_URL: redis.url,
      CARTA_NOTIFY_URL: `${receiver.url}/notify`,
      CARTA_TIMEOUT_MINUTES: '0.05',
    };
    const restoreArgs = ['--standard-cal', 'metadata.json', 'PPR.xml', '--restore'];
    let restores = 0;
    let sessions = 0;
    for (let i = 0; i < CALIBRATIONS; i++) {
      const dir = makeProcessingDir(storm, `cal-${String(i).padStart(3, '0')}`);
      const cal = await submit('calibration', dir, 'casa-envoy.sbatch', [], casa);
      // The workflow ingests the calibration once it succeeded, reading its results in place.
      await submit('ingestion', dir, 'ingest-envoy.sbatch', ['--calibration', dir], ingest, [`--dependency=afterok:${cal}`]);
      // Restores and sessions spread through the storm.
      if (restores < RESTORES && i % Math.max(1, Math.floor(CALIBRATIONS / RESTORES)) === 0) {
        const restore = await makeRestoreDir(storm, `rst-${String(restores++).padStart(3, '0')}`);
        await submit('restore', restore, 'casa-envoy.sbatch', restoreArgs, casa);
      }
      if (sessions < SESSIONS && i % Math.max(1, Math.floor(CALIBRATIONS / SESSIONS)) === 0) {
        const id = `s-${String(sessions++).padStart(2, '0')}`;
        const dir = join(storm, `carta-${id}`);
        mkdirSync(dir);
        await submit('session', dir, 'carta-envoy.sbatch', ['--folder', join(storm, 'images'), '--session-id', id, '--set', 'envoys.carta.host=127.0.0.1'], carta);
      }
    }
    log(`submitted ${jobs.length} jobs`);
  }

  function ended(): number {
    const queued = queuedJobs();
    return jobs.filter((job) => !queued.has(job.id)).length;
  }

  /** A node with jobs running on it, other than those excluded, chosen at random. */
  async function busyNode(exclude: readonly string[], wanted: (node: string) => boolean = () => true): Promise<string> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const candidates = Object.keys(nodeStateMap()).filter((node) => !exclude.includes(node) && runningOn(node).length > 0 && wanted(node));
      if (candidates.length > 0) return candidates[Math.floor(Math.random() * candidates.length)] as string;
      if (Date.now() > deadline) throw new Error(`no busy node to fail (excluding ${exclude.join(', ')})`);
      await sleep(500);
    }
  }

  async function untilNodeState(node: string, pattern: RegExp, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pattern.test(nodeStateMap()[node] ?? '')) {
      if (Date.now() > deadline) throw new Error(`node ${node} not ${pattern} within ${ms} ms (is ${nodeStateMap()[node]})`);
      await sleep(500);
    }
  }

  /** Kills a node with jobs on it, waits until Slurm has noticed (DOWN: its jobs are requeued), resumes it. */
  async function killAndResume(node: string): Promise<string> {
    const kill = { node, jobs: runningOn(node) };
    clusterCommand('kill', node);
    kills.push(kill);
    log(`killed ${node} under jobs ${kill.jobs.join(' ')}`);
    await untilNodeState(node, /^down/, 90_000);
    await sleep(between(1000, 8000));
    clusterCommand('resume', node);
    log(`resumed ${node}`);
    return node;
  }

  /** The directories whose lease is held by an envoy on `node` (read from the shared file system). */
  function leasesOn(node: string): Frozen['leases'] {
    const leases: Frozen['leases'] = new Map();
    for (const job of jobs) {
      const lease = readLease(job.dir);
      if (lease?.node === node && lease.batchJob) leases.set(job.dir, { runId: lease.runId, batchJob: lease.batchJob, envoy: lease.envoy });
    }
    return leases;
  }

  /**
   * Freezes a node whose envoys hold leases, waits until SlurmdTimeout has passed and Slurm has started every
   * job of it again elsewhere (and each requeued envoy took its directory over, or already finished), then
   * thaws it: its old envoys and their CASA wake up still believing they own their directories.
   */
  async function freezeAndThaw(exclude: readonly string[]): Promise<void> {
    const node = await busyNode(exclude, (candidate) => [...leasesOn(candidate).values()].some((lease) => lease.envoy === 'casa-envoy'));
    clusterCommand('freeze', node);
    const leases = leasesOn(node);
    frozen = { node, jobs: runningOn(node), leases };
    log(`froze ${node} with jobs ${frozen.jobs.join(' ')}; leases there: ${[...leases.entries()].map(([dir, lease]) => `${relative(storm, dir)} (${lease.batchJob})`).join(', ')}`);
    await untilNodeState(node, /^down/, 90_000);
    const deadline = Date.now() + 180_000;
    for (;;) {
      const known = allJobs();
      const pending = frozen.jobs.filter((id) => {
        const job = known.get(id);
        return !job || job.restarts < 1 || job.node === node || /PENDING/.test(job.state);
      });
      const held = [...leases.keys()].filter((dir) => readLease(dir)?.runId === leases.get(dir)?.runId);
      if (pending.length === 0 && held.length === 0) break;
      if (Date.now() > deadline) throw new Error(`the frozen node's jobs were not started elsewhere within 180 s: ${pending.join(' ')}; leases still held: ${held.join(' ')}`);
      await sleep(500);
    }
    // Its own processes first, its Slurm daemons 12 s later: until then nothing tells Slurm the node is
    // back (which would make slurmd kill the old jobs at once), and the old envoys find out for themselves.
    log(`thawing ${node}, its slurmd and slurmstepd held 12 s`);
    await clusterCommandAsync('thaw', node, '--daemons-after', '12');
    frozenThawed = true;
    log(`thawed ${node}`);
    await untilNodeState(node, /^(idle|mix|alloc)/, 90_000);
  }

  async function runStorm(): Promise<void> {
    await submitAll();
    // The first node dies once the storm is under way; a few seconds later another is cut off (frozen)
    // while the first is still down; the third dies after the first is back. Moments and nodes are random.
    const failures = (async () => {
      while (ended() < jobs.length * 0.05) await sleep(500);
      const first = await busyNode([]);
      const killing = killAndResume(first);
      await sleep(between(3000, 8000));
      const freezing = freezeAndThaw([first]);
      await killing;
      await sleep(between(2000, 6000));
      // Another node than the first, and not the frozen one while it is frozen.
      await killAndResume(await busyNode([first, ...(frozen && !frozenThawed ? [frozen.node] : [])]));
      await freezing;
    })();
    let failed: unknown;
    failures.catch((error: unknown) => (failed = error));
    const deadline = began + STORM_MS;
    let last = '';
    while (ended() < jobs.length || !frozenThawed) {
      if (failed) throw failed;
      if (Date.now() > deadline) throw new Error(`the storm did not end within ${STORM_MS / 60_000} minutes: ${jobs.length - ended()} jobs still queued`);
      // A job whose launch failed twice (its node died, or froze, while Slurm was starting it) is requeued
      // held; the workflow's operator releases it, as on a real cluster.
      for (const job of allJobs().values()) {
        if (job.reason === 'launch_failed_requeued_held' && jobs.some((mine) => mine.id === job.id)) {
          log(`releasing job ${job.id} (launch failed, requeued held)`);
          spawnSync('scontrol', ['release', job.id], { stdio: 'ignore' });
        }
      }
      const progress = `${ended()}/${jobs.length} jobs ended`;
      if (progress !== last) log((last = progress));
      await sleep(2000);
    }
    await failures;
    log(`all ${jobs.length} jobs ended after ${((Date.now() - began) / 1000).toFixed(0)} s`);
  }

  const byKind = (kind: Kind) => jobs.filter((job) => job.kind === kind);
  const output = (id: string) => {
    const name = readdirSync(join(storm, 'out')).find((file) => file.endsWith(`-${id}.out`));
    return name ? readFileSync(join(storm, 'out', name), 'utf8') : '';
  };

  it('ran at least 200 jobs of every kind, and really failed nodes under them: two killed, one frozen, their jobs requeued', () => {
    expect(jobs.length).toBeGreaterThanOrEqual(200);
    for (const kind of ['calibration', 'ingestion', 'restore', 'session'] as Kind[]) expect([kind, byKind(kind).length > 0]).toEqual([kind, true]);
    expect(kills.map((kill) => kill.node)).toHaveLength(2);
    expect(new Set(kills.map((kill) => kill.node)).size).toBe(2);
    expect(frozen).toBeDefined();
    const requeued = [...kills.flatMap((kill) => kill.jobs), ...(frozen?.jobs ?? [])];
    expect(requeued.length).toBeGreaterThan(0);
    for (const id of requeued) expect([id, (finalJobs.get(id)?.restarts ?? 0) >= 1]).toEqual([id, true]);
  });

  it('every job ended as one clean run ends: COMPLETED 0:0, its report succeeded, its results staged out whole', () => {
    const bad = jobs
      .map((job) => ({ job, record: finalJobs.get(job.id) }))
      .filter(({ record }) => !record || record.state !== 'COMPLETED' || record.exitStatus !== 0 || record.exitSignal !== 0)
      .map(({ job, record }) => `${job.kind} ${job.id} ${relative(storm, job.dir)}: ${record ? `${record.state} ${record.exitStatus}:${record.exitSignal}` : 'unknown to slurmctld'}\n${output(job.id).slice(-1500)}`);
    expect(bad).toEqual([]);
    for (const job of jobs) {
      const envoy = job.kind === 'ingestion' ? 'ingest-envoy' : job.kind === 'session' ? 'carta-envoy' : 'casa-envoy';
      const report = JSON.parse(readFileSync(join(job.dir, `${envoy}-report.json`), 'utf8')) as Report;
      expect([job.id, report.status, report.exitCode]).toEqual([job.id, 'succeeded', 0]);
      const status = JSON.parse(readFileSync(join(job.dir, `${envoy}-status.json`), 'utf8')) as Record<string, unknown>;
      expect([job.id, typeof status]).toEqual([job.id, 'object']);
    }
    for (const job of byKind('restore')) expect(existsSync(join(job.dir, 'products/unknown.session_1.caltables/flux.csv'))).toBe(true);
    for (const job of byKind('calibration')) {
      expect(readdirSync(join(job.dir, 'products'))).toEqual(expect.arrayContaining(['unknown.session_1.caltables.tgz', 'weblog.tgz', `${SDM}.ms.flagversions.tgz`]));
    }
  });

  it('no torn or duplicated file: every directory of a kind has the same tree, every JSON file parses, no lease or stage-out leftovers', () => {
    for (const kind of ['calibration', 'restore', 'session'] as Kind[]) {
      const shapes = byKind(kind).map((job) => ({ dir: relative(storm, job.dir), tree: shape(job.dir) }));
      const reference = shapes[0]?.tree ?? [];
      expect(reference.length).toBeGreaterThan(0);
      for (const { dir, tree } of shapes) expect({ dir, tree }).toEqual({ dir, tree: reference });
      expect(reference.filter((path) => path.startsWith('.'))).toEqual([]);
    }
    const torn: string[] = [];
    for (const job of jobs) {
      for (const file of readdirSync(job.dir, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.json'))) {
        try {
          JSON.parse(readFileSync(join(job.dir, file), 'utf8'));
        } catch (error) {
          torn.push(`${relative(storm, job.dir)}/${file}: ${(error as Error).message}`);
        }
      }
    }
    expect(torn).toEqual([]);
  });

  it('each calibration was ingested exactly once (the archive ledger)', () => {
    const ledger = readFileSync(join(storm, 'ledger.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { ingestion_path: string });
    const paths = ledger.map((entry) => entry.ingestion_path);
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths).toHaveLength(byKind('ingestion').length);
  });

  it('no process of any job is left on any node, nothing in a node but its init and slurmd', async () => {
    const nodes = Object.keys(nodeStateMap());
    const deadline = Date.now() + 20_000;
    let extra: string[] = [];
    do {
      extra = nodes.flatMap((node) =>
        nodeProcesses(node)
          .filter((process) => !process.command.startsWith('/bin/bash -c') && !process.command.startsWith('slurmd -D -N'))
          .map((process) => `${node} ${process.pid}: ${process.command}`),
      );
      if (extra.length > 0) await sleep(500);
    } while (extra.length > 0 && Date.now() < deadline);
    expect(extra).toEqual([]);
    expect(describeProcesses(await leftoversAfter([storm, casaHome]))).toBe('');
    expect(((await redis.command('KEYS', 'traefik/*')) as string[]).sort()).toEqual([]);
  });

  it('the thawed envoys changed nothing: each found it no longer owns its directory, said so, and its job staged nothing out', () => {
    const thawed = frozen as Frozen;
    expect(thawed.leases.size).toBeGreaterThan(0);
    for (const [dir, lease] of thawed.leases) {
      const jobId = /^slurm (\d+)/.exec(lease.batchJob)?.[1] as string;
      const text = output(jobId);
      const envoy = lease.envoy;
      // The old run's own lines in the job's output (the requeued run appends its own to the same file).
      expect([dir, text.includes(`lost ownership of ${dir}`)]).toEqual([dir, true]);
      expect([dir, text.includes(`${envoy} does not own ${dir} (exit 75): nothing staged out`)]).toEqual([dir, true]);
      // The directory holds the requeued run's results, not the old run's.
      const report = JSON.parse(readFileSync(join(dir, `${envoy}-report.json`), 'utf8')) as Report;
      expect([dir, report.runId === lease.runId, report.status]).toEqual([dir, false, 'succeeded']);
      expect(readLease(dir)).toBeUndefined();
    }
  });

  it("events at scale: every run's events reached the HTTP receiver (which closes each connection) and the RabbitMQ exchange in order, with no gap", () => {
    const http = receiver
      .received()
      .filter((request) => request.path === '/events')
      .map((request) => request.body);
    for (const [transport, events] of [
      ['http', http],
      ['amqp', amqp.messages],
    ] as const) {
      // Delivery is at least once (CONTRACT 3.8, events): an attempt cut off after the endpoint took an event sends it
      // again, and a consumer drops a seq it has seen. What is left must be 1, 2, 3, ... in arrival order.
      const runs = new Map<string, number[]>();
      let repeats = 0;
      for (const event of events) {
        const seqs = runs.get(String(event['runId'])) ?? [];
        if (seqs.includes(Number(event['seq']))) repeats += 1;
        else runs.set(String(event['runId']), [...seqs, Number(event['seq'])]);
      }
      if (repeats > 0) log(`${transport}: ${repeats} repeated events dropped, as a consumer does`);
      const gaps = [...runs.entries()].filter(([, seqs]) => seqs.some((seq, index) => seq !== index + 1)).map(([run, seqs]) => `${run}: ${seqs.join(',')}`);
      expect([transport, gaps]).toEqual([transport, []]);
      // Every run whose report is in a directory sent all its events, the last one `finished`.
      for (const job of jobs) {
        const envoy = job.kind === 'ingestion' ? 'ingest-envoy' : job.kind === 'session' ? 'carta-envoy' : 'casa-envoy';
        const report = JSON.parse(readFileSync(join(job.dir, `${envoy}-report.json`), 'utf8')) as Report;
        const mine = events.filter((event) => event['runId'] === report.runId);
        expect([transport, job.id, mine.at(-1)?.['event'], mine.at(-1)?.['exitCode']]).toEqual([transport, job.id, 'finished', 0]);
      }
    }
  });
});
