import * as fs from 'fs';
import * as path from 'path';
import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { NetworkPeer, PostgresCluster, PostgresClusterProps } from '../../../src';
import { CLUSTER_LABEL, clusterAlerts, DEFAULT_THRESHOLDS } from '../../../src/monitoring/alert-rules';
import { EXPORTER_QUERIES, exporterMetricNames, exporterQueriesFile } from '../../../src/monitoring/exporter-queries';
import { EXPORTER } from '../../../src/monitoring/exporter-sidecar';
import { metricNamesIn } from '../../harness/metrics';
import { synth as validatedSynth, testChart } from '../../harness/synth';

function synth(props: Partial<PostgresClusterProps> = {}) {
  const chart = testChart();
  const cluster = new PostgresCluster(chart, 'orders', { name: 'orders-db', instances: 3, ...props });
  return { cluster, objects: validatedSynth(chart) };
}

describe('monitoring of a cluster', () => {
  test('off by default: no sidecar, no role, no monitoring objects', () => {
    const { cluster, objects } = synth();
    const sts = objects.find((o) => o.kind === 'StatefulSet');
    expect(sts.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['postgres']);
    expect(cluster.users).not.toContain('pgaas_monitor');
    expect(objects.filter((o) => o.apiVersion === 'monitoring.coreos.com/v1' || /exporter/.test(o.metadata.name))).toEqual([]);
    expect(objects.find((o) => o.kind === 'Job')?.metadata.name ?? '').not.toMatch(/bootstrap/);
  });

  test('the exporter sidecar: pinned image, explicit resources, non-root and read-only, password from the generated Secret', () => {
    const { cluster, objects } = synth({ monitoring: {} });
    const sts = objects.find((o) => o.kind === 'StatefulSet');
    const exporter = sts.spec.template.spec.containers.find((c: any) => c.name === EXPORTER.CONTAINER);
    expect(exporter.image).toBe('quay.io/prometheuscommunity/postgres-exporter:v0.11.1');
    expect(exporter.resources).toEqual({
      requests: { 'cpu': '10m', 'memory': '64Mi', 'ephemeral-storage': '8Mi' },
      limits: { 'cpu': '100m', 'memory': '64Mi', 'ephemeral-storage': '32Mi' },
    });
    expect(exporter.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    const credentials = cluster.userCredentials('pgaas_monitor');
    expect(exporter.env).toContainEqual({ name: 'DATA_SOURCE_PASS', valueFrom: { secretKeyRef: { name: credentials.secretName, key: credentials.passwordKey } } });
    expect(JSON.stringify(objects)).not.toMatch(/DATA_SOURCE_PASS","value"/);
    // The role is created by the bootstrap Job as a member of pg_monitor only.
    const bootstrap = objects.find((o) => o.kind === 'ConfigMap' && /^orders-db-bootstrap-/.test(o.metadata.name));
    expect(Object.values(bootstrap.data).join('\n')).toMatch(/pgaas_monitor[\s\S]*pg_monitor/);
    // The queries: a stable ConfigMap; their hash on the pod template rolls the members when they change.
    const queries = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'orders-db-exporter-queries');
    expect(queries.data[EXPORTER.QUERIES_FILE]).toBe(exporterQueriesFile());
    expect(Object.keys(sts.spec.template.metadata.annotations)).toContain('cdk8s-pgaas.io/exporter-queries');
    const volume = sts.spec.template.spec.volumes.find((v: any) => v.name === EXPORTER.QUERIES_VOLUME);
    expect(volume.configMap.name).toBe(queries.metadata.name);
  });

  test('PodMonitor and PrometheusRule only when asked for, with the labels the Prometheus selects', () => {
    expect(synth({ monitoring: {} }).objects.filter((o) => o.apiVersion === 'monitoring.coreos.com/v1')).toEqual([]);
    const { cluster, objects } = synth({ monitoring: { podMonitor: true, prometheusRule: true, labels: { release: 'prom' }, scrapeInterval: '15s' } });
    const podMonitor = objects.find((o) => o.kind === 'PodMonitor');
    expect(podMonitor.metadata.labels.release).toBe('prom');
    expect(podMonitor.spec).toEqual({
      selector: { matchLabels: cluster.selectorLabels },
      podTargetLabels: ['cluster-name'],
      podMetricsEndpoints: [
        { port: 'exporter', path: '/metrics', interval: '15s', scheme: 'http' },
        { port: 'patroni', path: '/metrics', interval: '15s', scheme: 'http' },
      ],
    });
    const rule = objects.find((o) => o.kind === 'PrometheusRule');
    expect(rule.metadata.labels.release).toBe('prom');
    // No backup: no archiving alerts.
    expect(rule.spec.groups[0].rules.map((r: any) => r.alert)).not.toContain('PostgresWalArchivingFailing');
    expect(cluster.prometheusRule).toBeDefined();
  });

  test('thresholds are props; the alerts select this cluster only', () => {
    const { objects } = synth({ monitoring: { prometheusRule: true, alerts: { replicaLagBytes: 1234, xidAge: 5678 } } });
    const rules: any[] = objects.find((o) => o.kind === 'PrometheusRule').spec.groups[0].rules;
    const expr = (alert: string) => rules.find((r) => r.alert === alert).expr;
    expect(expr('PostgresReplicaLagHigh')).toContain('> 1234');
    expect(expr('PostgresXidWraparoundRisk')).toContain('> 5678');
    expect(expr('PostgresLongTransaction')).toContain(`> ${DEFAULT_THRESHOLDS.longTransactionSeconds}`);
    for (const r of rules) {
      expect(r.expr).toMatch(new RegExp('namespace="db"'));
      expect(r.labels).toEqual({ severity: expect.stringMatching(/^(critical|warning)$/), [CLUSTER_LABEL]: 'orders-db' });
      expect(r.annotations.runbook).toBeTruthy();
    }
  });

  test('the NetworkPolicy opens the metrics ports to the declared Prometheus only', () => {
    const closed = synth({ monitoring: {} }).objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'orders-db-database');
    expect(JSON.stringify(closed.spec.ingress)).not.toContain('9187');
    const prometheus = NetworkPeer.pods({ 'app.kubernetes.io/name': 'prometheus' }, 'monitoring');
    const open = synth({ monitoring: { prometheusPeers: [prometheus] } }).objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'orders-db-database');
    const rule = open.spec.ingress.find((i: any) => i.ports.some((p: any) => p.port === 9187));
    expect(rule.ports).toEqual([{ protocol: 'TCP', port: 9187 }, { protocol: 'TCP', port: 8008 }]);
    expect(rule.from).toEqual([prometheus.toPeer('db')]);
  });

  test('bad monitoring props: one report naming each', () => {
    const attempt = () => synth({
      monitoring: {
        alerts: { connectionSaturation: 1.5, longTransactionSeconds: -1 },
        scrapeInterval: 'often',
        exporterResources: { memory: { request: Size.mebibytes(128), limit: Size.mebibytes(64) }, cpu: { request: kplus.Cpu.millis(10) } },
        labels: { 'bad key!': 'x' },
      },
    });
    expect(attempt).toThrow(/monitoring\.alerts\.connectionSaturation: 1\.5 is invalid: must be a share between 0 and 1/);
    expect(attempt).toThrow(/monitoring\.alerts\.longTransactionSeconds: -1 is invalid: must be a number greater than zero/);
    expect(attempt).toThrow(/monitoring\.scrapeInterval: "often" is invalid: must be a Prometheus duration/);
    expect(attempt).toThrow(/monitoring\.exporterResources\.memory\.limit: "64Mi" is invalid: must be at least the request/);
    expect(attempt).toThrow(/monitoring\.labels key: "bad key!"/);
    expect(() => synth({ monitoring: { monitoringRole: 'pg_mon' } })).toThrow(/pg_mon.*reserved/);
  });

  test('the queries: every column is described, metric names are unique and the file is deterministic', () => {
    const names = exporterMetricNames();
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['pgaas_replication_lag_bytes', 'pgaas_archiver_failed_count', 'pgaas_database_xid_age']));
    for (const q of Object.values(EXPORTER_QUERIES)) for (const m of q.metrics) for (const c of Object.values(m)) expect(c.description).toBeTruthy();
    expect(exporterQueriesFile()).toBe(exporterQueriesFile());
    const alerts = (instances: number) => clusterAlerts({ name: 'a', namespace: 'b', instances, walArchiving: true, logicalBackupPrefix: 'a-backup-', thresholds: DEFAULT_THRESHOLDS });
    // A single instance has no replicas to miss.
    expect(alerts(1).map((a) => a.alert)).not.toContain('PostgresReplicasMissing');
    expect(alerts(3).find((a) => a.alert === 'PostgresReplicasMissing')!.expr).toMatch(/< 2$/);
    expect(alerts(3)).toHaveLength(17);
  });

  test('the Grafana dashboard: a ConfigMap for the sidecar, JSON that parses, only metrics the exporters produce', () => {
    const { objects } = synth({ monitoring: {} });
    const dashboard = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'orders-db-dashboard');
    expect(dashboard.metadata.labels.grafana_dashboard).toBe('1');
    const json = JSON.parse(dashboard.data['db-orders-db.json']);
    expect(json.uid).toBe('pgaas-db-orders-db');
    const exprs: string[] = json.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr));
    expect(exprs.length).toBeGreaterThan(10);
    const patroni = ['patroni_primary', 'patroni_postgres_timeline'];
    const known = new Set([...exporterMetricNames(), 'pg_up', ...patroni]);
    for (const name of exprs.flatMap(metricNamesIn)) expect({ name, known: known.has(name) }).toEqual({ name, known: true });
    for (const e of exprs) expect(e).toContain('namespace="db", cluster_name="orders-db"');
    expect(synth({ monitoring: { grafanaDashboard: false } }).objects.find((o) => o.metadata.name === 'orders-db-dashboard')).toBeUndefined();
  });

  test('the README\'s alert table lists every alert with its runbook', () => {
    const readme = fs.readFileSync(path.join(__dirname, '../../../README.md'), 'utf8');
    const target = { name: 'orders-db', namespace: 'orders', instances: 3, walArchiving: true, logicalBackupPrefix: 'orders-db-backup-' };
    const rules = clusterAlerts({ ...target, baseBackupScheduleGapHours: 24, pooler: true, thresholds: DEFAULT_THRESHOLDS });
    expect(rules).toHaveLength(20);
    for (const r of rules) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${r.alert}\` |`));
      expect({ alert: r.alert, row: row !== undefined }).toEqual({ alert: r.alert, row: true });
      expect(row).toContain(r.annotations.runbook.replace(/\|/g, '\\|'));
    }
  });

  test('logsToStdout: jsonlog and a read-only log sidecar in the Spilo image; PostgreSQL 15 or later, log_destination kept', () => {
    expect(synth({ monitoring: {} }).cluster.parameters.log_destination).toBeUndefined();
    const { cluster, objects } = synth({ monitoring: { logsToStdout: true }, parameters: { log_min_duration_statement: '250ms' } });
    expect(cluster.parameters).toMatchObject({ log_destination: 'jsonlog', log_min_duration_statement: '250ms' });
    const pod = objects.find((o) => o.kind === 'StatefulSet').spec.template.spec;
    const sidecar = pod.containers.find((c: any) => c.name === 'postgres-log');
    expect(sidecar.image).toBe(cluster.image);
    expect(sidecar.env).toEqual([{ name: 'PGDATA', value: '/home/postgres/pgdata/pgroot/pgdata' }]);
    expect(sidecar.volumeMounts).toEqual([{ name: 'pgdata', mountPath: '/home/postgres/pgdata', readOnly: true }]);
    expect(sidecar.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true });
    expect(() => synth({ postgresVersion: 14, monitoring: { logsToStdout: true } })).toThrow(/monitoring\.logsToStdout: true is invalid: needs PostgreSQL 15 or later/);
    expect(() => synth({ monitoring: { logsToStdout: true }, parameters: { log_destination: 'csvlog' } })).toThrow(/parameters\.log_destination: "csvlog" is invalid: must include jsonlog/);
    expect(synth({ monitoring: { logsToStdout: true }, parameters: { log_destination: 'csvlog,jsonlog' } }).cluster.parameters.log_destination).toBe('csvlog,jsonlog');
  });
});
