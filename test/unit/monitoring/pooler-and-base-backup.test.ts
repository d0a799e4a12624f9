import { Testing } from 'cdk8s';
import { BackupStorage, NetworkPeer, PostgresCluster, PostgresClusterProps, StorageCredentials } from '../../../src';
import { POOLER_EXPORTER } from '../../../src/pooler/pooler-exporter';
import { cronLongestGapHours } from '../../../src/private/cron';
import { testChart } from '../../harness/synth';

function synth(props: Partial<PostgresClusterProps> = {}) {
  const chart = testChart();
  const cluster = new PostgresCluster(chart, 'orders', { name: 'orders-db', instances: 3, ...props });
  return { cluster, objects: Testing.synth(chart) };
}

const storage = BackupStorage.s3({
  bucket: 'acme-orders-pg',
  region: 'eu-central-1',
  credentials: StorageCredentials.workloadIdentity({ serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/x' } }),
});

const alertsOf = (objects: any[]): any[] => objects.find((o) => o.kind === 'PrometheusRule').spec.groups[0].rules;

describe('the pooler\'s exporter', () => {
  const poolerContainers = (objects: any[]) => objects.filter((o) => o.kind === 'Deployment')
    .map((d) => d.spec.template.spec.containers.map((c: any) => c.name));

  test('a sidecar in every pooler pod with monitoring, none without', () => {
    expect(poolerContainers(synth({ connectionPooler: { replicaPooler: true } }).objects)).toEqual([['pgbouncer'], ['pgbouncer']]);
    const { cluster, objects } = synth({ connectionPooler: { replicaPooler: true }, monitoring: {} });
    expect(poolerContainers(objects)).toEqual([['pgbouncer', 'pgbouncer-exporter'], ['pgbouncer', 'pgbouncer-exporter']]);
    const sidecar = objects.find((o) => o.kind === 'Deployment').spec.template.spec.containers[1];
    expect(sidecar.image).toBe(POOLER_EXPORTER.IMAGE);
    expect(sidecar.ports).toEqual([{ name: 'metrics', containerPort: 9127, protocol: 'TCP' }]);
    expect(sidecar.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    const credentials = cluster.connectionPooler!.poolerCredentials;
    expect(sidecar.env).toEqual([
      // No client TLS: PgBouncer offers none.
      { name: 'PGBOUNCER_EXPORTER_CONNECTION_STRING', value: 'postgres://pooler@127.0.0.1:5432/pgbouncer?sslmode=disable' },
      { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: credentials.secretName, key: credentials.passwordKey } } },
    ]);
    const tls = synth({ connectionPooler: { clientTlsSecretName: 'pooler-tls' }, monitoring: { poolerExporterImage: 'registry.example/pgbouncer-exporter:v0.12.1' } });
    const tlsSidecar = tls.objects.find((o) => o.kind === 'Deployment').spec.template.spec.containers[1];
    expect(tlsSidecar.env[0].value).toMatch(/sslmode=require$/);
    expect(tlsSidecar.image).toBe('registry.example/pgbouncer-exporter:v0.12.1');
  });

  test('its PodMonitor, NetworkPolicy rule and alerts exist with a pooler only', () => {
    const prometheus = NetworkPeer.pods({ 'app.kubernetes.io/name': 'prometheus' }, 'monitoring');
    const monitoring = { podMonitor: true, prometheusRule: true, prometheusPeers: [prometheus] };
    const without = synth({ monitoring }).objects;
    expect(without.filter((o) => o.kind === 'PodMonitor').map((o) => o.metadata.name)).toEqual(['orders-db']);
    expect(alertsOf(without).map((r) => r.alert)).not.toContain('PostgresPoolerClientsWaiting');
    const alertProps = { poolerClientWaitSeconds: 3, poolerClientSaturation: 0.5 };
    const { objects } = synth({ monitoring: { ...monitoring, alerts: alertProps }, connectionPooler: {} });
    const podMonitor = objects.find((o) => o.kind === 'PodMonitor' && o.metadata.name === 'orders-db-pooler');
    expect(podMonitor.spec).toEqual({
      selector: { matchLabels: { 'application': 'db-connection-pooler', 'cluster-name': 'orders-db' } },
      podTargetLabels: ['cluster-name', 'connection-pooler'],
      podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: '30s', scheme: 'http' }],
    });
    const alerts = alertsOf(objects);
    expect(alerts.find((r) => r.alert === 'PostgresPoolerClientsWaiting').expr)
      .toMatch(/pgbouncer_pools_client_maxwait_seconds\{namespace="db", cluster_name="orders-db"\}\) > 3$/);
    expect(alerts.find((r) => r.alert === 'PostgresPoolerClientsSaturated').expr).toMatch(/> 0\.5$/);
    const pooler = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'orders-db-pooler');
    expect(pooler.spec.ingress).toContainEqual({ from: [prometheus.toPeer('db')], ports: [{ protocol: 'TCP', port: 9127 }] });
    // Without Prometheus peers the metrics port stays closed.
    const closed = synth({ monitoring: {}, connectionPooler: {} }).objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'orders-db-pooler');
    expect(JSON.stringify(closed.spec.ingress ?? [])).not.toContain('9127');
  });

  test('a saturation share above 1 is refused', () => {
    expect(() => synth({ monitoring: { alerts: { poolerClientSaturation: 85 } }, connectionPooler: {} }))
      .toThrow(/monitoring\.alerts\.poolerClientSaturation: 85 is invalid: must be a share between 0 and 1/);
  });
});

describe('the base backup age alert', () => {
  const staleAfter = (props: Partial<PostgresClusterProps>) =>
    alertsOf(synth({ monitoring: { prometheusRule: true }, ...props }).objects).find((r) => r.alert === 'PostgresBaseBackupStale')?.expr;

  test('with backups on the primary: the schedule\'s longest gap plus 2 hours, or the prop', () => {
    expect(staleAfter({})).toBeUndefined();
    expect(staleAfter({ backup: { storage } })).toMatch(/> 26 \* 3600$/);
    expect(staleAfter({ backup: { storage, schedule: '30 2 * * 0' } })).toMatch(/> 170 \* 3600$/);
    expect(staleAfter({ backup: { storage }, monitoring: { prometheusRule: true, alerts: { baseBackupMaxAgeHours: 30 } } })).toMatch(/> 30 \* 3600$/);
    // A standby writes no backup history file: no alert when the replicas take the backups.
    expect(staleAfter({ backup: { storage, backupFromReplica: true } })).toBeUndefined();
    expect(staleAfter({ backup: { storage } })).toContain('pgaas_base_backup_last_timestamp_seconds|pgaas_base_backup_timeline_timestamp_seconds');
  });

  test('the longest gap of a cron schedule', () => {
    expect(cronLongestGapHours('0 1 * * *')).toBe(24);
    expect(cronLongestGapHours('0 */6 * * *')).toBe(6);
    expect(cronLongestGapHours('0 1,13 * * 1-5')).toBe(60);
    expect(cronLongestGapHours('*/15 * * * *')).toBe(0.25);
    expect(cronLongestGapHours('0 0 1 * *')).toBe(31 * 24);
    // Vixie cron: day of month or day of week when both are restricted.
    expect(cronLongestGapHours('0 0 1 * 1')).toBe(7 * 24);
    expect(cronLongestGapHours('0 0 29 2 *')).toBe((3 * 365 + 366) * 24);
    expect(cronLongestGapHours('@weekly')).toBe(7 * 24);
  });
});
