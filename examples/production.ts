import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  BackupSchedule, BackupStorage, BackupTarget, CertificateIssuerKind, GitOpsOrdering, NetworkPeer, Placement, PostgresCluster,
  ServerTls, StorageCredentials, SynchronousMode,
} from '../src';

/**
 * A production-style cluster: three members across zones, synchronous replication, tuned parameters,
 * credentials generated in the cluster, declared roles and a prepared database, Argo CD sync waves.
 */
export class ProductionExample extends Chart {
  public readonly cluster: PostgresCluster;
  public readonly nightly: BackupSchedule;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'orders' });
    // WAL archiving and base backups with WAL-G; the pods get the bucket role through IRSA.
    const storage = BackupStorage.s3({
      bucket: 'acme-orders-pg',
      prefix: 'prod',
      region: 'eu-central-1',
      credentials: StorageCredentials.workloadIdentity({ serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/orders-db-backup' } }),
    });
    this.cluster = new PostgresCluster(this, 'orders', {
      name: 'orders-db',
      instances: 3,
      postgresVersion: 17,
      storage: Size.gibibytes(50),
      storageClassName: 'fast-ssd',
      resources: {
        cpu: { request: kplus.Cpu.units(2) },
        memory: { request: Size.gibibytes(8), limit: Size.gibibytes(8) },
      },
      parameters: {
        random_page_cost: '1.1',
        effective_io_concurrency: '200',
        log_min_duration_statement: '500ms',
        idle_in_transaction_session_timeout: '10min',
      },
      patroni: { synchronousMode: SynchronousMode.ON, maximumLagOnFailover: Size.mebibytes(16) },
      zoneSpread: Placement.REQUIRED,
      priorityClassName: 'database-critical',
      terminationGracePeriod: Duration.minutes(5),
      labels: { 'team': 'checkout', 'cost-center': 'cc-4711' },
      roles: [
        { name: 'orders_app', connectionLimit: 200, memberOf: ['orders_writer'] },
        { name: 'analytics', memberOf: ['orders_reader'] },
        { name: 'migrations', createRole: false, memberOf: ['orders_owner'] },
        BackupSchedule.backupRole(),
      ],
      databases: [
        { name: 'orders', prepared: true, schemas: ['data', 'audit'], extensions: ['pg_stat_statements', 'pgcrypto'] },
      ],
      backup: { storage, schedule: '0 2 * * *', retention: 7 },
      // PgBouncer in front of the primary and the replicas: orders-db-pooler, orders-db-pooler-repl.
      connectionPooler: { replicas: 2, replicaPooler: true },
      // A certificate for every Service and member name, from the cluster's internal CA.
      tls: ServerTls.certManager({ issuerName: 'internal-ca', issuerKind: CertificateIssuerKind.CLUSTER_ISSUER }),
      gitOpsOrdering: GitOpsOrdering.ARGO_CD,
      networkPolicy: {
        // The API server's endpoints (kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes).
        apiServer: { cidrs: ['10.0.0.10/32', '10.0.0.11/32', '10.0.0.12/32'], port: 443 },
        allowFrom: [NetworkPeer.pods({ 'app.kubernetes.io/name': 'orders-api' })],
      },
      // The exporter sidecar, a PodMonitor and the alerts for the Prometheus Operator's Prometheus in "monitoring".
      monitoring: {
        podMonitor: true,
        prometheusRule: true,
        logsToStdout: true,
        labels: { release: 'kube-prometheus-stack' },
        prometheusPeers: [NetworkPeer.pods({ 'app.kubernetes.io/name': 'prometheus' }, 'monitoring')],
        alerts: { replicaLagBytes: 64 * 1024 * 1024, longTransactionSeconds: 600 },
      },
    });
    // Nightly logical dumps to a volume, each restored into a scratch database and checked before retention runs.
    this.nightly = new BackupSchedule(this, 'nightly', {
      cluster: this.cluster,
      schedule: '30 1 * * *',
      storage: BackupTarget.newPersistentVolumeClaim({ size: Size.gibibytes(100), storageClassName: 'standard' }),
      retention: 7,
      verify: true,
    });
  }
}
