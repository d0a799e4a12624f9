import { App, Chart, Testing } from 'cdk8s';
import * as kplus27 from 'cdk8s-plus-27';
import * as kplus33 from 'cdk8s-plus-33';
import { PostgresCluster, PostgresClusterProps, ServerTls } from '../../../src';
import { envOf, findObject } from '../../harness/synth';

// The connection helpers take workloads of any cdk8s-plus version: every test runs with the version the
// library is built on (27) and the current one (33), whose classes are not assignable to 27's.
const versions = [
  ['cdk8s-plus-27', (chart: Chart, id: string) => new kplus27.Deployment(chart, id, { containers: [{ image: 'example/api:1.0', portNumber: 8080 }] })],
  ['cdk8s-plus-33', (chart: Chart, id: string) => new kplus33.Deployment(chart, id, { containers: [{ image: 'example/api:1.0', portNumber: 8080 }] })],
] as const;

const ROLES: Partial<PostgresClusterProps> = { roles: [{ name: 'orders_app' }, { name: 'audit_app' }], databases: [{ name: 'orders' }] };

function setup(props: Partial<PostgresClusterProps> = {}) {
  const app = Testing.app();
  const chart = new Chart(app, 'orders', { namespace: 'orders' });
  const db = new PostgresCluster(chart, 'db', { name: 'orders-db', ...ROLES, ...props });
  return { app, chart, db };
}

function errorOf(f: () => void): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe.each(versions)('with %s', (_version, deployment) => {
  test('addConnectionEnv: the variables on the container, its pods admitted to the database and the pooler', () => {
    const { chart, db } = setup({ connectionPooler: {} });
    const api = deployment(chart, 'api');
    db.addConnectionEnv(api, { user: 'orders_app', database: 'orders' });
    const objects = Testing.synth(chart);
    const pod = findObject(objects, 'Deployment', api.name).spec.template;
    const env = envOf(pod.spec.containers[0]);
    const secret = 'orders-app.orders-db.credentials.postgresql.acid.zalan.do';
    expect(env).toMatchObject({
      PGHOST: 'orders-db.orders.svc',
      PGPORT: '5432',
      PGUSER: { secretKeyRef: { name: secret, key: 'username' } },
      PGPASSWORD: { secretKeyRef: { name: secret, key: 'password' } },
      PGSSLMODE: 'require',
      PGDATABASE: 'orders',
      DATABASE_URL: 'postgresql://$(PGUSER):$(PGPASSWORD)@orders-db.orders.svc:5432/orders?sslmode=require',
      JDBC_DATABASE_URL: 'jdbc:postgresql://orders-db.orders.svc:5432/orders?sslmode=require&user=$(PGUSER)&password=$(PGPASSWORD)',
    });
    // $(VAR) references resolve only to variables defined before them.
    const names = pod.spec.containers[0].env.map((v: any) => v.name);
    expect(names.indexOf('PGPASSWORD')).toBeLessThan(names.indexOf('DATABASE_URL'));
    // The pods the Deployment selects are admitted, by those very labels, to the database and the pooler.
    const selected = findObject(objects, 'Deployment', api.name).spec.selector.matchLabels;
    expect(pod.metadata.labels).toMatchObject(selected);
    for (const policy of ['orders-db-database', 'orders-db-pooler']) {
      const from = findObject(objects, 'NetworkPolicy', policy).spec.ingress.flatMap((rule: any) => rule.from ?? []);
      expect(from).toContainEqual({ podSelector: { matchLabels: selected } });
    }
  });

  test('the pooler helper admits the workload too, with the same sslmode rule', () => {
    const { chart, db } = setup({ connectionPooler: {}, tls: ServerTls.certManager({ issuerName: 'ca' }) });
    const api = deployment(chart, 'api');
    db.connectionPooler!.addConnectionEnv(api, { user: 'orders_app', database: 'orders' });
    const objects = Testing.synth(chart);
    const env = envOf(findObject(objects, 'Deployment', api.name).spec.template.spec.containers[0]);
    expect(env).toMatchObject({ PGHOST: 'orders-db-pooler.orders.svc', PGSSLMODE: 'verify-full', PGSSLROOTCERT: '/etc/pgaas/orders-db/ca.crt' });
    const selected = findObject(objects, 'Deployment', api.name).spec.selector.matchLabels;
    expect(findObject(objects, 'NetworkPolicy', 'orders-db-pooler').spec.ingress.flatMap((r: any) => r.from ?? []))
      .toContainEqual({ podSelector: { matchLabels: selected } });
  });

  test('with a verifiable certificate: verify-full, and the CA from the certificate\'s Secret mounted once', () => {
    const { chart, db } = setup({ tls: ServerTls.certManager({ issuerName: 'ca' }) });
    const api = deployment(chart, 'api');
    db.addConnectionEnv(api, { user: 'orders_app', database: 'orders' });
    db.addConnectionEnv(api, { user: 'audit_app', prefix: 'AUDIT_' });
    const spec = findObject(Testing.synth(chart), 'Deployment', api.name).spec.template.spec;
    const env = envOf(spec.containers[0]);
    expect(env).toMatchObject({ PGSSLMODE: 'verify-full', PGSSLROOTCERT: '/etc/pgaas/orders-db/ca.crt', AUDIT_PGSSLMODE: 'verify-full' });
    expect(env.DATABASE_URL).toBe('postgresql://$(PGUSER):$(PGPASSWORD)@orders-db.orders.svc:5432/orders?sslmode=verify-full&sslrootcert=/etc/pgaas/orders-db/ca.crt');
    expect(spec.containers[0].volumeMounts).toEqual([{ name: 'pgaas-ca-orders-db', mountPath: '/etc/pgaas/orders-db', readOnly: true }]);
    expect(spec.volumes).toEqual([{ name: 'pgaas-ca-orders-db', secret: { secretName: 'orders-db-tls', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }]);
  });

  test('several databases: each connection of a container needs its own prefix', () => {
    const { chart, db } = setup();
    const api = deployment(chart, 'api');
    db.addConnectionEnv(api, { user: 'orders_app', database: 'orders' });
    expect(errorOf(() => db.addConnectionEnv(api, { user: 'audit_app' })))
      .toMatch(/prefix: "" is invalid: must differ from an earlier connection of container 0 of orders\/api \(PGHOST is set already\)/);
    db.addConnectionEnv(api, { user: 'audit_app', prefix: 'AUDIT_' });
    const env = envOf(findObject(Testing.synth(chart), 'Deployment', api.name).spec.template.spec.containers[0]);
    expect(env.PGUSER.secretKeyRef.name).toBe('orders-app.orders-db.credentials.postgresql.acid.zalan.do');
    expect(env.AUDIT_PGUSER.secretKeyRef.name).toBe('audit-app.orders-db.credentials.postgresql.acid.zalan.do');
    expect(env.AUDIT_DATABASE_URL).toBe('postgresql://$(AUDIT_PGUSER):$(AUDIT_PGPASSWORD)@orders-db.orders.svc:5432/?sslmode=require');
  });

  test('a workload in another namespace gets a clear error instead of references to Secrets it cannot read', () => {
    const { app, db } = setup();
    const other = new Chart(app, 'shop', { namespace: 'shop' });
    const api = deployment(other, 'api');
    expect(errorOf(() => db.addConnectionEnv(api, { user: 'orders_app' })))
      .toMatch(/workload: "shop\/api" is invalid: must be in the cluster's namespace "orders" \(it is in "shop"\): the password Secrets cannot be referenced from another namespace/);
  });

  test('allowWorkload admits a workload of another namespace in its namespace', () => {
    const { app, chart, db } = setup();
    const other = new Chart(app, 'shop', { namespace: 'shop' });
    const api = deployment(other, 'api');
    db.allowWorkload(api);
    const from = findObject(Testing.synth(chart), 'NetworkPolicy', 'orders-db-database').spec.ingress.flatMap((r: any) => r.from ?? []);
    expect(from).toContainEqual({ podSelector: { matchLabels: api.matchLabels }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } } });
  });
});

describe('the user is required', () => {
  test('no silent superuser: typed and untyped callers get the same report', () => {
    const { chart, db } = setup();
    const api = new kplus27.Deployment(chart, 'api', { containers: [{ image: 'example/api:1.0' }] });
    const rule = /PostgresCluster orders\/db has 1 invalid property:\n {2}- user: undefined is invalid: must name the login role to connect as/;
    // @ts-expect-error user is required
    expect(errorOf(() => db.addConnectionEnv(api, { database: 'orders' }))).toMatch(rule);
    expect(errorOf(() => (db as any).connectionEnvVars())).toMatch(rule);
    expect(errorOf(() => db.connectionEnvVars({ user: 'orders_app', prefix: 'orders-' }))).toMatch(/prefix: "orders-" is invalid: must be letters, digits and "_"/);
  });

  test('an imported cluster connects the same way (its NetworkPolicy is in the app that defines it)', () => {
    const app = new App();
    const chart = new Chart(app, 'apps', { namespace: 'orders' });
    const db = PostgresCluster.fromClusterAttributes(chart, 'db', { name: 'orders-db', userCredentials: { orders_app: undefined as any }, tlsSecretName: 'orders-db-tls' });
    const api = new kplus33.Deployment(chart, 'api', { containers: [{ image: 'example/api:1.0' }] });
    db.addConnectionEnv(api, { user: 'postgres' });
    const env = envOf(findObject(Testing.synth(chart), 'Deployment', api.name).spec.template.spec.containers[0]);
    expect(env).toMatchObject({ PGSSLMODE: 'verify-full', PGSSLROOTCERT: '/etc/pgaas/orders-db/ca.crt' });
  });
});

describe('cdk8s-plus\'s own idiom', () => {
  test('workload.connections.allowTo(db) (cdk8s-plus-27) adds egress for the workload and ingress for the members', () => {
    const { chart, db } = setup();
    const api = new kplus27.Deployment(chart, 'api', { containers: [{ image: 'example/api:1.0' }] });
    api.connections.allowTo(db, { ports: [kplus27.NetworkPolicyPort.tcp(5432)] });
    const objects = Testing.synth(chart);
    const members = findObject(objects, 'StatefulSet', 'orders-db').spec.template.metadata.labels;
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy' && !o.metadata.name.startsWith('orders-db'));
    const selects = (selector: any, labels: Record<string, string>) => Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    const egress = policies.find((p) => p.spec.policyTypes.includes('Egress') && selects(p.spec.podSelector, api.matchLabels));
    expect(egress.spec.egress).toContainEqual(expect.objectContaining({
      to: [{ podSelector: { matchLabels: expect.objectContaining({ 'cluster-name': 'orders-db' }) }, namespaceSelector: expect.anything() }],
      ports: [{ port: 5432, protocol: 'TCP' }],
    }));
    const ingress = policies.find((p) => p.spec.policyTypes.includes('Ingress') && selects(p.spec.podSelector, members));
    expect(ingress.spec.ingress[0].from[0].podSelector.matchLabels).toEqual(api.matchLabels);
  });
});
