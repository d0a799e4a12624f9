import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { GitOpsOrdering, NetworkPeer, Placement, PostgresCluster, SynchronousMode } from '../src';

/**
 * A production-style cluster: three members across zones, synchronous replication, tuned parameters,
 * credentials generated in the cluster, declared roles and a prepared database, Argo CD sync waves.
 */
export class ProductionExample extends Chart {
  public readonly cluster: PostgresCluster;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'orders' });
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
      ],
      databases: [
        { name: 'orders', prepared: true, schemas: ['data', 'audit'], extensions: ['pg_stat_statements', 'pgcrypto'] },
      ],
      gitOpsOrdering: GitOpsOrdering.ARGO_CD,
      networkPolicy: {
        // The API server's endpoints (kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes).
        apiServer: { cidrs: ['10.0.0.10/32', '10.0.0.11/32', '10.0.0.12/32'], port: 443 },
        allowFrom: [NetworkPeer.pods({ 'app.kubernetes.io/name': 'orders-api' })],
      },
    });
  }
}
