import { Chart, Testing } from 'cdk8s';
import { PostgresCluster } from '../../../src/cluster/postgres-cluster';
import { dashboardPanels } from '../../../src/monitoring/grafana-dashboard';
import { metricNamesIn, parseMetrics, Sample } from '../../harness/metrics';
import { PatroniCluster, PatroniMember, synthesizeCluster } from '../../harness/patroni';
import { waitFor } from '../../harness/processes';

/**
 * Patroni's own /metrics (the PodMonitor's second endpoint), scraped from real members: Debian's
 * Patroni 3.0.2 on etcd (the harness of test/harness/patroni.ts), not yet Patroni 4 on the
 * Kubernetes DCS. Every Patroni metric the alerts use is served, with the cluster as `scope`, and a
 * switchover moves the timeline the failover alert watches.
 */

const TEST_TIMEOUT = 240_000;

function alertPatroniMetrics(): string[] {
  const chart = new Chart(Testing.app(), 'metrics', { namespace: 'db' });
  new PostgresCluster(chart, 'db', { name: 'metrics-db', instances: 2, monitoring: { prometheusRule: true } });
  const rules: any[] = Testing.synth(chart).find((o) => o.kind === 'PrometheusRule').spec.groups[0].rules;
  return [...new Set(rules.flatMap((r) => metricNamesIn(r.expr)).filter((n) => n.startsWith('patroni_')))];
}

describe('Patroni /metrics on real members', () => {
  let cluster: PatroniCluster;
  const scrape = async (member: PatroniMember): Promise<{ text: string; samples: Sample[] }> => {
    const response = await member.get('/metrics');
    if (!response || response.status !== 200) throw new Error(`GET ${member.restUrl}/metrics: ${response?.status}`);
    return { text: response.text, samples: parseMetrics(response.text) };
  };
  const value = (samples: Sample[], name: string) => samples.filter((s) => s.name === name).map((s) => s.value);

  beforeAll(async () => {
    cluster = await PatroniCluster.start(synthesizeCluster({ name: 'metrics-db', instances: 2 }));
  }, TEST_TIMEOUT);

  afterAll(() => cluster?.stop());

  test('leader and replica answer with the metrics the alerts use; a switchover moves the timeline', async () => {
    const used = alertPatroniMetrics();
    expect(used.sort()).toEqual(['patroni_postgres_timeline', 'patroni_primary']);
    const inDashboard = dashboardPanels('metrics-db', 'db').flatMap((p) => p.targets.flatMap((t) => metricNamesIn(t.expr))).filter((n) => n.startsWith('patroni_'));
    expect(inDashboard.length).toBeGreaterThan(0);
    used.push(...inDashboard.filter((n) => !used.includes(n)));
    const leader = await cluster.waitForLeader();
    const replica = cluster.members.find((m) => m !== leader)!;
    const before = await scrape(leader);
    const onReplica = (await scrape(replica)).samples;
    process.stdout.write(`\nA real scrape of Patroni's /metrics on the leader (excerpt):\n${before.text.split('\n')
      .filter((l) => /^patroni_(primary|replica|postgres_timeline|postgres_running|pending_restart|xlog_location)/.test(l)).join('\n')}\n`);
    for (const name of used) {
      expect(value(before.samples, name)).toHaveLength(1);
      expect(value(onReplica, name)).toHaveLength(1);
    }
    // The cluster's name is on every series the alerts use (the PodMonitor adds cluster_name as well).
    for (const s of before.samples.filter((x) => used.includes(x.name))) expect({ name: s.name, scope: s.labels.scope }).toEqual({ name: s.name, scope: 'metrics-db' });
    expect(value(before.samples, 'patroni_primary')).toEqual([1]);
    expect(value(onReplica, 'patroni_primary')).toEqual([0]);
    const timeline = value(before.samples, 'patroni_postgres_timeline')[0];
    expect(timeline).toBeGreaterThanOrEqual(1);

    const response = await cluster.switchover(leader, replica);
    expect(response.status).toBe(200);
    await cluster.waitForLeader({ expected: replica, timeoutMs: 60_000 });
    await waitFor('the new leader to report itself primary', async () => value((await scrape(replica)).samples, 'patroni_primary')[0] === 1, 60_000);
    const after = (await scrape(replica)).samples;
    expect(value(after, 'patroni_postgres_timeline')[0]).toBe(timeline + 1);
  }, TEST_TIMEOUT);
});
