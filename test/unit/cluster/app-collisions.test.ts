import { App, Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { BackupSchedule, BackupTarget, ConnectionPooler, PatroniRbac, PostgresCluster } from '../../../src';
import { built as validatedTree } from '../../harness/synth';

function synthErrors(build: (app: App) => void): string[] {
  const app = new App({ outdir: '/tmp/pgaas-collisions' });
  build(app);
  try {
    app.synthYaml();
    return [];
  } catch (e) {
    return (e as Error).message.split('\n').slice(1);
  }
}

const nightly = (chart: Chart, id: string, cluster: PostgresCluster) => new BackupSchedule(chart, id, {
  cluster, schedule: '@daily', retention: 7, storage: BackupTarget.newPersistentVolumeClaim({ size: Size.gibibytes(10) }),
});

// [what, app, a pattern of the problem]
const COLLISIONS: [string, (app: App) => void, RegExp][] = [
  ['two clusters of one name in one namespace (two charts)', (app) => {
    new PostgresCluster(new Chart(app, 'a', { namespace: 'db' }), 'orders', { name: 'orders-db' });
    new PostgresCluster(new Chart(app, 'b', { namespace: 'db' }), 'orders', { name: 'orders-db' });
  }, /a\/orders and b\/orders both define .*StatefulSet "orders-db" in namespace "db"/],
  ['a cluster named like another cluster\'s replica Service', (app) => {
    const chart = new Chart(app, 'a', { namespace: 'db' });
    new PostgresCluster(chart, 'orders', { name: 'orders' });
    new PostgresCluster(chart, 'orders-repl', { name: 'orders-repl' });
  }, /a\/orders and a\/orders-repl both define .*Service "orders-repl" in namespace "db"/],
  ['a cluster named like another cluster\'s pooler', (app) => {
    const chart = new Chart(app, 'a', { namespace: 'db' });
    new PostgresCluster(chart, 'orders', { name: 'orders', connectionPooler: {} });
    new PostgresCluster(chart, 'pooler', { name: 'orders-pooler' });
  }, /both define .*"orders-pooler" in namespace "db"/],
  ['a pooler declared twice', (app) => {
    // Users can no longer create a pooler outside its cluster; the library's own factory still must not collide.
    const chart = new Chart(app, 'a', { namespace: 'db' });
    const db = new PostgresCluster(chart, 'orders', { name: 'orders', connectionPooler: {} });
    ConnectionPooler._create(new Chart(app, 'b', { namespace: 'db' }), 'pooler', { cluster: db });
  }, /a\/orders\/Pooler and b\/pooler both define ConfigMap "orders-pooler" in namespace "db", Deployment "orders-pooler"/],
  ['the same BackupSchedule declared twice', (app) => {
    const chart = new Chart(app, 'a', { namespace: 'db' });
    const db = new PostgresCluster(chart, 'orders', { name: 'orders', roles: [BackupSchedule.backupRole()] });
    nightly(chart, 'nightly', db);
    nightly(new Chart(app, 'b', { namespace: 'db' }), 'nightly', db);
  }, /a\/nightly and b\/nightly both define .*CronJob "orders-backup-nightly" in namespace "db"/],
  ['a cluster and a Deployment of the application named like its Service', (app) => {
    const chart = new Chart(app, 'a', { namespace: 'db' });
    new PostgresCluster(chart, 'orders', { name: 'orders' });
    new kplus.Service(chart, 'svc', { metadata: { name: 'orders' }, ports: [{ port: 80 }] });
  }, /a\/orders and a\/svc\/Resource both define Service "orders" in namespace "db"/],
];

const DISTINCT: [string, (app: App) => void][] = [
  ['one name in two namespaces', (app) => {
    new PostgresCluster(new Chart(app, 'a', { namespace: 'team-a' }), 'orders', { name: 'orders-db' });
    new PostgresCluster(new Chart(app, 'b', { namespace: 'team-b' }), 'orders', { name: 'orders-db' });
  }],
  ['two clusters sharing one PatroniRbac', (app) => {
    const chart = new Chart(app, 'a', { namespace: 'db' });
    const rbac = new PatroniRbac(chart, 'rbac', { name: 'shared-patroni' });
    new PostgresCluster(chart, 'a', { name: 'a-db', rbac });
    new PostgresCluster(chart, 'b', { name: 'b-db', rbac });
  }],
];

describe('app-wide name collisions, checked once per app at synth', () => {
  test.each(COLLISIONS)('%s', (_what, build, expected) => {
    const errors = synthErrors(build);
    expect({ errors, matches: errors.some((e) => expected.test(e)) }).toMatchObject({ matches: true });
  });

  test.each(DISTINCT)('%s is fine', (_what, build) => expect(synthErrors(build)).toEqual([]));

  test('a shared PatroniRbac from another namespace is rejected', () => {
    const app = new App();
    const rbac = new PatroniRbac(new Chart(app, 'a', { namespace: 'other' }), 'rbac', { name: 'shared-patroni' });
    expect(() => validatedTree(new PostgresCluster(new Chart(app, 'b', { namespace: 'db' }), 'orders', { name: 'orders-db', rbac })))
      .toThrow(/rbac: "a\/rbac" is invalid: must be in the cluster's namespace \(db\)/);
  });

  test('the check is registered once per app, however many charts and clusters', () => {
    const app = new App();
    for (let i = 0; i < 5; i++) new PostgresCluster(new Chart(app, `c${i}`, { namespace: `ns${i}` }), 'db', { name: 'db' });
    expect((app.node as any)._validations.length).toBe(1);
  });
});
