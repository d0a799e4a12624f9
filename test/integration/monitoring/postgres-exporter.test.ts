import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { PostgresCluster } from '../../../src/cluster/postgres-cluster';
import { BootstrapSql } from '../../../src/database/bootstrap-sql';
import { clusterAlerts, DEFAULT_THRESHOLDS } from '../../../src/monitoring/alert-rules';
import { exporterMetricNames } from '../../../src/monitoring/exporter-queries';
import { EXPORTER } from '../../../src/monitoring/exporter-sidecar';
import { dashboardPanels } from '../../../src/monitoring/grafana-dashboard';
import { KubeletEnv } from '../../harness/kubelet-env';
import { ExporterProcess, metricNamesIn, Sample } from '../../harness/metrics';
import { PG_BIN, PostgresServer } from '../../harness/postgres';
import { freePort, runAsService, serviceTempDir, waitFor, writeServiceFile } from '../../harness/processes';

/**
 * The real PostgreSQL exporter (Debian prometheus-postgres-exporter 0.11.1, the release the sidecar
 * image pins) with the synthesized sidecar's args, env and queries ConfigMap, connecting over TLS
 * with SCRAM as the monitoring role the synthesized bootstrap SQL creates, against PostgreSQL 15: a
 * primary whose archive_command fails and a streaming replica whose replay is paused (real lag).
 */

const MONITOR_PASSWORD = 'monitor-secret-from-k8s';

function synthesize() {
  const chart = new Chart(Testing.app(), 'orders', { namespace: 'orders' });
  const cluster = new PostgresCluster(chart, 'db', { name: 'orders-db', instances: 2, monitoring: { prometheusRule: true } });
  const objects = Testing.synth(chart);
  const sts = objects.find((o) => o.kind === 'StatefulSet');
  const container = sts.spec.template.spec.containers.find((c: any) => c.name === EXPORTER.CONTAINER);
  const queries = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'orders-db-exporter-queries').data[EXPORTER.QUERIES_FILE];
  const bootstrap = objects.find((o) => o.kind === 'ConfigMap' && /^orders-db-bootstrap-/.test(o.metadata.name));
  const spilo = sts.spec.template.spec.containers.find((c: any) => c.name === 'postgres');
  const pgHba: string[] = JSON.parse(KubeletEnv.resolve(spilo.env, {}, KubeletEnv.configMaps(objects)).SPILO_CONFIGURATION).postgresql.pg_hba;
  const rule = objects.find((o) => o.kind === 'PrometheusRule');
  return { cluster, container, queries, pgHba, bootstrapSql: Object.values(bootstrap.data)[0] as string, rules: rule.spec.groups[0].rules };
}

describe('postgres_exporter with the synthesized sidecar against real PostgreSQL', () => {
  const { cluster, container, queries, pgHba, bootstrapSql, rules } = synthesize();
  let primary: PostgresServer;
  let replicaDir: string;
  let replicaPort: number;
  let exporters: ExporterProcess[] = [];
  let filesDir: string;
  const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).map((s) => s.value);

  async function startExporter(port: number): Promise<ExporterProcess> {
    const queriesFile = path.join(filesDir, EXPORTER.QUERIES_FILE);
    const args: string[] = container.args.map((a: string) => a.replace(`${EXPORTER.QUERIES_MOUNT}/${EXPORTER.QUERIES_FILE}`, queriesFile));
    expect(args).toContain(`--extend.query-path=${queriesFile}`);
    const env: Record<string, string> = {};
    for (const e of container.env) {
      if (e.value !== undefined) env[e.name] = e.value;
      else if (e.valueFrom.secretKeyRef.key === 'username') env[e.name] = 'pgaas_monitor';
      else env[e.name] = MONITOR_PASSWORD;
    }
    // The sidecar reaches PostgreSQL on the pod's loopback at 5432; here the server's own port.
    expect(env.DATA_SOURCE_URI).toMatch(/^127\.0\.0\.1:5432\/postgres\?sslmode=require/);
    env.DATA_SOURCE_URI = env.DATA_SOURCE_URI.replace(':5432/', `:${port}/`);
    const exporter = await ExporterProcess.start('/usr/bin/prometheus-postgres-exporter', 'prometheus-postgres-exporter', args, env);
    exporters.push(exporter);
    return exporter;
  }

  beforeAll(async () => {
    primary = await PostgresServer.start({
      tls: true,
      // The members' own pg_hba (the exporter comes in over loopback with SCRAM), and the harness's base backup as postgres.
      hba: [...pgHba, 'local replication postgres trust'],
      // The archive fails: pg_stat_archiver counts the failures and segments wait in archive_status.
      parameters: { archive_mode: 'on', archive_command: "'/bin/false'", wal_level: 'replica', max_wal_senders: '5' },
    });
    filesDir = serviceTempDir('exporter-files');
    writeServiceFile(path.join(filesDir, EXPORTER.QUERIES_FILE), queries, 0o644);
    writeServiceFile(path.join(filesDir, 'bootstrap.sql'), bootstrapSql);
    // The synthesized bootstrap SQL creates the monitoring role (pg_monitor) with the password from its Secret.
    const env: Record<string, string> = { PGHOST: primary.dir, PGPORT: String(primary.port), PGUSER: 'postgres', PGDATABASE: 'postgres' };
    for (const login of BootstrapSql.loginRoles((cluster as any).resolved.bootstrapSpec)) env[login.passwordEnv] = MONITOR_PASSWORD;
    const [command, ...args] = BootstrapSql.psqlCommand(path.join(filesDir, 'bootstrap.sql'));
    const result = runAsService(command, args, { env });
    if (result.status !== 0) throw new Error(`bootstrap failed: ${result.stderr}`);
    // A streaming replica from a base backup, with its own port and socket directory.
    replicaDir = serviceTempDir('replica');
    replicaPort = await freePort();
    const data = path.join(replicaDir, 'data');
    const backup = runAsService(`${PG_BIN}/pg_basebackup`, ['-D', data, '-R', '-X', 'stream', '-h', primary.dir, '-p', String(primary.port), '-U', 'postgres']);
    if (backup.status !== 0) throw new Error(`pg_basebackup failed: ${backup.stderr}`);
    const started = runAsService(`${PG_BIN}/pg_ctl`, ['-D', data, '-l', path.join(replicaDir, 'server.log'), '-w', '-t', '60',
      '-o', `-p ${replicaPort} -k ${replicaDir} -c archive_mode=off -c listen_addresses=127.0.0.1`, 'start']);
    if (started.status !== 0) throw new Error(`replica start failed: ${started.stderr}`);
    await waitFor('the replica to stream', () => primary.query("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") === '1', 30_000);
  });

  afterAll(() => {
    for (const e of exporters) e.stop();
    exporters = [];
    if (replicaDir) {
      runAsService(`${PG_BIN}/pg_ctl`, ['-D', path.join(replicaDir, 'data'), '-m', 'immediate', '-w', 'stop']);
      fs.rmSync(replicaDir, { recursive: true, force: true });
    }
    primary?.stop();
    if (filesDir) fs.rmSync(filesDir, { recursive: true, force: true });
  });

  test('the monitoring role is a member of pg_monitor and nothing more', () => {
    expect(primary.query("SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication FROM pg_roles WHERE rolname = 'pgaas_monitor'")).toBe('f|f|f|f');
    expect(primary.query("SELECT string_agg(b.rolname, ',') FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member JOIN pg_roles b ON b.oid = m.roleid WHERE r.rolname = 'pgaas_monitor'"))
      .toBe('pg_monitor');
  });

  test('lag, streaming and archive failures appear with sensible values; every metric the alerts use exists', async () => {
    const replicaPsql = (sql: string) => runAsService('psql', ['-X', '-qAt', '-c', sql], { env: { PGHOST: replicaDir, PGPORT: String(replicaPort), PGUSER: 'postgres', PGDATABASE: 'postgres' } });
    // Real lag: the replica replays one commit (its last replayed timestamp), then stops replaying while
    // the primary writes; a WAL switch makes the archiver try (and fail).
    primary.query('CREATE TABLE marker (id int)');
    await waitFor('the replica to replay a commit', () => replicaPsql('SELECT pg_last_xact_replay_timestamp() IS NOT NULL').stdout.trim() === 't', 30_000);
    expect(replicaPsql('SELECT pg_wal_replay_pause()').status).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    primary.query('CREATE TABLE filler AS SELECT g, repeat(md5(g::text), 10) AS t FROM generate_series(1, 50000) g');
    primary.query('SELECT pg_switch_wal()');
    await waitFor('the archiver to fail', () => Number(primary.query('SELECT failed_count FROM pg_stat_archiver')) > 0, 30_000);
    primary.query('BEGIN; SELECT pg_sleep(3); COMMIT;', { args: [] });

    const onPrimary = await startExporter(primary.port);
    const onReplica = await startExporter(replicaPort);
    const p = (await onPrimary.scrape()).samples;
    const r = (await onReplica.scrape()).samples;
    process.stdout.write(`\nA real scrape of the primary (excerpt):\n${(await onPrimary.scrape()).text.split('\n').filter((l) => /^(pg_up|pgaas_)/.test(l)).join('\n')}\n`);

    // The exporter's own session: the monitoring role, over TLS.
    expect(primary.query("SELECT DISTINCT usename, ssl FROM pg_stat_activity JOIN pg_stat_ssl USING (pid) WHERE application_name = 'postgres_exporter'")).toBe('pgaas_monitor|t');
    expect(value(p, 'pg_up')).toEqual([1]);
    expect(value(r, 'pg_up')).toEqual([1]);
    // Replication, seen from the primary: the paused replica streams but is behind.
    expect(value(p, 'pgaas_replication_streaming')).toEqual([1]);
    expect(value(p, 'pgaas_replication_lag_bytes')[0]).toBeGreaterThan(1_000_000);
    expect(value(p, 'pgaas_replication_replay_lag_seconds')[0]).toBeGreaterThanOrEqual(0);
    // Roles and the replica's own view.
    expect(value(p, 'pgaas_recovery_in_recovery')).toEqual([0]);
    expect(value(r, 'pgaas_recovery_in_recovery')).toEqual([1]);
    expect(value(r, 'pgaas_recovery_wal_receiver_streaming')).toEqual([1]);
    expect(value(r, 'pgaas_recovery_replay_lag_seconds')[0]).toBeGreaterThan(0);
    expect(value(r, 'pgaas_replication_streaming')).toEqual([]);
    // The archive fails: failures counted, segments waiting, nothing archived yet.
    expect(value(p, 'pgaas_archiver_failed_count')[0]).toBeGreaterThan(0);
    expect(value(p, 'pgaas_archiver_archived_count')).toEqual([0]);
    expect(value(p, 'pgaas_archiver_ready_segments')[0]).toBeGreaterThanOrEqual(1);
    expect(value(p, 'pgaas_archiver_last_archived_age_seconds')).toEqual([-1]);
    // Connections against max_connections, databases, wraparound headroom.
    expect(value(p, 'pgaas_activity_max_connections')).toEqual([100]);
    expect(value(p, 'pgaas_activity_reserved_connections')).toEqual([3]);
    expect(value(p, 'pgaas_activity_connections')[0]).toBeGreaterThanOrEqual(1);
    expect(value(p, 'pgaas_activity_longest_transaction_seconds')[0]).toBeGreaterThanOrEqual(0);
    expect(value(p, 'pgaas_database_size_bytes', { datname: 'postgres' })[0]).toBeGreaterThan(1_000_000);
    const xidAge = value(p, 'pgaas_database_xid_age', { datname: 'postgres' })[0];
    expect(xidAge).toBeGreaterThan(0);
    expect(xidAge).toBeLessThan(DEFAULT_THRESHOLDS.xidAge);

    // Every metric of the queries is produced, and every exporter metric an alert uses is among them.
    const produced = new Set([...p, ...r].map((s) => s.name));
    for (const name of exporterMetricNames()) expect({ name, produced: produced.has(name) }).toEqual({ name, produced: true });
    const used = rules.flatMap((rule: any) => metricNamesIn(rule.expr)).filter((n: string) => n.startsWith('pgaas_') || n.startsWith('pg_'));
    expect(used.length).toBeGreaterThan(5);
    for (const name of used) expect({ name, produced: produced.has(name) }).toEqual({ name, produced: true });
    // The same for the dashboard (its Patroni metrics are checked on Patroni 4 in test/integration/kube/observability-k8s.test.ts).
    const panels = dashboardPanels('orders-db', 'orders').flatMap((panel) => panel.targets.map((t) => t.expr));
    for (const name of panels.flatMap(metricNamesIn).filter((n) => !n.startsWith('patroni_'))) {
      expect({ name, produced: produced.has(name) }).toEqual({ name, produced: true });
    }
    // The exporter ran the queries without errors (a failing query only logs).
    for (const e of [onPrimary, onReplica]) expect(e.log()).not.toMatch(/level=error|"level":"error"/);
    expect(replicaPsql('SELECT pg_wal_replay_resume()').status).toBe(0);
  });

  test('a base backup and a promotion leave the traces the base backup alert reads, visible to the monitoring role', async () => {
    const now = () => Date.now() / 1000;
    const onPrimary = await startExporter(primary.port);
    const onReplica = await startExporter(replicaPort);
    const before = value((await onPrimary.scrape()).samples, 'pgaas_base_backup_last_timestamp_seconds')[0];
    // The harness's pg_basebackup (the replica) ended a base backup on the primary already: its history file is there.
    expect(before).toBeGreaterThan(now() - 600);
    expect(value((await onReplica.scrape()).samples, 'pgaas_base_backup_timeline_timestamp_seconds')).toEqual([0]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // What WAL-G's backup-push does through SQL: a non-exclusive backup, stopped without waiting for the archive.
    primary.query("SELECT pg_backup_start('wal-g backup-push', true); SELECT labelfile IS NOT NULL FROM pg_backup_stop(false);");
    // Both history files stay: pg_backup_stop removes only archived ones, and this archive fails (the newest counts).
    expect(primary.query("SELECT count(*) FROM pg_ls_waldir() WHERE name LIKE '%.backup'")).toBe('2');
    const after = value((await onPrimary.scrape()).samples, 'pgaas_base_backup_last_timestamp_seconds')[0];
    expect(after).toBeGreaterThan(before);
    expect(Math.abs(after - now())).toBeLessThan(10);
    // A promotion starts a timeline: the new primary's timeline history file.
    const replicaPsql = (sql: string) => runAsService('psql', ['-X', '-qAt', '-c', sql], { env: { PGHOST: replicaDir, PGPORT: String(replicaPort), PGUSER: 'postgres', PGDATABASE: 'postgres' } });
    expect(replicaPsql('SELECT pg_promote(true, 30)').stdout.trim()).toBe('t');
    const promoted = (await onReplica.scrape()).samples;
    expect(value(promoted, 'pgaas_recovery_in_recovery')).toEqual([0]);
    expect(Math.abs(value(promoted, 'pgaas_base_backup_timeline_timestamp_seconds')[0] - now())).toBeLessThan(10);
    expect(value(promoted, 'pgaas_base_backup_last_timestamp_seconds')).toEqual([0]);
  });

  test('the alert set covers the archive only with WAL archiving', () => {
    const target = { name: 'x', namespace: 'y', instances: 2, logicalBackupPrefix: 'x-backup-', thresholds: DEFAULT_THRESHOLDS };
    expect(clusterAlerts({ ...target, walArchiving: false }).map((a) => a.alert)).not.toContain('PostgresWalArchivingFailing');
    expect(clusterAlerts({ ...target, walArchiving: true }).map((a) => a.alert)).toContain('PostgresWalArchivingFailing');
  });
});
