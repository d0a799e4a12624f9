import { CLUSTER_LABEL, POOLER_TIER_LABEL } from './alert-rules';

/** The label Grafana's dashboard sidecar looks for (kube-prometheus-stack's default). */
export const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: '1' };

interface Panel {
  readonly title: string;
  readonly type: 'timeseries' | 'stat';
  readonly unit: string;
  readonly targets: Array<{ readonly expr: string; readonly legend: string }>;
  readonly description: string;
}

/** The panels of one cluster's dashboard; every series comes from the exporter sidecars or Patroni's /metrics. */
export function dashboardPanels(name: string, namespace: string, pooler = false): Panel[] {
  const sel = `namespace="${namespace}", ${CLUSTER_LABEL}="${name}"`;
  return [...clusterPanels(sel), ...pooler ? poolerPanels(sel) : []];
}

function poolerPanels(sel: string): Panel[] {
  const byTier = `by (${POOLER_TIER_LABEL})`;
  return [
    {
      title: 'Pooler clients',
      type: 'timeseries',
      unit: 'none',
      description: 'Client connections of every pooler tier: linked to a server or idle (active), and waiting for a server connection.',
      targets: [
        { expr: `sum ${byTier} (pgbouncer_pools_client_active_connections{${sel}})`, legend: 'active {{${POOLER_TIER_LABEL}}}' },
        { expr: `sum ${byTier} (pgbouncer_pools_client_waiting_connections{${sel}})`, legend: 'waiting {{${POOLER_TIER_LABEL}}}' },
      ],
    },
    {
      title: 'Pooler longest wait',
      type: 'timeseries',
      unit: 's',
      description: 'Age of the oldest client waiting for a server connection, per database (pool exhaustion).',
      targets: [{ expr: `max by (${POOLER_TIER_LABEL}, database) (pgbouncer_pools_client_maxwait_seconds{${sel}})`, legend: '{{${POOLER_TIER_LABEL}}} {{database}}' }],
    },
    {
      title: 'Pooler server connections',
      type: 'timeseries',
      unit: 'none',
      description: 'Server connections of every pooler tier, in use and idle.',
      targets: [
        { expr: `sum ${byTier} (pgbouncer_pools_server_active_connections{${sel}})`, legend: 'active {{${POOLER_TIER_LABEL}}}' },
        { expr: `sum ${byTier} (pgbouncer_pools_server_idle_connections{${sel}})`, legend: 'idle {{${POOLER_TIER_LABEL}}}' },
      ],
    },
  ];
}

function clusterPanels(sel: string): Panel[] {
  return [
    { title: 'Leader', type: 'stat', unit: 'none', description: 'Which member holds the Patroni leader lock (1).', targets: [{ expr: `patroni_primary{${sel}}`, legend: '{{pod}}' }] },
    { title: 'Timeline', type: 'stat', unit: 'none', description: 'Grows by one at every failover or switchover.', targets: [{ expr: `max(patroni_postgres_timeline{${sel}})`, legend: 'timeline' }] },
    { title: 'Exporter reaches PostgreSQL', type: 'stat', unit: 'none', description: '1 when the exporter can query its member.', targets: [{ expr: `pg_up{${sel}}`, legend: '{{pod}}' }] },
    { title: 'Replication lag (bytes)', type: 'timeseries', unit: 'bytes', description: 'WAL each replica has not replayed, seen from the primary.', targets: [{ expr: `pgaas_replication_lag_bytes{${sel}}`, legend: '{{application_name}}' }] },
    { title: 'Replication lag (seconds)', type: 'timeseries', unit: 's', description: 'Replay lag per replica.', targets: [{ expr: `pgaas_replication_replay_lag_seconds{${sel}}`, legend: '{{application_name}}' }, { expr: `pgaas_recovery_replay_lag_seconds{${sel}}`, legend: '{{pod}} (own view)' }] },
    { title: 'Replicas streaming', type: 'timeseries', unit: 'none', description: 'Streaming replicas seen from the primary.', targets: [{ expr: `sum(pgaas_replication_streaming{${sel}})`, legend: 'streaming' }] },
    {
      title: 'WAL archiving',
      type: 'timeseries',
      unit: 'ops',
      description: 'Archived and failed WAL files per second, and segments waiting.',
      targets: [
        { expr: `rate(pgaas_archiver_archived_count{${sel}}[5m])`, legend: 'archived/s {{pod}}' },
        { expr: `rate(pgaas_archiver_failed_count{${sel}}[5m])`, legend: 'failed/s {{pod}}' },
        { expr: `pgaas_archiver_ready_segments{${sel}}`, legend: 'waiting {{pod}}' },
      ],
    },
    {
      title: 'Connections',
      type: 'timeseries',
      unit: 'none',
      description: 'Client connections against max_connections.',
      targets: [{ expr: `pgaas_activity_connections{${sel}}`, legend: '{{pod}}' }, { expr: `max(pgaas_activity_max_connections{${sel}})`, legend: 'max_connections' }],
    },
    { title: 'Longest transaction', type: 'timeseries', unit: 's', description: 'Age of the oldest open transaction.', targets: [{ expr: `pgaas_activity_longest_transaction_seconds{${sel}}`, legend: '{{pod}}' }] },
    { title: 'Database size', type: 'timeseries', unit: 'bytes', description: 'Per database, on the primary.', targets: [{ expr: `max by (datname) (pgaas_database_size_bytes{${sel}})`, legend: '{{datname}}' }] },
    { title: 'Transaction-ID age', type: 'timeseries', unit: 'none', description: 'Wraparound stops writes at about 2^31.', targets: [{ expr: `max by (datname) (pgaas_database_xid_age{${sel}})`, legend: '{{datname}}' }] },
  ];
}

/** The dashboard JSON (Grafana's schema), deterministic: a stable uid from the cluster and namespace. */
export function grafanaDashboard(name: string, namespace: string, pooler = false): Record<string, unknown> {
  const panels = dashboardPanels(name, namespace, pooler).map((p, i) => ({
    id: i + 1,
    title: p.title,
    description: p.description,
    type: p.type,
    datasource: { type: 'prometheus', uid: '${datasource}' },
    gridPos: { x: (i % 3) * 8, y: Math.floor(i / 3) * 8, w: 8, h: 8 },
    fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
    targets: p.targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), expr: t.expr, legendFormat: t.legend })),
  }));
  return {
    uid: `pgaas-${namespace}-${name}`.slice(0, 40),
    title: `PostgreSQL ${namespace}/${name}`,
    tags: ['postgresql', 'cdk8s-pgaas'],
    timezone: 'utc',
    schemaVersion: 39,
    time: { from: 'now-6h', to: 'now' },
    refresh: '1m',
    templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Data source' }] },
    panels,
  };
}
