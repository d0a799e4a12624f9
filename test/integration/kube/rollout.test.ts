import { ControlPlane } from '../../harness/kube/control-plane';
import { deployPostgresCluster } from '../../harness/kube/deploy';
import { deleteLeaderPod, disruptUnderWrites, killLeader, rejoin } from '../../harness/kube/failover';
import { runJobContainer } from '../../harness/kube/job-runner';
import { KubePatroniCluster } from '../../harness/kube/patroni-cluster';
import { PodLifecycle } from '../../harness/kube/pod-lifecycle';
import { leaderTimeline, placeLeader, rollingRestart, settled } from '../../harness/kube/rollout';
import { execAsService } from '../../harness/patroni';
import { sleep } from '../../harness/processes';

/*
 * Day-2 life of a running cluster on the real control plane, with Patroni 4.0.4 on the Kubernetes DCS:
 * the database bootstrap Job with its own token, pod deletion with the preStop switchover run as the
 * kubelet runs it, rolling updates rolled by the StatefulSet controller with the leader at each
 * ordinal, and, from the API server's audit log of all of it, the Patroni Role is exactly what
 * Patroni and the hook use.
 */

const NS = 'day2';
const NAME = 'day2-db';
let plane: ControlPlane;
let objects: any[];
let k8s: KubePatroniCluster;
let lifecycle: PodLifecycle;

function log(what: string, values: Record<string, unknown>): void {
  // eslint-disable-next-line no-console
  console.log(`${what}: ${Object.entries(values).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ')}`);
}

function bootstrapJob(): any {
  const jobs = objects.filter((o) => o.kind === 'Job' && o.spec.template.spec.containers[0].name === 'bootstrap');
  if (jobs.length !== 1) throw new Error(`expected one bootstrap Job, found ${jobs.length}`);
  return jobs[0];
}

beforeAll(async () => {
  plane = await ControlPlane.start({ crds: false, auditLog: true });
  await plane.createNamespace(NS, 'restricted');
  ({ objects, k8s } = await deployPostgresCluster(plane, NS, {
    name: NAME,
    instances: 3,
    roles: [{ name: 'shop_app' }],
    databases: [{ name: 'shop', owner: 'shop_app' }, { name: 'orders', prepared: true }],
  }));
  lifecycle = await PodLifecycle.start(plane, k8s);
}, 900_000);

afterAll(async () => {
  await lifecycle?.stop();
  k8s?.cluster.stop();
  plane?.stop();
});

describe('the database bootstrap Job, run with its own ServiceAccount token', () => {
  const catalog = (leader: any) => leader.query([
    'SELECT string_agg(rolname || \':\' || rolcanlogin, \',\' ORDER BY rolname) FROM pg_roles WHERE rolname NOT LIKE \'pg\\_%\'',
    'UNION ALL SELECT string_agg(datname || \':\' || pg_get_userbyid(datdba), \',\' ORDER BY datname) FROM pg_database',
    'UNION ALL SELECT string_agg(pg_get_userbyid(roleid) || \'>\' || pg_get_userbyid(member), \',\' ORDER BY 1) FROM pg_auth_members',
    // xmin of the catalog rows: a second run that rewrote a role or database would change them.
    'UNION ALL SELECT string_agg(rolname || \'@\' || xmin, \',\' ORDER BY rolname) FROM pg_authid',
    'UNION ALL SELECT string_agg(datname || \'@\' || xmin, \',\' ORDER BY datname) FROM pg_database',
  ].join(' '));

  test('creates the declared roles and databases; a second run changes nothing', async () => {
    const leader = await settled(k8s);
    // The primary Service's name, as cluster DNS would resolve it, is the leader's 127.0.0.1 port here.
    const env = { PGHOST: '127.0.0.1', PGPORT: String(leader.pgPort) };
    const first = await runJobContainer(plane, bootstrapJob(), { env, timeoutMs: 180_000 });
    expect({ status: first.status, stderr: first.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    expect(await leader.query('SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = \'shop\'')).toBe('shop_app');
    expect(await leader.query('SELECT count(*) FROM pg_roles WHERE rolname IN (\'orders_owner\', \'orders_reader\', \'orders_writer\', \'shop_app\')')).toBe('4');
    // shop_app logs in over TCP (TLS) with the password of its generated Secret, as an app would.
    const secrets = (await plane.admin.get(`/api/v1/namespaces/${NS}/secrets`)).items as any[];
    const secret = secrets.find((s) => s.metadata.name.startsWith('shop-app.'));
    const login = await execAsService('psql', ['-X', '-qAt', '-c', 'SELECT current_user, current_database()'], {
      env: { PGHOST: '127.0.0.1', PGPORT: String(leader.pgPort), PGUSER: 'shop_app', PGDATABASE: 'shop', PGSSLMODE: 'require', PGPASSWORD: Buffer.from(secret.data.password, 'base64').toString('utf8') },
    });
    expect({ status: login.status, stdout: login.stdout.trim(), stderr: login.stderr }).toEqual({ status: 0, stdout: 'shop_app|shop', stderr: '' });
    const before = await catalog(leader);
    const second = await runJobContainer(plane, bootstrapJob(), { env, timeoutMs: 180_000 });
    expect(second.status).toBe(0);
    expect(await catalog(leader)).toBe(before);
  }, 400_000);

  test('cannot list Secrets, nor read one it does not manage', async () => {
    const job = bootstrapJob();
    const client = await plane.clientFor(NS, job.spec.template.spec.serviceAccountName ?? 'default');
    try {
      await plane.admin.expect('POST', `/api/v1/namespaces/${NS}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'not-the-jobs' }, stringData: { password: 'x' } });
      expect((await client.request('GET', `/api/v1/namespaces/${NS}/secrets`)).status).toBe(403);
      expect((await client.request('GET', `/api/v1/namespaces/${NS}/secrets/not-the-jobs`)).status).toBe(403);
      // Nor the Secrets it reads through its pod's env (the kubelet resolves those, not the Job).
      const superuser = job.spec.template.spec.containers[0].env.find((e: any) => e.name === 'PGPASSWORD').valueFrom.secretKeyRef.name;
      expect((await client.request('GET', `/api/v1/namespaces/${NS}/secrets/${superuser}`)).status).toBe(403);
    } finally {
      client.close();
    }
  });
});

describe('pod deletion: the kubelet runs the preStop hook, then stops the member', () => {
  test('the leader hands over before its member stops; no acknowledged write is lost', async () => {
    const leader = await settled(k8s);
    const timeline = await leaderTimeline(k8s);
    const deletion = await disruptUnderWrites(k8s.cluster, () => deleteLeaderPod(k8s, lifecycle, leader));
    const newLeader = deletion.leader;
    expect(deletion.hooks).toHaveLength(1);
    const [hook] = deletion.hooks;
    expect(hook.hook.stdout).toMatch(`switching over from ${leader.name} to ${newLeader.name}`);
    expect(hook.hook.stdout).toMatch(`${leader.name} is no longer the leader`);
    // When the hook returned (before SIGTERM), the lock was already the new leader's.
    expect(hook.leaderLock).toBe(newLeader.name);
    expect(deletion.stopped.at).toBeGreaterThanOrEqual(hook.at);
    expect(await leaderTimeline(k8s)).toBe(timeline + 1);
    expect(deletion.missing).toEqual([]);
    log('preStop at pod deletion', {
      from: leader.name,
      to: newLeader.name,
      hookMs: hook.hook.durationMs,
      writesRefusedMs: deletion.refusedMs,
      acknowledged: deletion.writer.acknowledged().length,
    });
  }, 600_000);
});

describe('rolling update by the StatefulSet controller (kubectl rollout restart)', () => {
  // Highest ordinal first, as the controller replaces pods: a leader at the highest ordinal is
  // replaced first, when no member runs the new revision yet, so it must switch over twice.
  test.each([1, 0, 2])('leader at ordinal %i: at most one switchover unless it is the highest ordinal, no acknowledged write lost', async (ordinal) => {
    await placeLeader(k8s, ordinal);
    const result = await disruptUnderWrites(k8s.cluster, () => rollingRestart(plane, k8s, lifecycle), { writes: 20 });
    expect(result.order).toEqual([2, 1, 0].map((i) => `${NAME}-${i}`));
    expect(result.missing).toEqual([]);
    expect(result.switchovers).toBe(ordinal === 2 ? 2 : 1);
    log(`rolling update, leader at ordinal ${ordinal}`, {
      switchovers: result.switchovers,
      durationMs: result.durationMs,
      writesRefusedMs: result.refusedMs,
      finalLeader: result.leader.name,
      hooks: result.hookLogs.filter((h) => /switching over/.test(h.stdout)).map((h) => h.stdout.trim().split('\n').join(' | ')),
    });
  }, 900_000);
});

describe('failover for the audit log', () => {
  test('kill -9 of the leader: a replica takes over, the killed member rejoins', async () => {
    const { old, leader } = await killLeader(k8s.cluster, await settled(k8s));
    await rejoin(k8s.cluster, old);
    expect(leader).not.toBe(old);
  }, 400_000);
});

describe('the Patroni Role is exactly what Patroni 4 and the preStop hook use (API server audit log)', () => {
  test('every granted (verb, resource) was used, nothing else was requested, nothing was denied', async () => {
    expect(lifecycle.errors).toEqual([]);
    await sleep(1_000);
    const sts = objects.find((o) => o.kind === 'StatefulSet');
    const user = `system:serviceaccount:${NS}:${sts.spec.template.spec.serviceAccountName}`;
    const key = (group: string, resource: string, verb: string) => `${verb} ${group ? `${group}/` : ''}${resource}`;
    const events = plane.auditEvents().filter((e) => e.user?.username === user && e.objectRef);
    const requested = new Set(events.map((e) => key(e.objectRef.apiGroup ?? '', e.objectRef.resource + (e.objectRef.subresource ? `/${e.objectRef.subresource}` : ''), e.verb)));
    const denied = events.filter((e) => e.annotations?.['authorization.k8s.io/decision'] === 'forbid' || e.responseStatus?.code === 403)
      .map((e) => `${e.verb} ${e.requestURI}`);
    const role = objects.find((o) => o.kind === 'Role' && o.metadata.name === sts.spec.template.spec.serviceAccountName);
    const granted = new Set((role.rules as any[])
      .flatMap((r) => r.apiGroups.flatMap((g: string) => r.resources.flatMap((res: string) => r.verbs.map((v: string) => key(g, res, v))))));
    // Granted but used only on a path a healthy cluster does not take; each names the source.
    const rarePaths: Record<string, string> = {
      // patroni/dcs/kubernetes.py (v4.0.4) Kubernetes.update_leader: read_namespaced_kind after a 409.
      'get configmaps': 'the leader re-reads its lock after a conflicting update',
    };
    log('audit', { requests: events.length, requested: [...requested].sort(), granted: [...granted].sort() });
    expect(denied).toEqual([]);
    expect([...requested].filter((r) => !granted.has(r)).sort()).toEqual([]);
    expect([...granted].filter((g) => !requested.has(g) && !(g in rarePaths)).sort()).toEqual([]);
    // Every member appears: each used its own token.
    expect(new Set(events.map((e) => e.sourceIPs?.[0])).size).toBeGreaterThan(0);
  });

  test('no member was ever denied by the API server (no 403 in any Patroni log)', () => {
    for (const member of k8s.cluster.members) {
      expect(member.log().split('\n').filter((l) => /\(403\)|\b403 Forbidden|[Ff]orbidden|RBAC/.test(l))).toEqual([]);
    }
  });
});
