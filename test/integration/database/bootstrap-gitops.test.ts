import { PostgresClusterProps } from '../../../src';
import { ControlPlane } from '../../harness/kube/control-plane';
import { hashedJob, synthPostgresCluster } from '../../harness/kube/deploy';
import { GitOpsSync, objectKey } from '../../harness/kube/gitops';
import { runJobContainer } from '../../harness/kube/job-runner';
import { PostgresServer } from '../../harness/postgres';
import { roleCatalog } from '../../harness/role-catalog';

/*
 * Day 2 of the declared roles through GitOps: two revisions of a PostgresCluster are synthesized and
 * applied to a real API server like Argo CD or Flux would (server-side apply, prune), and each
 * revision's bootstrap Job runs with its own pod spec: the env from the real Secrets the bundle's
 * generator Job created, the SQL from the applied ConfigMap. Only the primary's address is mapped
 * (PGHOST/PGPORT to a plain PostgreSQL 15 with TLS; the Job needs no Patroni).
 */

const NS = 'shop';
const NAME = 'shop-db';
let plane: ControlPlane;
let server: PostgresServer;
let gitops: GitOpsSync;

const REVISION_1: Partial<PostgresClusterProps> = {
  roles: [
    { name: 'app', memberOf: ['orders_writer', 'reporting'] },
    { name: 'reporting', login: false },
    { name: 'old_app', memberOf: ['orders_reader'] },
    { name: 'batch', createDb: true, connectionLimit: 5, validUntil: '2030-01-31T00:00:00Z' },
  ],
  databases: [{ name: 'orders', prepared: true }, { name: 'legacy', owner: 'old_app' }],
};

const REVISION_2: Partial<PostgresClusterProps> = {
  roles: [
    { name: 'app', memberOf: ['orders_writer'] },
    { name: 'reporting', login: false },
    { name: 'old_app', absent: true, reassignOwnedTo: 'app' },
    { name: 'batch', superuser: true },
  ],
  databases: [{ name: 'orders', prepared: true }, { name: 'legacy', owner: 'reporting' }],
};

const synth = (props: Partial<PostgresClusterProps>): any[] => synthPostgresCluster(NS, { name: NAME, instances: 1, ...props });
const job = (objects: any[], prefix: string): any => hashedJob(objects, `${NAME}-${prefix}`);

/** Applies a revision, runs its secret generator, then its bootstrap Job (pointed at the test server). */
async function syncAndBootstrap(objects: any[]): Promise<{ bootstrap: any; status: number | null; output: string; ms: number }> {
  gitops.sync(objects);
  const generator = await runJobContainer(plane, job(objects, 'secrets'));
  expect({ status: generator.status, stderr: generator.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
  const bootstrap = job(objects, 'bootstrap');
  const started = Date.now();
  const run = await runJobContainer(plane, bootstrap, { env: { PGHOST: server.host, PGPORT: String(server.port) } });
  return { bootstrap, status: run.status, output: run.stdout + run.stderr, ms: Date.now() - started };
}

async function secretValue(ref: { name: string; key: string }): Promise<string> {
  const secret = await plane.admin.get(`/api/v1/namespaces/${NS}/secrets/${ref.name}`);
  return Buffer.from(secret.data[ref.key], 'base64').toString('utf8');
}

const catalog = () => roleCatalog(server, ['postgres', 'orders', 'legacy']);
const rows = (sql: string, database = 'postgres') => server.query(sql, { database }).split('\n').filter((l) => l !== '');

beforeAll(async () => {
  plane = await ControlPlane.start({ crds: false });
  await plane.createNamespace(NS, 'restricted');
  server = await PostgresServer.start({
    tls: true,
    hba: ['local all all trust', 'hostssl all all 127.0.0.1/32 scram-sha-256', 'hostnossl all all all reject'],
  });
  gitops = new GitOpsSync(plane, { prune: true });
}, 900_000);

afterAll(() => {
  server?.stop();
  plane?.stop();
});

describe('the bootstrap Job of two revisions, applied like a GitOps tool, on the real control plane', () => {
  let first: Awaited<ReturnType<typeof syncAndBootstrap>>;

  test('revision 1: the Job applies the declaration with the generated Secrets', async () => {
    const objects = synth(REVISION_1);
    // The superuser's password is the one the generator puts in its Secret, as Spilo would set it.
    gitops.sync(objects);
    expect((await runJobContainer(plane, job(objects, 'secrets'))).status).toBe(0);
    const superuser = job(objects, 'bootstrap').spec.template.spec.containers[0].env.find((e: any) => e.name === 'PGPASSWORD').valueFrom.secretKeyRef;
    server.query(`ALTER ROLE postgres PASSWORD '${(await secretValue(superuser)).replace(/'/g, "''")}'`);

    first = await syncAndBootstrap(objects);
    expect(first.output).toContain('primary is up');
    expect(first.status).toBe(0);
    expect(rows("SELECT roleid::regrole || ' > ' || member::regrole FROM pg_auth_members WHERE member::regrole::text IN ('app', 'old_app') ORDER BY 1"))
      .toEqual(['orders_reader > old_app', 'orders_writer > app', 'reporting > app']);
    expect(server.query("SELECT rolconnlimit, rolcreatedb, rolvaliduntil AT TIME ZONE 'UTC' FROM pg_roles WHERE rolname = 'batch'")).toBe('5|t|2030-01-31 00:00:00');
    // The application's work: old_app owns a table in a declared database.
    server.query('CREATE TABLE public.old_things (x int); ALTER TABLE public.old_things OWNER TO old_app', { database: 'orders' });
  }, 300_000);

  test('revision 2: a new Job (new name), the old one pruned; memberships, absent roles, attributes and owners follow', async () => {
    const objects = synth(REVISION_2);
    const second = await syncAndBootstrap(objects);
    console.log(`bootstrap Job of revision 2 (revoke, drop with reassign, attributes, owner): ${second.ms} ms`);
    expect(second.status).toBe(0);
    expect(second.bootstrap.metadata.name).not.toBe(first.bootstrap.metadata.name);
    expect(await plane.admin.request('GET', `/apis/batch/v1/namespaces/${NS}/jobs/${first.bootstrap.metadata.name}`).then((r: any) => r.status)).toBe(404);
    expect(objectKey(second.bootstrap)).toBe(`Job/${NS}/${second.bootstrap.metadata.name}`);

    expect(rows("SELECT roleid::regrole || ' > ' || member::regrole FROM pg_auth_members WHERE member::regrole::text IN ('app', 'batch') ORDER BY 1"))
      .toEqual(['orders_writer > app']);
    expect(server.query("SELECT count(*) FROM pg_roles WHERE rolname = 'old_app'")).toBe('0');
    expect(server.query("SELECT tableowner FROM pg_tables WHERE tablename = 'old_things'", { database: 'orders' })).toBe('app');
    expect(server.query("SELECT rolsuper, rolconnlimit, rolcreatedb, rolvaliduntil FROM pg_roles WHERE rolname = 'batch'")).toBe('t|-1|f|infinity');
    expect(server.query("SELECT datdba::regrole FROM pg_database WHERE datname = 'legacy'")).toBe('reporting');
  }, 300_000);

  test('the Job of revision 2 run again (a retry, a re-sync) changes no catalog', async () => {
    const before = catalog();
    const again = await runJobContainer(plane, job(synth(REVISION_2), 'bootstrap'), { env: { PGHOST: server.host, PGPORT: String(server.port) } });
    expect(again.status).toBe(0);
    expect(catalog()).toEqual(before);
  }, 300_000);

  test('a refused drop fails the Job visibly, with the reason in its log', async () => {
    server.query('CREATE TABLE public.t (x int); ALTER TABLE public.t OWNER TO reporting', { database: 'orders' });
    const refused = { ...REVISION_2, roles: [...REVISION_2.roles!.filter((r) => r.name !== 'reporting'), { name: 'reporting', absent: true }] };
    refused.roles = refused.roles.map((r) => (r.name === 'app' ? { name: 'app', memberOf: ['orders_writer'] } : r));
    refused.databases = [{ name: 'orders', prepared: true }, { name: 'legacy', owner: 'app' }];
    const before = rows("SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname = 'reporting'");
    const run = await syncAndBootstrap(synth(refused));
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/ERROR: {2}cannot drop role reporting \(roles\[3\] is absent\): it owns objects \(1 in orders\); declare reassignOwnedTo/);
    expect(rows("SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname = 'reporting'")).toEqual(before);
  }, 300_000);
});
