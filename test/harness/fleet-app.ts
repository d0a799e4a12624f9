import { ApiObject, App, AppProps, Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  BackupSchedule, BackupStorage, BackupTarget, CertificateIssuerKind, NetworkPeer, PostgresCluster, ServerTls,
  StorageCredentials, SynchronousMode,
} from '../../src';

/*
 * The fleet of issue 16: production-style clusters (3 members, a pooler with a replica tier, TLS, WAL
 * archiving, roles, a prepared database, a verified BackupSchedule), one Chart per cluster in its own
 * namespace, in one App. The benchmark and the byte-identity tests build the same app.
 */
export function buildFleetApp(clusters: number, props: AppProps = {}, app: App = new App(props)): App {
  for (let i = 0; i < clusters; i++) fleetChart(app, i);
  return app;
}

export function fleetChart(app: App, index: number): Chart {
  const chart = new Chart(app, `team-${index}`, { namespace: `team-${index}` });
  fleetCluster(chart, index);
  return chart;
}

/** One cluster of the fleet and its verified BackupSchedule, in `chart`. */
export function fleetCluster(chart: Chart, index: number): PostgresCluster {
  const cluster = new PostgresCluster(chart, 'db', {
    name: `orders-${index}`,
    instances: 3,
    postgresVersion: 17,
    storage: Size.gibibytes(50),
    resources: { cpu: { request: kplus.Cpu.units(2) }, memory: { request: Size.gibibytes(8), limit: Size.gibibytes(8) } },
    parameters: { random_page_cost: '1.1', log_min_duration_statement: '500ms' },
    patroni: { synchronousMode: SynchronousMode.ON },
    terminationGracePeriod: Duration.minutes(5),
    roles: [
      { name: 'orders_app', connectionLimit: 200, memberOf: ['orders_writer'] },
      { name: 'analytics', memberOf: ['orders_reader'] },
      BackupSchedule.backupRole(),
    ],
    databases: [{ name: 'orders', prepared: true, schemas: ['data'], extensions: ['pgcrypto'] }],
    backup: {
      storage: BackupStorage.s3({
        bucket: 'acme-fleet-pg',
        prefix: `team-${index}`,
        region: 'eu-central-1',
        credentials: StorageCredentials.workloadIdentity({ serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/pg-backup' } }),
      }),
      schedule: '0 2 * * *',
      retention: 7,
    },
    connectionPooler: { replicas: 2, replicaPooler: true },
    tls: ServerTls.certManager({ issuerName: 'internal-ca', issuerKind: CertificateIssuerKind.CLUSTER_ISSUER }),
    networkPolicy: {
      apiServer: { cidrs: ['10.0.0.10/32'], port: 443 },
      allowFrom: [NetworkPeer.pods({ 'app.kubernetes.io/name': 'orders-api' })],
    },
  });
  new BackupSchedule(chart, 'nightly', {
    cluster,
    schedule: '30 1 * * *',
    storage: BackupTarget.newPersistentVolumeClaim({ size: Size.gibibytes(100) }),
    retention: 7,
    verify: true,
  });
  return cluster;
}

/** A chart's objects as captured from the fleet app (JSON, or JSON text) and, optionally, their construct paths. */
export interface CapturedChart {
  readonly id: string;
  readonly objects: ReadonlyArray<object | string>;
  readonly paths?: string[];
}

/**
 * The same objects as plain cdk8s ApiObjects, one Chart per captured chart (the raw baseline). With `tree`, each
 * object is created under plain Constructs along its captured construct path (the library's tree shape). An object
 * given as JSON text is parsed as it is created: its content is then allocated along with its construct, as a
 * hand-written app's object literals are (content parsed beforehand leaves the constructs packed together in the
 * heap, and cdk8s's walks over them are faster than over an app that builds its objects as it goes).
 */
export function buildRawApp(charts: ReadonlyArray<CapturedChart>, props: AppProps = {}, tree = false): App {
  const app = new App(props);
  for (const captured of charts) {
    const chart = new Chart(app, captured.id);
    const scopes = new Map<string, Construct>();
    const scopeOf = (path: string[]): Construct => {
      if (path.length === 0) return chart;
      const key = path.join('/');
      let scope = scopes.get(key);
      if (!scope) {
        scope = new Construct(scopeOf(path.slice(0, -1)), path[path.length - 1]);
        scopes.set(key, scope);
      }
      return scope;
    };
    captured.objects.forEach((object, n) => {
      const { apiVersion, kind, metadata, ...rest } = typeof object === 'string' ? JSON.parse(object) : object as any;
      const path = tree && captured.paths ? captured.paths[n].split('/') : [`o${n}`];
      new ApiObject(scopeOf(path.slice(0, -1)), path[path.length - 1], { apiVersion, kind, metadata, ...rest });
    });
  }
  return app;
}
