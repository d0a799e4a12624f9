import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { PostgresCluster } from '../src';

/** The smallest useful cluster: one member with the library's defaults. */
export class MinimalExample extends Chart {
  public readonly cluster: PostgresCluster;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'dev' });
    this.cluster = new PostgresCluster(this, 'db', { name: 'hello-db' });
  }
}
