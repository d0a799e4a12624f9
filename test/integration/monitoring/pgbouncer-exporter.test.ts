import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { PostgresCluster } from '../../../src/cluster/postgres-cluster';
import { BootstrapSql } from '../../../src/database/bootstrap-sql';
import { POOLER_TIER_LABEL } from '../../../src/monitoring/alert-rules';
import { dashboardPanels } from '../../../src/monitoring/grafana-dashboard';
import { POOLER_EXPORTER } from '../../../src/pooler/pooler-exporter';
import { ExporterProcess, metricNamesIn, Sample } from '../../harness/metrics';
import { PgBouncerProcess, psqlAsync, selfSignedCertificate } from '../../harness/pgbouncer';
import { PGBOUNCER_EXPORTER_VERSION, pgbouncerExporterBinary } from '../../harness/pgbouncer-exporter';
import { PostgresServer } from '../../harness/postgres';
import { runAsService, serviceTempDir, waitFor, writeServiceFile } from '../../harness/processes';

/**
 * The pooler's metrics sidecar for real: pgbouncer_exporter v0.12.1 (built from the release's source, the tag the
 * sidecar image pins) with the synthesized container's args and env, against PgBouncer 1.18 (Debian) running the
 * synthesized pgbouncer.ini with client TLS, in front of PostgreSQL 15 bootstrapped by the synthesized SQL. More
 * clients than the pool holds run at once: clients really wait, and every pooler metric the alerts and the
 * dashboard use is produced.
 */

const PASSWORDS: Record<string, string> = { app_user: 'app-secret-from-k8s', pooler: 'pooler "quoted" secret' };
const CLIENTS = 10;

function synthesize() {
  const chart = new Chart(Testing.app(), 'orders', { namespace: 'orders' });
  const cluster = new PostgresCluster(chart, 'db', {
    name: 'orders-db',
    instances: 2,
    // 28 - 3 superuser_reserved - 10 reserved = 15 for (2 replicas + 1 surge) pods: 5 per pod, a pool of 4.
    parameters: { max_connections: '28' },
    roles: [{ name: 'app_user' }],
    databases: [{ name: 'appdb', owner: 'app_user' }],
    connectionPooler: { clientTlsSecretName: 'orders-db-pooler-tls' },
    monitoring: { prometheusRule: true, podMonitor: true },
  });
  const objects = Testing.synth(chart);
  const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'orders-db-pooler');
  const ini: string = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'orders-db-pooler').data['pgbouncer.ini'];
  const bootstrap = objects.find((o) => o.kind === 'ConfigMap' && /^orders-db-bootstrap-/.test(o.metadata.name));
  const rules: any[] = objects.find((o) => o.kind === 'PrometheusRule').spec.groups[0].rules;
  const podMonitor = objects.find((o) => o.kind === 'PodMonitor' && o.metadata.name === 'orders-db-pooler');
  return { cluster, deployment, ini, bootstrapSql: Object.values(bootstrap.data)[0] as string, rules, podMonitor };
}

describe('pgbouncer_exporter with the synthesized sidecar against real PgBouncer', () => {
  const { cluster, deployment, ini, bootstrapSql, rules, podMonitor } = synthesize();
  const podSpec = deployment.spec.template.spec;
  const sidecar = podSpec.containers.find((c: any) => c.name === POOLER_EXPORTER.CONTAINER);
  let server: PostgresServer;
  let bouncer: PgBouncerProcess;
  let exporter: ExporterProcess;
  let workDir: string;
  const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).map((s) => s.value);

  beforeAll(async () => {
    const binary = pgbouncerExporterBinary();
    server = await PostgresServer.start({
      tls: true,
      hba: ['local all all trust', 'hostssl all all 127.0.0.1/32 scram-sha-256', 'hostnossl all all all reject'],
      parameters: { max_connections: cluster.parameters.max_connections },
    });
    workDir = serviceTempDir('pooler-exporter');
    // The synthesized bootstrap SQL: the app's role and database, the pooler role and its lookup function.
    const file = path.join(workDir, 'bootstrap.sql');
    writeServiceFile(file, bootstrapSql);
    const env: Record<string, string> = { PGHOST: server.dir, PGPORT: String(server.port), PGUSER: 'postgres', PGDATABASE: 'postgres' };
    for (const login of BootstrapSql.loginRoles((cluster as any).resolved.bootstrapSpec)) env[login.passwordEnv] = PASSWORDS[login.role] ?? 'unused-secret';
    const [command, ...args] = BootstrapSql.psqlCommand(file);
    const result = runAsService(command, args, { env });
    if (result.status !== 0) throw new Error(`bootstrap failed: ${result.stderr}`);
    // The auth_file, written by the synthesized init container.
    const authDir = path.join(workDir, 'auth');
    runAsService('mkdir', ['-m', '700', authDir]);
    const init = podSpec.initContainers[0];
    const initEnv: Record<string, string> = {};
    for (const variable of init.env) {
      initEnv[variable.name] = variable.valueFrom?.secretKeyRef ? PASSWORDS.pooler : variable.value.replace(init.volumeMounts[0].mountPath, authDir);
    }
    expect(runAsService(init.command[0], init.command.slice(1), { env: initEnv }).status).toBe(0);
    const upstream = { from: `host=${cluster.primaryHost} port=${cluster.port}`, to: `host=${server.host} port=${server.port}` };
    bouncer = await PgBouncerProcess.start('exporter', { authDir, ini, upstream, tls: selfSignedCertificate(workDir) });
    // The sidecar's own args and env; the Secret's password, and PgBouncer's port here instead of the pod's 5432.
    const exporterEnv: Record<string, string> = {};
    for (const e of sidecar.env) {
      if (e.valueFrom) {
        expect(e.valueFrom.secretKeyRef).toEqual({ name: 'pooler.orders-db.credentials.postgresql.acid.zalan.do', key: 'password' });
        exporterEnv[e.name] = PASSWORDS.pooler;
      } else {
        exporterEnv[e.name] = e.value;
      }
    }
    expect(exporterEnv.PGBOUNCER_EXPORTER_CONNECTION_STRING).toBe('postgres://pooler@127.0.0.1:5432/pgbouncer?sslmode=require');
    exporterEnv.PGBOUNCER_EXPORTER_CONNECTION_STRING = exporterEnv.PGBOUNCER_EXPORTER_CONNECTION_STRING.replace(':5432/', `:${bouncer.port}/`);
    exporter = await ExporterProcess.start(binary, '', sidecar.args, exporterEnv);
  }, 300_000);

  afterAll(() => {
    exporter?.stop();
    bouncer?.stop();
    server?.stop();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  test('the sidecar, its PodMonitor and the pinned image are the tested release', () => {
    expect(sidecar.image).toBe(`quay.io/prometheuscommunity/pgbouncer-exporter:v${PGBOUNCER_EXPORTER_VERSION}`);
    expect(sidecar.ports).toEqual([{ name: 'metrics', containerPort: 9127, protocol: 'TCP' }]);
    expect(podMonitor.spec).toMatchObject({
      selector: { matchLabels: { 'application': 'db-connection-pooler', 'cluster-name': 'orders-db' } },
      podTargetLabels: ['cluster-name', 'connection-pooler'],
      podMetricsEndpoints: [{ port: 'metrics', path: '/metrics' }],
    });
    // Prometheus sees the pods' connection-pooler label as the tier label the alerts group by.
    expect('connection-pooler'.replace(/-/g, '_')).toBe(POOLER_TIER_LABEL);
  });

  test('clients waiting for a full pool appear; every pooler metric of the alerts and the dashboard exists', async () => {
    const appEnv = { PGHOST: '127.0.0.1', PGPORT: String(bouncer.port), PGUSER: 'app_user', PGPASSWORD: PASSWORDS.app_user, PGDATABASE: 'appdb', PGSSLMODE: 'require' };
    expect(await psqlAsync('SELECT 1', appEnv)).toMatchObject({ code: 0, stdout: '1' });
    // More clients than the pool (default_pool_size 4) each hold a server connection for 6 s.
    const clients = Array.from({ length: CLIENTS }, () => psqlAsync('SELECT pg_sleep(6)', appEnv));
    let samples: Sample[] = [];
    let text = '';
    await waitFor('clients to wait for more than 1 s', async () => {
      ({ samples, text } = await exporter.scrape());
      return (value(samples, 'pgbouncer_pools_client_maxwait_seconds', { database: 'appdb' })[0] ?? 0) >= 1;
    }, 5_000, 500);
    const results = await Promise.all(clients);
    for (const r of results) expect(r.code).toBe(0);
    process.stdout.write(`\nA real scrape of the pooler exporter (excerpt):\n${text.split('\n')
      .filter((l) => /^pgbouncer_(up|pools_client|pools_server_active|config_max_client|exporter_build)/.test(l)).join('\n')}\n`);

    expect(value(samples, 'pgbouncer_up')).toEqual([1]);
    expect(samples.find((s) => s.name === 'pgbouncer_exporter_build_info')?.labels.version).toBe(PGBOUNCER_EXPORTER_VERSION);
    const pool = { database: 'appdb', user: 'app_user' };
    expect(value(samples, 'pgbouncer_pools_server_active_connections', pool)).toEqual([4]);
    expect(value(samples, 'pgbouncer_pools_client_active_connections', pool)[0]).toBe(4);
    expect(value(samples, 'pgbouncer_pools_client_waiting_connections', pool)[0]).toBe(CLIENTS - 4);
    expect(value(samples, 'pgbouncer_config_max_client_connections')).toEqual([10000]);

    const produced = new Set(samples.map((s) => s.name));
    const inAlerts = rules.flatMap((r) => metricNamesIn(r.expr)).filter((n) => n.startsWith('pgbouncer_'));
    const inDashboard = dashboardPanels('orders-db', 'orders', true).flatMap((p) => p.targets.flatMap((t) => metricNamesIn(t.expr)))
      .filter((n) => n.startsWith('pgbouncer_'));
    expect(inAlerts.length).toBeGreaterThanOrEqual(4);
    expect(inDashboard.length).toBeGreaterThanOrEqual(5);
    for (const name of [...inAlerts, ...inDashboard]) expect({ name, produced: produced.has(name) }).toEqual({ name, produced: true });
    // The exporter logs JSON (the sidecar's flag) and no error.
    expect(exporter.log()).toMatch(/^\{"time":/m);
    expect(exporter.log()).not.toMatch(/"level":"(ERROR|error)"/);
  });
});
