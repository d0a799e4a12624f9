import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Credentials, PatroniRbac, PostgresCluster, SecretStoreKind } from '../src';

/**
 * Two clusters in one namespace sharing one Patroni identity (ServiceAccount, Role, RoleBinding);
 * the reports cluster takes its passwords from a vault through the External Secrets Operator.
 */
export class SharedRbacExample extends Chart {
  public readonly rbac: PatroniRbac;
  public readonly clusters: PostgresCluster[];

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'analytics' });
    this.rbac = new PatroniRbac(this, 'patroni', { name: 'patroni' });
    const vault = (remoteKey: string) => Credentials.fromExternalSecret({
      secretStoreName: 'vault', secretStoreKind: SecretStoreKind.CLUSTER_SECRET_STORE, remoteKey, passwordProperty: 'password',
    });
    this.clusters = [
      new PostgresCluster(this, 'events-db', { name: 'events-db', instances: 2, rbac: this.rbac }),
      new PostgresCluster(this, 'reports-db', {
        name: 'reports-db',
        instances: 2,
        rbac: this.rbac,
        superuserCredentials: vault('databases/reports-db/postgres'),
        replicationCredentials: vault('databases/reports-db/standby'),
        roles: [{ name: 'reporter' }],
        databases: [{ name: 'reports', owner: 'reporter' }],
        roleCredentials: { reporter: vault('databases/reports-db/reporter') },
      }),
    ];
  }
}
