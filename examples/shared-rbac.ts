import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { PatroniRbac, PostgresCluster } from '../src';

/** Two clusters in one namespace sharing one Patroni identity (ServiceAccount, Role, RoleBinding). */
export class SharedRbacExample extends Chart {
  public readonly rbac: PatroniRbac;
  public readonly clusters: PostgresCluster[];

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'analytics' });
    this.rbac = new PatroniRbac(this, 'patroni', { name: 'patroni' });
    this.clusters = ['events-db', 'reports-db'].map((name) => new PostgresCluster(this, name, { name, instances: 2, rbac: this.rbac }));
  }
}
