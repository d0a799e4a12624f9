import { App, Chart, Size, Testing } from 'cdk8s';
import {
  BackupSchedule, BackupTarget, DatabaseNamespace, DatabaseNetworkPolicy, NetworkPeer, PatroniRbac, PostgresCluster, SecretGenerator,
} from '../../../src';
import { ValidationError } from '../../../src/private/validation';

/** The error `app.synthYaml()` throws (what `cdk8s synth` and `app.synth()` run), or undefined. */
function synthError(app: App): Error | undefined {
  try {
    app.synthYaml();
    return undefined;
  } catch (e) {
    return e as Error;
  }
}

/** A tree with mistakes in a cluster, a pooler, a backup schedule and a network policy: none throws while it is built. */
function treeWithMistakes(): App {
  const app = Testing.app();
  const chart = new Chart(app, 'shop', { namespace: 'shop' });
  new PostgresCluster(chart, 'orders', { name: 'Orders', instances: 0 });
  const billing = new PostgresCluster(chart, 'billing', { name: 'billing-db', instances: 2, connectionPooler: { replicas: 0 } });
  new BackupSchedule(chart, 'nightly', {
    cluster: billing, schedule: '0 25 * * *', retention: 0, storage: BackupTarget.newPersistentVolumeClaim({ size: Size.gibibytes(10) }),
  });
  new DatabaseNetworkPolicy(chart, 'np', { name: 'reports-db', databasePodLabels: {}, apiServer: { cidrs: ['10.0.0.300/32'] } });
  return app;
}

describe('one report for the whole construct tree', () => {
  test('a cluster, a pooler, a backup schedule and a network policy with mistakes: building throws nothing, synth throws ONE report', () => {
    const app = treeWithMistakes();
    const error = synthError(app);
    expect(error).toBeInstanceOf(ValidationError);
    const message = error!.message;
    // Every construct path, property, value and rule, in one message.
    expect(message).toMatch(/^8 problems in 4 places:\n/);
    expect(message).toMatch(/PostgresCluster shop\/orders has 2 invalid properties:\n {2}- name: "Orders" is invalid: must be a DNS-1035 label[^\n]*\n {2}- instances: 0 is invalid: must be an integer >= 1/);
    expect(message).toMatch(/PostgresCluster shop\/billing has 1 invalid property:\n {2}- connectionPooler\.replicas: 0 is invalid: /);
    expect(message).toMatch(/BackupSchedule shop\/nightly has \d+ invalid propert[^\n]*\n(?: {2}- [^\n]*\n)*? {2}- schedule: "0 25 \* \* \*" is invalid/);
    expect(message).toMatch(/ {2}- retention: 0 is invalid: must be an integer >= 1/);
    expect(message).toMatch(/DatabaseNetworkPolicy shop\/np has 2 invalid properties:[^]*databasePodLabels: \{\} is invalid: must not be empty[^]*apiServer\.cidrs: "10\.0\.0\.300\/32" is invalid/);
    // Children built from a reporting construct's props (the billing pooler) do not repeat its problems.
    expect(message).not.toMatch(/ConnectionPooler shop\/billing/);
    // The error lists every problem as data, too.
    expect((error as ValidationError).problems.length).toBe(Number(/^(\d+) problems/.exec(message)![1]));
  });

  test('one construct at fault reads exactly like its own report', () => {
    const app = Testing.app();
    new PatroniRbac(new Chart(app, 'c', { namespace: 'db' }), 'rbac', { name: 'Patroni_SA' });
    expect(synthError(app)!.message).toMatch(/^PatroniRbac c\/rbac has 1 invalid property:\n {2}- name: "Patroni_SA" is invalid: must be a DNS-1123 subdomain/);
  });

  test('problems found after construction (peers, Secrets) join the same report', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'db' });
    const policy = new DatabaseNetworkPolicy(chart, 'np', { name: 'orders-db', databasePodLabels: { a: 'b' }, apiServer: { cidrs: ['10.0.0.1/32'] } });
    policy.allowConnectionsFrom(NetworkPeer.ipBlock('nope'));
    new SecretGenerator(chart, 'gen', { name: 'gen', image: 'ghcr.io/zalando/spilo-17:4.0-p3' });
    new DatabaseNamespace(chart, 'ns', { name: 'Bad_NS' });
    const message = synthError(app)!.message;
    expect(message).toMatch(/^3 problems in 3 places:/);
    expect(message).toMatch(/DatabaseNetworkPolicy c\/np has 1 invalid property:\n {2}- allowConnectionsFrom\[0\]\.[^\n]*"nope" is invalid/);
    expect(message).toMatch(/SecretGenerator c\/gen has 1 invalid property:\n {2}- secrets: \[\] is invalid: must not be empty/);
    expect(message).toMatch(/DatabaseNamespace c\/ns has 1 invalid property:\n {2}- name: "Bad_NS" is invalid/);
  });

  test('the report is computed once per synthesis, and again when a problem is added after a clean one (same synchronous run)', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'db' });
    const policy = new DatabaseNetworkPolicy(chart, 'np', { name: 'orders-db', databasePodLabels: { a: 'b' }, apiServer: { cidrs: ['10.0.0.1/32'] } });
    const generator = new SecretGenerator(chart, 'gen', { name: 'gen', image: 'ghcr.io/zalando/spilo-17:4.0-p3' });
    generator.addSecret({ name: 'app-secret', username: 'app' });
    expect(synthError(app)).toBeUndefined();
    policy.allowConnectionsFrom(NetworkPeer.ipBlock('nope'));
    expect(synthError(app)!.message).toMatch(/allowConnectionsFrom\[0\]\.[^\n]*"nope" is invalid/);
    const clean = Testing.app();
    const other = new SecretGenerator(new Chart(clean, 'c', { namespace: 'db' }), 'gen', { name: 'gen', image: 'ghcr.io/zalando/spilo-17:4.0-p3' });
    other.addSecret({ name: 'app-secret', username: 'app' });
    expect(synthError(clean)).toBeUndefined();
    other.addSecret({ name: 'app-secret', username: 'someone-else' });
    expect(synthError(clean)!.message).toMatch(/is already generated for user "app"/);
    new PostgresCluster(new Chart(clean, 'd', { namespace: 'db2' }), 'orders', { name: 'Orders' });
    expect(synthError(clean)!.message).toMatch(/name: "Orders" is invalid/);
  });

  test('app-wide collisions come in the same report', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'db' });
    new PostgresCluster(chart, 'a', { name: 'orders-db' });
    new PostgresCluster(chart, 'b', { name: 'orders-db' });
    new PatroniRbac(chart, 'rbac', { name: 'Bad Name' });
    const message = synthError(app)!.message;
    expect(message).toMatch(/^4 problems in 2 places:\nPatroniRbac c\/rbac has 1 invalid property:[^]*The app has 3 conflicts:[^]*\n {2}- c\/a and c\/b both define Service "orders-db-headless"/);
  });

  test('props of the wrong shape make construction impossible: thrown at once, with the problems reported so far', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'db' });
    new PatroniRbac(chart, 'rbac', { name: 'Bad Name' });
    let error: unknown;
    try {
      new BackupSchedule(chart, 'nightly', { schedule: '@daily', storage: 'pvc', retention: '7' } as any);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const message = (error as Error).message;
    expect(message).toMatch(/PatroniRbac c\/rbac has 1 invalid property/);
    expect(message).toMatch(/BackupSchedule c\/nightly has 3 invalid properties:\n {2}- cluster: undefined is invalid: is required\n {2}- storage: "pvc" is invalid: must be created with BackupTarget[^\n]*\n {2}- retention: "7" is invalid: must be an integer/);
  });

  test('synthesizing one chart (chart.toJson(), Testing.synth) throws the same report for the whole app', () => {
    const app = treeWithMistakes();
    const other = new Chart(app, 'other', { namespace: 'other' });
    expect(() => Testing.synth(other)).toThrow(/^8 problems in 4 places:/);
  });

  test('a valid tree synthesizes', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c', { namespace: 'db' });
    const cluster = new PostgresCluster(chart, 'db', { name: 'orders-db', instances: 2, connectionPooler: {}, roles: [BackupSchedule.backupRole()] });
    new BackupSchedule(chart, 'nightly', { cluster, schedule: '@daily', retention: 7, storage: BackupTarget.newPersistentVolumeClaim({ size: Size.gibibytes(10) }) });
    expect(synthError(app)).toBeUndefined();
  });
});
