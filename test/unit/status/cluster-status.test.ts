import { clusterStatus, formatStatus, StatusInput } from '../../../src/status/cluster-status';
import { statusFromLists } from '../../../src/status/kubernetes-objects';

/*
 * Fixtures in Patroni 4.0.4's exact formats on the Kubernetes DCS (ConfigMaps mode): the leader
 * ConfigMap's annotations (dcs/kubernetes.py: leader, ttl, renewTime, acquireTime, transitions,
 * optime), the config ConfigMap's `history` (ha.py update_cluster_history: [timeline, lsn, reason,
 * promotion time, new leader]) and each pod's `status` annotation (ha.py touch_member).
 */

const NOW = new Date('2026-12-05T11:00:10Z');
const podStatus = (data: Record<string, unknown>) => JSON.stringify({ conn_url: 'postgres://10.0.0.1:5432/postgres', api_url: 'http://10.0.0.1:8008/patroni', version: '4.0.4', ...data });
const member = (name: string, role: string, data: Record<string, unknown>, ready = true) => ({
  name,
  labels: { 'application': 'spilo', 'cluster-name': 'orders-db', 'spilo-role': role },
  annotations: { status: podStatus(data) },
  ready,
  restarts: 0,
});

const HEALTHY: StatusInput = {
  name: 'orders-db',
  namespace: 'orders',
  now: NOW,
  configMaps: [
    {
      name: 'orders-db-leader',
      annotations: {
        leader: 'orders-db-1',
        ttl: '30',
        renewTime: '2026-12-05T11:00:02.351822+00:00',
        acquireTime: '2026-12-05T09:12:40.120931+00:00',
        transitions: '2',
        optime: '67109272',
      },
    },
    {
      name: 'orders-db-config',
      annotations: {
        config: '{"loop_wait":10,"retry_timeout":10,"ttl":30,"maximum_lag_on_failover":1048576,"postgresql":{"parameters":{"max_connections":273}}}',
        history: '[[1,50331808,"no recovery target specified","2026-12-04T20:01:13.452187+00:00","orders-db-2"],[2,67108992,"no recovery target specified","2026-12-05T09:12:40.998113+00:00","orders-db-1"]]',
        initialize: '7444693542138728474',
      },
    },
    { name: 'orders-db-sync', annotations: { leader: 'orders-db-1', sync_standby: 'orders-db-0' } },
  ],
  pods: [
    member('orders-db-0', 'replica', { state: 'running', role: 'replica', xlog_location: 67109272, replication_state: 'streaming', timeline: 3 }),
    member('orders-db-1', 'master', { state: 'running', role: 'primary', xlog_location: 67109272, timeline: 3 }),
    member('orders-db-2', 'replica', { state: 'running', role: 'replica', xlog_location: 67000000, replication_state: 'streaming', timeline: 3, pending_restart: true, pending_restart_reason: { max_connections: { old_value: '200', new_value: '273' } } }),
  ],
  cronJobs: [{ name: 'orders-db-backup-nightly', lastSuccessfulTime: '2026-12-05T01:30:41Z' }],
};

describe('cluster status from Patroni 4 objects', () => {
  test('a healthy cluster: leader, roles, lag against the leader optime, timeline, sync standby, failovers, backups', () => {
    const s = clusterStatus(HEALTHY);
    expect(s.leader).toBe('orders-db-1');
    expect(s.leaderLockExpired).toBe(false);
    expect(s.leaderSince).toBe('2026-12-05T09:12:40.120931+00:00');
    expect(s.transitions).toBe(2);
    expect(s.timeline).toBe(3);
    expect(s.syncStandby).toBe('orders-db-0');
    expect(s.paused).toBe(false);
    expect(s.members.map((m) => [m.name, m.role, m.state, m.lagBytes, m.pendingRestart])).toEqual([
      // Patroni 4.0.4 reports a streaming replica as state "running" with replication_state "streaming" (seen on real members).
      ['orders-db-0', 'replica', 'running', 0, false],
      ['orders-db-1', 'leader', 'running', undefined, false],
      ['orders-db-2', 'replica', 'running', 109272, true],
    ]);
    expect(s.recentFailovers).toEqual([
      { timeline: 2, lsn: 67108992, reason: 'no recovery target specified', time: '2026-12-05T09:12:40.998113+00:00', newLeader: 'orders-db-1' },
      { timeline: 1, lsn: 50331808, reason: 'no recovery target specified', time: '2026-12-04T20:01:13.452187+00:00', newLeader: 'orders-db-2' },
    ]);
    expect(s.lastLogicalBackups).toEqual([{ cronJob: 'orders-db-backup-nightly', lastSuccess: '2026-12-05T01:30:41Z', ageSeconds: 34169 }]);
    expect(s.warnings).toEqual(['orders-db-2 needs a restart to apply changed parameters']);
    const text = formatStatus([s]);
    expect(text).toContain('orders/orders-db: leader orders-db-1 since 2026-12-05T09:12:40.120931+00:00, timeline 3, sync standby orders-db-0');
    expect(text).toContain('failover: timeline 2 -> 3 at 2026-12-05T09:12:40.998113+00:00 to orders-db-1');
    // The STATE column shows a running replica's replication state, as patronictl list does.
    expect(text).toMatch(/^  orders-db-0\s+replica\s+streaming\s+3\s+0\s+yes\s+no$/m);
  });

  test('during a failover: the lock expired, the old leader stopped, a replica promoting', () => {
    const s = clusterStatus({
      ...HEALTHY,
      now: new Date('2026-12-05T11:00:45Z'),
      pods: [
        member('orders-db-0', 'replica', { state: 'running', role: 'primary', xlog_location: 67109272, timeline: 3 }),
        member('orders-db-1', 'master', { state: 'stopped', role: 'primary' }, false),
        member('orders-db-2', 'replica', { state: 'running', role: 'replica', xlog_location: 67109272, replication_state: 'in archive recovery', timeline: 3 }),
      ],
    });
    expect(s.leader).toBeUndefined();
    expect(s.leaderLockExpired).toBe(true);
    expect(s.warnings).toEqual(expect.arrayContaining([
      'the leader lock of orders-db-1 expired (renewed 2026-12-05T11:00:02.351822+00:00, ttl 30 s)',
      'orders-db-1 is stopped',
      'orders-db-2 is in archive recovery, not streaming',
      'orders-db-0 runs as primary without holding the lock',
      // A stopped member's last annotation still says primary: without readiness it is no second primary.
      'orders-db-1 is not Ready; its last reported role, primary, may be stale (stopped or demoting)',
    ]));
    expect(s.warnings).not.toContain('orders-db-1 runs as primary without holding the lock');
    expect(formatStatus([s])).toContain('leader (none)');
  });

  test('missing or malformed annotations never throw', () => {
    const s = clusterStatus({
      name: 'x',
      namespace: 'y',
      now: NOW,
      configMaps: [{ name: 'x-config', annotations: { history: 'not json', config: '{' } }],
      pods: [{ name: 'x-0', annotations: { status: '{broken' } }],
    });
    expect(s.leader).toBeUndefined();
    expect(s.members[0]).toMatchObject({ name: 'x-0', role: 'unknown', state: 'unknown' });
    expect(s.warnings).toContain('no member holds the leader lock');
    expect(s.recentFailovers).toEqual([]);
  });

  test('kubectl lists: grouped by namespace and scope label, Patroni objects only, backups by name', () => {
    const meta = (o: any) => ({ ...o, metadata: { namespace: 'orders', ...o.metadata } });
    const lists = {
      pods: {
        items: [
          ...HEALTHY.pods.map((p) => meta({ metadata: { name: p.name, labels: p.labels, annotations: p.annotations }, status: { conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ restartCount: 1 }, { restartCount: 2 }] } })),
          meta({ metadata: { name: 'other-db-0', labels: { 'application': 'spilo', 'cluster-name': 'other-db' }, annotations: {} } }),
          meta({ metadata: { name: 'orders-db-pooler-abc', labels: { 'cluster-name': 'orders-db' } } }),
        ],
      },
      configMaps: { items: HEALTHY.configMaps.map((c) => meta({ metadata: { name: c.name, labels: { 'application': 'spilo', 'cluster-name': 'orders-db' }, annotations: c.annotations } })) },
      cronJobs: { items: [meta({ metadata: { name: 'orders-db-backup-nightly' }, status: { lastSuccessfulTime: '2026-12-05T01:30:41Z' } }), meta({ metadata: { name: 'other-db-backup-x' } })] },
    };
    const statuses = statusFromLists(lists, NOW);
    expect(statuses.map((s) => s.name)).toEqual(['orders-db', 'other-db']);
    expect(statuses[0].members.map((m) => m.name)).toEqual(['orders-db-0', 'orders-db-1', 'orders-db-2']);
    expect(statuses[0].members[0]).toMatchObject({ ready: true, restarts: 3 });
    expect(statuses[0].leader).toBe('orders-db-1');
    expect(statuses[0].lastLogicalBackups.map((b) => b.cronJob)).toEqual(['orders-db-backup-nightly']);
    expect(statuses[1].warnings).toEqual(expect.arrayContaining(['no member holds the leader lock', 'other-db-backup-x has never succeeded']));
    expect(statusFromLists(lists, NOW, 'other-db').map((s) => s.name)).toEqual(['other-db']);
  });
});
