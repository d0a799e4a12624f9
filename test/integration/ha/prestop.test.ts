import * as http from 'http';
import { AddressInfo } from 'net';
import { Chart, Testing } from 'cdk8s';
import { PostgresCluster } from '../../../src';
import { PreStopHook } from '../../../src/cluster/prestop-hook';
import { PatroniCluster, restApiEnv, runPreStopHook, synthesizeCluster, Writer } from '../../harness/patroni';
import { sleep, waitFor } from '../../harness/processes';

/*
 * The preStop hook against real members: three members with the library's defaults (asynchronous
 * replication; the synchronous case is in failover.test.ts).
 */

const TEST_TIMEOUT = 300_000;
// Exactly the command the kubelet runs: taken from a synthesized StatefulSet.
const HOOK: string[] = (() => {
  const chart = new Chart(Testing.app(), 'hook', { namespace: 'db' });
  new PostgresCluster(chart, 'db', { name: 'hook-db', instances: 3 });
  const sts = Testing.synth(chart).find((o) => o.kind === 'StatefulSet');
  return sts.spec.template.spec.containers[0].lifecycle.preStop.exec.command;
})();

describe('preStop hook', () => {
  let cluster: PatroniCluster;

  beforeAll(async () => {
    cluster = await PatroniCluster.start(synthesizeCluster({ name: 'hook-db', instances: 3 }));
  }, TEST_TIMEOUT);

  afterAll(() => {
    cluster?.stop();
  });

  test('on the leader: switches over to a healthy replica before the pod stops, no acknowledged write lost', async () => {
    const leader = await cluster.waitForLeader();
    const writer = await Writer.create(cluster);
    writer.start();
    try {
      await waitFor('30 acknowledged writes', () => writer.acknowledged().length >= 30, 60_000, 100);
      const startedAt = Date.now();
      const hook = await runPreStopHook(HOOK, leader.restUrl, restApiEnv(cluster.spec));
      expect(hook.status).toBe(0);
      expect(hook.stdout).toMatch(new RegExp(`switching over from ${leader.name} to hook-db-\\d`));
      expect(hook.stdout).toMatch(`${leader.name} is no longer the leader`);
      const newLeader = await cluster.waitForLeader({ not: leader });
      const first = await writer.waitForWriteAfter(startedAt, newLeader);
      await sleep(2_000);
      await writer.stop();
      expect(await writer.missingOn(newLeader)).toEqual([]);
      // eslint-disable-next-line no-console
      console.log(`preStop on leader: ${leader.name} -> ${newLeader.name}, hookMs=${hook.durationMs}, writeDowntimeMs=${first.endedAt - startedAt}, acknowledgedChecked=${writer.acknowledged().length}, failedAttempts=${writer.attempts.filter((a) => !a.ok).length}\n${hook.stdout}`);
      // Kubernetes would now stop the pod; here the demoted member simply keeps following.
      await cluster.waitForReplica(leader);
    } finally {
      await writer.stop();
    }
  }, TEST_TIMEOUT);

  test('on a replica: changes nothing', async () => {
    const leader = await cluster.waitForLeader();
    const before = (await cluster.clusterState())!;
    const replica = cluster.members.find((m) => m !== leader)!;
    const hook = await runPreStopHook(HOOK, replica.restUrl, restApiEnv(cluster.spec));
    expect(hook.status).toBe(0);
    expect(hook.stdout).toMatch('nothing to hand over');
    expect(hook.durationMs).toBeLessThan(10_000);
    expect(await cluster.waitForLeader()).toBe(leader);
    const after = (await cluster.clusterState())!;
    const summary = (state: typeof before) => state.map((m) => `${m.name}:${m.role}:${m.timeline}`).sort();
    expect(summary(after)).toEqual(summary(before));
  }, TEST_TIMEOUT);

  test('the REST API refuses an unauthenticated switchover; the probes\' GET endpoints stay open', async () => {
    expect(cluster.spec.restApi?.username).toBe('patroni');
    const leader = await cluster.waitForLeader();
    const anonymous = await leader.postAnonymously('/switchover', { leader: leader.name });
    expect(anonymous?.status).toBe(401);
    expect((await cluster.waitForLeader()).name).toBe(leader.name);
    expect((await leader.get('/readiness'))?.status).toBe(200);
    expect((await leader.get('/liveness'))?.status).toBe(200);
  }, TEST_TIMEOUT);

  test('exits 0 when Patroni does not answer', async () => {
    const hook = await runPreStopHook(HOOK, 'http://127.0.0.2:1');
    expect(hook.status).toBe(0);
    expect(hook.stdout).toMatch('giving up');
  }, TEST_TIMEOUT);
});

/** A stand-in Patroni REST API answering fixed documents, recording the switchover requests. */
async function fakePatroni(documents: Record<string, unknown>): Promise<{ url: string; posts: unknown[]; close: () => void }> {
  const posts: unknown[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => body += chunk);
    req.on('end', () => {
      if (req.method === 'POST') {
        posts.push(JSON.parse(body));
        res.writeHead(200).end('Successfully switched over');
        return;
      }
      const document = documents[req.url ?? ''];
      res.writeHead(document ? 200 : 404, { 'Content-Type': 'application/json' }).end(JSON.stringify(document ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posts, close: () => server.close() };
}

describe('preStop hook against a stand-in REST API', () => {
  const leader = { name: 'db-0', role: 'leader', state: 'running', lag: 0 };

  test('the command is a shell wrapper that always exits 0; the timeout must be whole seconds', () => {
    expect(PreStopHook.command(90)).toEqual(['/bin/sh', '-c', expect.stringContaining('|| true'), 'pgaas-prestop', PreStopHook.SCRIPT, '90']);
    expect(() => PreStopHook.command(0)).toThrow(/whole number of seconds/);
    expect(() => PreStopHook.command(1.5)).toThrow(/whole number of seconds/);
    expect(PreStopHook.timeoutFor(300)).toBe(120);
    expect(PreStopHook.timeoutFor(60)).toBe(30);
  });

  test('picks the replica with the least lag, skipping lagging, stopped and nofailover members', async () => {
    const api = await fakePatroni({
      '/patroni': { role: 'master' },
      '/cluster': {
        members: [
          leader,
          { name: 'db-1', role: 'replica', state: 'running', lag: 2048 },
          { name: 'db-2', role: 'replica', state: 'running', lag: 0, tags: { nofailover: true } },
          { name: 'db-3', role: 'replica', state: 'running', lag: 10 * 1024 * 1024 },
          { name: 'db-4', role: 'replica', state: 'stopped', lag: 0 },
          { name: 'db-5', role: 'replica', state: 'running', lag: 'unknown' },
        ],
      },
      '/config': { maximum_lag_on_failover: 1024 * 1024 },
    });
    try {
      // The stand-in never changes role: the hook must give up after its timeout, and still exit 0.
      const hook = await runPreStopHook(PreStopHook.command(3), api.url);
      expect(api.posts).toEqual([{ leader: 'db-0', candidate: 'db-1' }]);
      expect(hook.status).toBe(0);
      expect(hook.stdout).toMatch('timed out after 3.0s');
      expect(hook.durationMs).toBeGreaterThanOrEqual(3_000);
      expect(hook.durationMs).toBeLessThan(15_000);
    } finally {
      api.close();
    }
  });

  test('in synchronous mode only a synchronous standby qualifies; without one nothing is posted', async () => {
    const api = await fakePatroni({
      '/patroni': { role: 'primary' },
      '/cluster': { members: [leader, { name: 'db-1', role: 'replica', state: 'streaming', lag: 0 }] },
      '/config': { synchronous_mode: true },
    });
    try {
      const hook = await runPreStopHook(PreStopHook.command(3), api.url);
      expect(hook.status).toBe(0);
      expect(api.posts).toEqual([]);
      expect(hook.stdout).toMatch('no healthy replica');
    } finally {
      api.close();
    }
  });
});
