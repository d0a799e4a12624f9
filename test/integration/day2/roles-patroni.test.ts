import { Credentials, PostgresClusterProps } from '../../../src';
import { ControlPlane } from '../../harness/kube/control-plane';
import { hashedJob, synthPostgresCluster } from '../../harness/kube/deploy';
import { GitOpsSync } from '../../harness/kube/gitops';
import { runJobContainer } from '../../harness/kube/job-runner';
import { passwordSyncPod, writeSecretVolumes } from '../../harness/kube/password-sync-pod';
import { KubePatroniCluster, startKubePatroniCluster } from '../../harness/kube/patroni-cluster';
import { execAsService, PatroniMember, underWrites } from '../../harness/patroni';
import { serviceTempDir, waitFor } from '../../harness/processes';
import { roleCatalogVia } from '../../harness/role-catalog';

/*
 * Day 2 of roles and databases on a running HA cluster: two GitOps revisions of a PostgresCluster are
 * applied to the real control plane (server-side apply, prune) and each revision's real bootstrap Job
 * (its own pod spec, the generated Secrets) converges the catalogs on the leader of real Patroni 4.0.4
 * members on the Kubernetes DCS, while an application writes. The Job reaches the leader the way the
 * primary Service would route it (PGHOST/PGPORT mapped to the leader's address).
 */

const NS = 'roles';
const NAME = 'roles-db';
const DATABASES = ['postgres', 'orders', 'legacy'];

const REVISION_1: Partial<PostgresClusterProps> = {
  roles: [
    { name: 'app', memberOf: ['orders_writer', 'reporting'] },
    { name: 'reporting', login: false },
    { name: 'old_app', memberOf: ['orders_reader'] },
    { name: 'batch', createDb: true, connectionLimit: 5 },
  ],
  databases: [{ name: 'orders', prepared: true }, { name: 'legacy', owner: 'old_app' }],
};

const REVISION_2: Partial<PostgresClusterProps> = {
  roles: [
    { name: 'app', memberOf: ['orders_writer'] },
    { name: 'reporting', login: false },
    { name: 'old_app', absent: true, reassignOwnedTo: 'app' },
    { name: 'batch', superuser: true, validUntil: '2030-01-31T00:00:00Z' },
  ],
  databases: [{ name: 'orders', prepared: true }, { name: 'legacy', owner: 'reporting' }],
};

let plane: ControlPlane;
let gitops: GitOpsSync;
let k8s: KubePatroniCluster;

const synth = (props: Partial<PostgresClusterProps>): any[] => synthPostgresCluster(NS, { name: NAME, instances: 2, ...props });
const job = (objects: any[], prefix: string): any => hashedJob(objects, `${NAME}-${prefix}`);

async function query(member: PatroniMember, sql: string, database = 'postgres'): Promise<string> {
  const result = await execAsService('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', sql], { env: member.socketEnv(database), cwd: member.dir, timeoutMs: 30_000 });
  if (result.status !== 0) throw new Error(`psql on ${member.name} (${database}) failed: ${result.stderr}`);
  return result.stdout.trim();
}

const catalogOf = (member: PatroniMember) => roleCatalogVia((sql, database) => query(member, sql, database), DATABASES);

/**
 * Applies a revision and runs its bootstrap Job (then `then`) against the leader while a writer writes and
 * every member is sampled; returns the Job's result, how long it took, and the most members down at once.
 */
interface RevisionRun { status: number | null; output: string; ms: number; maxDown: number; lost: number[]; name: string }

type AfterBootstrap = (objects: any[], leader: PatroniMember) => Promise<void>;

async function applyRevision(props: Partial<PostgresClusterProps>, then?: AfterBootstrap): Promise<RevisionRun> {
  const objects = synth(props);
  gitops.sync(objects);
  const leader = await k8s.cluster.waitForLeader();
  const bootstrap = job(objects, 'bootstrap');
  let ms = 0;
  const { result: run, writer, maxDown } = await underWrites(k8s.cluster, 'roles_writes', async () => {
    const started = Date.now();
    const result = await runJobContainer(plane, bootstrap, { env: { PGHOST: '127.0.0.1', PGPORT: String(leader.pgPort) }, timeoutMs: 300_000 });
    ms = Date.now() - started;
    if (then) await then(objects, leader);
    return result;
  });
  return { status: run.status, output: run.stdout + run.stderr, ms, maxDown, lost: await writer.missingOn(leader), name: bootstrap.metadata.name };
}

/** Waits until the replica's catalogs (physically replicated) equal the leader's. */
async function expectReplicaCaught(leader: PatroniMember): Promise<Record<string, string>> {
  const want = await catalogOf(leader);
  const replica = k8s.cluster.members.find((m) => m !== leader)!;
  await waitFor('the replica to replay the catalog changes', async () => JSON.stringify(await catalogOf(replica)) === JSON.stringify(want), 60_000, 250);
  return want;
}

beforeAll(async () => {
  plane = await ControlPlane.start({ crds: false });
  await plane.createNamespace(NS, 'restricted');
  gitops = new GitOpsSync(plane, { prune: true });
  const first = synth(REVISION_1);
  gitops.sync(first);
  const generated = await runJobContainer(plane, job(first, 'secrets'));
  if (generated.status !== 0) throw new Error(`secret generator failed: ${generated.stdout}${generated.stderr}`);
  k8s = await startKubePatroniCluster(plane, NS, NAME);
}, 900_000);

afterAll(async () => {
  k8s?.cluster.stop();
  plane?.stop();
});

describe('roles and databases follow the declaration on real Patroni 4 members', () => {
  let firstJob = '';

  test('revision 1: the bootstrap Job creates the roles and databases on the leader; the replica has them', async () => {
    const run = await applyRevision(REVISION_1);
    expect({ status: run.status, output: run.output }).toEqual({ status: 0, output: expect.stringContaining('primary is up') });
    firstJob = run.name;
    const leader = await k8s.cluster.waitForLeader();
    expect(await query(leader, "SELECT string_agg(roleid::regrole || ' > ' || member::regrole, ', ' ORDER BY roleid::regrole::text) FROM pg_auth_members WHERE member::regrole::text IN ('app', 'old_app')"))
      .toBe('orders_reader > old_app, orders_writer > app, reporting > app');
    expect(await query(leader, "SELECT datdba::regrole FROM pg_database WHERE datname = 'legacy'")).toBe('old_app');
    await query(leader, 'CREATE TABLE public.old_things (x int); ALTER TABLE public.old_things OWNER TO old_app', 'orders');
    await expectReplicaCaught(leader);
    expect(run.maxDown).toBe(0);
    expect(run.lost).toEqual([]);
  }, 300_000);

  test('revision 2: memberships revoked, an absent role dropped with its objects reassigned, attributes and owners follow; nothing goes down', async () => {
    const run = await applyRevision(REVISION_2);
    // eslint-disable-next-line no-console
    console.log(`roles revision 2 on Patroni 4: bootstrap Job ${run.ms} ms, max members down ${run.maxDown}, ${run.lost.length} acknowledged writes lost`);
    expect(run.status).toBe(0);
    expect(run.name).not.toBe(firstJob);
    expect((await plane.admin.request('GET', `/apis/batch/v1/namespaces/${NS}/jobs/${firstJob}`) as any).status).toBe(404);
    const leader = await k8s.cluster.waitForLeader();
    expect(await query(leader, "SELECT string_agg(roleid::regrole || ' > ' || member::regrole, ', ' ORDER BY roleid::regrole::text) FROM pg_auth_members WHERE member::regrole::text IN ('app', 'batch')"))
      .toBe('orders_writer > app');
    expect(await query(leader, "SELECT count(*) FROM pg_roles WHERE rolname = 'old_app'")).toBe('0');
    expect(await query(leader, "SELECT tableowner FROM pg_tables WHERE tablename = 'old_things'", 'orders')).toBe('app');
    expect(await query(leader, "SELECT rolsuper, rolconnlimit, rolcreatedb, rolvaliduntil AT TIME ZONE 'UTC' FROM pg_roles WHERE rolname = 'batch'"))
      .toBe('t|-1|f|2030-01-31 00:00:00');
    expect(await query(leader, "SELECT datdba::regrole FROM pg_database WHERE datname = 'legacy'")).toBe('reporting');
    await expectReplicaCaught(leader);
    expect(run.maxDown).toBe(0);
    expect(run.lost).toEqual([]);
  }, 300_000);

  test('after a switchover, the same revision run again against the new leader changes no catalog row on either member', async () => {
    const former = await k8s.cluster.waitForLeader();
    const candidate = k8s.cluster.members.find((m) => m !== former)!;
    const response = await k8s.cluster.switchover(former, candidate);
    expect(response.status).toBe(200);
    const leader = await k8s.cluster.waitForLeader({ not: former });
    await waitFor('the former leader to stream again', async () => (await k8s.cluster.clusterState())?.some((m) => m.name === former.name && m.state === 'streaming') === true, 120_000, 500);
    const before = await expectReplicaCaught(leader);
    const run = await applyRevision(REVISION_2);
    expect(run.status).toBe(0);
    const after = await expectReplicaCaught(leader);
    // The writer's own table is not a catalog the Job touches; compare every catalog the bootstrap converges.
    const withoutWriter = (dump: Record<string, string>) => Object.fromEntries(Object.entries(dump).map(([k, v]) => [k, v.split('\n').filter((l) => !l.startsWith('roles_writes')).join('\n')]));
    expect(withoutWriter(after)).toEqual(withoutWriter(before));
    expect(run.maxDown).toBe(0);
    expect(run.lost).toEqual([]);
  }, 300_000);

  test('a rotated password: the generator Job rotates the Secret, the password sync sets it on the leader, the replica has it; nothing goes down', async () => {
    const appSecret = `app.${NAME}.credentials.postgresql.acid.zalan.do`;
    const password = async () => {
      const secret = await plane.admin.get(`/api/v1/namespaces/${NS}/secrets/${appSecret}`);
      return Buffer.from(secret.data.password, 'base64').toString('utf8');
    };
    const login = async (member: PatroniMember, secret: string) => (await execAsService('psql', ['-X', '-qAt', '-c', 'SELECT current_user'], {
      env: { PGHOST: '127.0.0.1', PGPORT: String(member.pgPort), PGUSER: 'app', PGPASSWORD: secret, PGDATABASE: 'orders', PGSSLMODE: 'require', PGCONNECT_TIMEOUT: '5' },
      timeoutMs: 15_000,
    })).stdout.trim() === 'app';
    const old = await password();
    let rotated = '';
    let syncMs = 0;
    const rotation: Partial<PostgresClusterProps> = {
      ...REVISION_2, passwordSync: true, roleCredentials: { app: Credentials.generated({ rotation: 1 }) },
    };
    const run = await applyRevision(rotation, async (objects, leader) => {
      expect(await login(leader, old)).toBe(true);
      const generated = await runJobContainer(plane, job(objects, 'secrets'));
      expect({ status: generated.status, output: generated.stdout + generated.stderr }).toEqual({ status: 0, output: expect.stringContaining('rotated') });
      rotated = await password();
      // The sync pod's loop, once: its Secret volumes as the kubelet refreshes them, the primary Service at the leader.
      const pod = await passwordSyncPod(plane, objects, NS, serviceTempDir('patroni-sync'), { host: '127.0.0.1', port: leader.pgPort });
      expect(pod.serviceHost).toBe(`${NAME}.${NS}.svc`);
      await writeSecretVolumes(plane, NS, pod.secretVolumes);
      const started = Date.now();
      const sync = await execAsService(pod.argv[0], pod.argv.slice(1), { env: { ...pod.env, PGAAS_SYNC_ONCE: '1' }, timeoutMs: 60_000 });
      syncMs = Date.now() - started;
      expect({ status: sync.status, output: sync.stdout + sync.stderr }).toEqual({ status: 0, output: expect.stringContaining('now has') });
    });
    // eslint-disable-next-line no-console
    console.log(`rotation on Patroni 4: password sync pass ${syncMs} ms, max members down ${run.maxDown}, ${run.lost.length} acknowledged writes lost`);
    expect(run.status).toBe(0);
    expect(rotated).not.toBe(old);
    const leader = await k8s.cluster.waitForLeader();
    expect(await login(leader, rotated)).toBe(true);
    expect(await login(leader, old)).toBe(false);
    await expectReplicaCaught(leader);
    expect(run.maxDown).toBe(0);
    expect(run.lost).toEqual([]);
  }, 300_000);
});
