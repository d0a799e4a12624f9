import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Credentials, PostgresCluster } from '../src';

/** The smallest useful cluster: one member with the library's defaults, the superuser password from an existing Secret. */
export class MinimalExample extends Chart {
  public readonly cluster: PostgresCluster;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'dev' });
    this.cluster = new PostgresCluster(this, 'db', {
      name: 'hello-db',
      // A Secret managed elsewhere (Sealed Secrets, SOPS, kubectl): keys "username" and "password".
      superuserCredentials: Credentials.fromSecret('hello-db-superuser'),
    });
  }
}
