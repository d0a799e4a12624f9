import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/*
 * The CLI's thin I/O layer with a stand-in kubectl on PATH that answers with Patroni 4 objects and
 * records its arguments: what it asks Kubernetes for, the text and --json output, the exit code.
 * (Against a real API server and real Patroni 4 members: not yet, see the README.)
 */

const LEADER = {
  metadata: {
    name: 'orders-db-leader',
    namespace: 'orders',
    labels: { 'application': 'spilo', 'cluster-name': 'orders-db' },
    annotations: { leader: 'orders-db-0', ttl: '30', renewTime: new Date(Date.now() - 2000).toISOString(), acquireTime: '2026-12-05T09:00:00+00:00', transitions: '0', optime: '100' },
  },
};
const POD = {
  metadata: {
    name: 'orders-db-0',
    namespace: 'orders',
    labels: { 'application': 'spilo', 'cluster-name': 'orders-db', 'spilo-role': 'master' },
    annotations: { status: JSON.stringify({ state: 'running', role: 'primary', xlog_location: 100, timeline: 1, version: '4.0.4' }) },
  },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
};

function run(args: string[], answers: { pods: any[]; configmaps: any[] }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgaas-cli-'));
  try {
    fs.writeFileSync(path.join(dir, 'pods.json'), JSON.stringify({ items: answers.pods }));
    fs.writeFileSync(path.join(dir, 'configmaps.json'), JSON.stringify({ items: answers.configmaps }));
    fs.writeFileSync(path.join(dir, 'cronjobs.json'), JSON.stringify({ items: [] }));
    const kubectl = path.join(dir, 'kubectl');
    fs.writeFileSync(kubectl, [
      '#!/bin/sh',
      `echo "$@" >> ${dir}/calls`,
      'for a in "$@"; do case "$a" in pods|configmaps|cronjobs) kind=$a;; esac; done',
      `cat ${dir}/$kind.json`,
    ].join('\n'), { mode: 0o755 });
    const cli = path.join(__dirname, '../../../src/status/cli.ts');
    const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', cli, ...args], {
      encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, timeout: 60_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls: fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('npx cdk8s-pgaas status', () => {
  test('reads pods and ConfigMaps by the Patroni label, and CronJobs, in the given namespace; text by default', () => {
    const r = run(['status', '--namespace', 'orders', '--context', 'prod'], { pods: [POD], configmaps: [LEADER] });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([
      '--context prod get pods --namespace orders -l application=spilo -o json',
      '--context prod get configmaps --namespace orders -l application=spilo -o json',
      '--context prod get cronjobs --namespace orders -o json',
    ]);
    expect(r.stdout).toContain('orders/orders-db: leader orders-db-0 since 2026-12-05T09:00:00+00:00, timeline 1');
  });

  test('--json for scripts; exit code 1 when a cluster has no leader', () => {
    const ok = run(['status', '--all-namespaces', '--json'], { pods: [POD], configmaps: [LEADER] });
    expect(JSON.parse(ok.stdout)[0]).toMatchObject({ name: 'orders-db', namespace: 'orders', leader: 'orders-db-0', timeline: 1 });
    expect(ok.calls[0]).toBe('get pods --all-namespaces -l application=spilo -o json');
    const none = run(['status', '--json'], { pods: [POD], configmaps: [] });
    expect(none.status).toBe(1);
    expect(JSON.parse(none.stdout)[0].warnings).toContain('no member holds the leader lock');
  });
});
