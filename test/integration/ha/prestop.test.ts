import * as http from 'http';
import { AddressInfo } from 'net';
import { PreStopHook } from '../../../src/cluster/prestop-hook';
import { runPreStopHook } from '../../harness/patroni';

/*
 * The preStop hook's decisions against a stand-in Patroni REST API (no database needed). The hook
 * against real Patroni 4 members, run by the kubelet stand-in at pod deletion and during rolling
 * updates, is proven in test/integration/kube/rollout.test.ts (asynchronous) and
 * test/integration/kube/patroni-k8s.test.ts (synchronous).
 */

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

  test('exits 0 when Patroni does not answer', async () => {
    const hook = await runPreStopHook(PreStopHook.command(5), 'http://127.0.0.2:1');
    expect(hook.status).toBe(0);
    expect(hook.stdout).toMatch('giving up');
  });

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
      // Outside a pod there is no ServiceAccount token: no revision preference, the choice is by lag.
      expect(hook.stdout).toMatch('choosing by lag only');
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
