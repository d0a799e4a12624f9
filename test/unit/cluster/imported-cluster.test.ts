import { Chart, Testing } from 'cdk8s';
import { Credentials, IPostgresCluster, PostgresCluster } from '../../../src';
import { built as validatedTree, testChart } from '../../harness/synth';

/** The same cluster, once defined here and once imported by name from another app. */
function definedAndImported(): { defined: IPostgresCluster; imported: IPostgresCluster } {
  const defined = new PostgresCluster(testChart('orders'), 'db', {
    name: 'orders-db',
    instances: 3,
    roles: [{ name: 'orders_app' }],
    parameters: { max_connections: '300' },
  });
  const imported = PostgresCluster.fromClusterAttributes(new Chart(Testing.app(), 'other', { namespace: 'orders' }), 'db', {
    name: 'orders-db',
    instances: 3,
    parameters: { max_connections: '300' },
    userCredentials: { orders_app: Credentials.fromSecret('orders-app.orders-db.credentials.postgresql.acid.zalan.do') },
  });
  return { defined, imported };
}

describe('PostgresCluster.fromClusterAttributes', () => {
  test('gives the handles the defined cluster gives: names, hosts, port, Secrets, ServiceAccount, connection env', () => {
    const { defined, imported } = definedAndImported();
    for (const key of ['name', 'namespace', 'port', 'instances', 'postgresVersion', 'image', 'primaryServiceName', 'replicaServiceName',
      'primaryHost', 'replicaHost', 'serviceAccountName'] as const) {
      expect([key, imported[key]]).toEqual([key, defined[key]]);
    }
    expect(imported.users).toEqual(defined.users);
    for (const user of defined.users) expect(imported.userCredentials(user)).toMatchObject({ secretName: defined.userCredentials(user).secretName });
    expect(imported.connectionEnvVars({ user: 'orders_app', database: 'orders', readOnly: true }))
      .toEqual(defined.connectionEnvVars({ user: 'orders_app', database: 'orders', readOnly: true }));
    expect(imported.parameters.max_connections).toBe('300');
    // Another app cannot change the cluster's NetworkPolicies.
    expect(imported.networkPolicy).toBeUndefined();
    expect(defined.networkPolicy).toBeDefined();
  });

  test('defaults the namespace to the scope\'s Chart and accepts an explicit one', () => {
    const chart = new Chart(Testing.app(), 'apps', { namespace: 'apps' });
    expect(PostgresCluster.fromClusterAttributes(chart, 'a', { name: 'shop-db' }).namespace).toBe('apps');
    expect(PostgresCluster.fromClusterAttributes(chart, 'b', { name: 'shop-db', namespace: 'shop' }).primaryHost).toBe('shop-db.shop.svc');
  });

  test('an unknown user is named', () => {
    const { imported } = definedAndImported();
    expect(() => imported.userCredentials('nobody')).toThrow(/"nobody" is not a login user of this cluster/);
  });

  test('invalid attributes fail in one report naming each', () => {
    const chart = new Chart(Testing.app(), 'apps');
    expect(() => validatedTree(PostgresCluster.fromClusterAttributes(chart, 'x', { name: 'Orders_DB', instances: 0 })))
      .toThrow(/fromClusterAttributes apps\/x has 3 invalid properties:[\s\S]*name: "Orders_DB"[\s\S]*namespace: undefined[\s\S]*instances: 0/);
  });
});
