import { Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { DatabaseNamespace, PodSecurityLevel, PostgresCluster } from '../src';

/**
 * The README's quickstart (keep the two alike): one small member that fits a single-node kind
 * cluster, its Namespace, and a client Deployment that connects (and is admitted by the NetworkPolicy).
 */
export class QuickstartExample extends Chart {
  public readonly cluster: PostgresCluster;
  public readonly client: kplus.Deployment;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'hello' });
    // The namespace first, with Pod Security labels: the database passes "restricted", the client "baseline".
    new DatabaseNamespace(this, 'namespace', { enforce: PodSecurityLevel.BASELINE });

    this.cluster = new PostgresCluster(this, 'db', {
      name: 'hello-db',
      instances: 1,
      storage: Size.gibibytes(1),
      resources: { memory: { request: Size.mebibytes(512), limit: Size.mebibytes(512) } },
      roles: [{ name: 'hello_app' }],
      databases: [{ name: 'hello', owner: 'hello_app' }],
    });

    this.client = new kplus.Deployment(this, 'client', {
      metadata: { name: 'hello-client' },
      containers: [{
        image: 'postgres:17-alpine',
        command: ['sh', '-c', 'until psql -c "SELECT current_user, version()"; do sleep 5; done; while true; do sleep 3600; done'],
        securityContext: { user: 70, group: 70 },
      }],
    });
    this.cluster.addConnectionEnv(this.client, { user: 'hello_app', database: 'hello' });
  }
}
