import { ApiObject, App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { parseAllDocuments } from 'yaml';
import { EXAMPLES } from '../../../examples';
import { GITOPS_LAYOUTS } from '../../../examples/gitops';
import { PatroniRbac, PostgresCluster, SecretGenerator } from '../../../src';
import { fleetChart, fleetCluster } from '../../harness/fleet-app';
import { orderViolations, referenceCount } from '../../harness/references';

/*
 * The library builds its objects in dependency order instead of adding dependency edges (cdk8s re-expands every
 * edge of the whole app once per chart): every object must still come after what it references, on every example,
 * and also when a user's edges or a construct handed in from elsewhere would move an object out of tree order.
 */

/** The app's objects in output order (chart after chart, as `App.synth()` writes them). */
function output(app: App): any[] {
  return parseAllDocuments(app.synthYaml()).map((d) => d.toJS()).filter((o) => o);
}

const edgesOf = (app: App) => app.node.findAll().reduce((n, c) => n + c.node.dependencies.length, 0);
const name = (o: any) => `${o.kind}/${o.metadata.name}`;
const position = (objects: any[], kindAndName: string) => {
  const at = objects.findIndex((o) => name(o) === kindAndName);
  if (at < 0) throw new Error(`${kindAndName} is not in the output: ${objects.map(name).join(', ')}`);
  return at;
};

test('the reference check finds an object placed before what it references', () => {
  const objects = [
    { kind: 'Job', metadata: { name: 'j', namespace: 'n' }, spec: { template: { spec: { serviceAccountName: 'sa', containers: [{ env: [{ name: 'PGHOST', value: 'db.n.svc' }] }] } } } },
    { kind: 'ServiceAccount', metadata: { name: 'sa', namespace: 'n' } },
    { kind: 'Service', metadata: { name: 'db', namespace: 'n' } },
  ];
  expect(orderViolations(objects)).toEqual(['Job/j -> ServiceAccount/n/sa', 'Job/j -> Service/n/db']);
  expect(orderViolations([objects[1], objects[2], objects[0]])).toEqual([]);
});

// Every example, and every GitOps layout (charts that depend on charts).
const APPS = [...EXAMPLES.map((e) => [`example ${e.name}`, e] as const), ...GITOPS_LAYOUTS.map((l) => [`GitOps layout ${l.name}`, l] as const)];

describe.each(APPS)('%s', (_name, source) => {
  test('every object comes after the objects it references, across its charts', () => {
    const app = new App();
    source.build(app);
    const objects = output(app);
    expect(referenceCount(objects)).toBeGreaterThan(5);
    expect(orderViolations(objects)).toEqual([]);
  });
});

test('a production-style cluster synthesizes without a single dependency edge, in dependency order', () => {
  const app = new App();
  fleetChart(app, 0);
  const objects = output(app);
  expect(edgesOf(app)).toBe(0);
  expect(referenceCount(objects)).toBeGreaterThan(30);
  expect(orderViolations(objects)).toEqual([]);
  const sts = position(objects, 'StatefulSet/orders-0');
  for (const need of ['ServiceAccount/orders-0-patroni', 'Service/orders-0-headless', 'Certificate/orders-0-tls', 'ConfigMap/orders-0-dynamic-config']) {
    expect(position(objects, need)).toBeLessThan(sts);
  }
  const generatorJob = objects.findIndex((o) => o.kind === 'Job' && o.metadata.name.startsWith('orders-0-secrets-'));
  expect(generatorJob).toBeLessThan(sts);
  expect(position(objects, 'Job/' + objects.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('orders-0-bootstrap-')).metadata.name)).toBeGreaterThan(sts);
});

describe('objects moved out of tree order get their edges back', () => {
  function clusterIn(chart: Chart, id = 'db', props: Record<string, unknown> = {}) {
    return new PostgresCluster(chart, id, { name: id, instances: 2, roles: [{ name: 'app' }], databases: [{ name: 'app', owner: 'app' }], ...props });
  }
  const api = (scope: IConstruct) => new kplus.Deployment(scope as Chart, 'api', { containers: [{ image: 'example/api:1', portNumber: 8080 }] });

  test('an app created first that depends on the StatefulSet alone pulls it forward, with what it needs', () => {
    const app = new App();
    const chart = new Chart(app, 'c', { namespace: 'n' });
    const deployment = api(chart);
    const db = clusterIn(chart);
    deployment.node.addDependency(db.statefulSet);
    const objects = output(app);
    expect(position(objects, 'StatefulSet/db')).toBeLessThan(position(objects, 'Deployment/' + objects.find((o) => o.kind === 'Deployment').metadata.name));
    expect(orderViolations(objects)).toEqual([]);
    expect(position(objects, 'ServiceAccount/db-patroni')).toBeLessThan(position(objects, 'StatefulSet/db'));
  });

  test('an edge added after a synthesis is seen at the next one', async () => {
    const app = new App();
    const chart = new Chart(app, 'c', { namespace: 'n' });
    const early = new ApiObject(chart, 'user', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'user' } });
    const db = clusterIn(chart);
    expect(position(output(app), 'StatefulSet/db')).toBeGreaterThan(position(output(app), 'ConfigMap/user'));
    await new Promise((resolve) => setImmediate(resolve));
    early.node.addDependency(db.statefulSet);
    const objects = output(app);
    expect(position(objects, 'StatefulSet/db')).toBeLessThan(position(objects, 'ConfigMap/user'));
    expect(orderViolations(objects)).toEqual([]);
  });

  test('an app created first that depends on the whole cluster gets all of it first, in order', () => {
    const app = new App();
    const chart = new Chart(app, 'c', { namespace: 'n' });
    const deployment = api(chart);
    const db = clusterIn(chart);
    deployment.node.addDependency(db);
    const objects = output(app);
    expect(objects[objects.length - 1].kind).toBe('Deployment');
    expect(orderViolations(objects)).toEqual([]);
  });

  test('an app that depends on the generator Job alone pulls the Job back, and the StatefulSet follows it', () => {
    const app = new App();
    const chart = new Chart(app, 'c', { namespace: 'n' });
    const db = clusterIn(chart);
    api(chart).node.addDependency(db.secretGenerator!.job);
    const objects = output(app);
    expect(orderViolations(objects)).toEqual([]);
    expect(objects.findIndex((o) => o.kind === 'Job' && o.metadata.name.startsWith('db-secrets-'))).toBeLessThan(position(objects, 'StatefulSet/db'));
  });

  test('a shared generator and identity that come later in the tree, or from another chart, keep their edges', () => {
    const app = new App();
    const chart = new Chart(app, 'c', { namespace: 'n' });
    const group = new Construct(chart, 'clusters'); // created first: the clusters built in it precede what follows
    const rbac = new PatroniRbac(chart, 'rbac', { name: 'shared-patroni' });
    const generator = new SecretGenerator(new Chart(app, 'secrets', { namespace: 'n' }), 'secrets', { name: 'shared-secrets', image: 'ghcr.io/zalando/spilo-17:4.0-p2' });
    const clusters = ['a', 'b'].map((id) => clusterIn(chart, id, { rbac, secretGenerator: generator }));
    clusters.push(clusterIn(group as Chart, 'g', { rbac, secretGenerator: generator }));
    // The identity precedes a and b in the tree (no edge), but not g; the generator is in another chart (an edge each).
    expect(clusters.map((db) => db.statefulSet.node.dependencies.filter((d) => rbac.apiObjects.includes(d as ApiObject)).length)).toEqual([0, 0, 3]);
    for (const db of clusters) expect(db.statefulSet.node.dependencies).toContain(generator.job);
    const objects = output(app);
    // The generator's chart is written first (the clusters' chart depends on it), and each chart is in order.
    expect(app.charts.map((c) => c.node.path)).toEqual(['secrets', 'c']);
    expect(orderViolations(objects)).toEqual([]);
    expect(position(objects, 'ServiceAccount/shared-patroni')).toBeLessThan(position(objects, 'StatefulSet/g'));
  });

  test('a second cluster using the first one\'s generator pulls the Job to itself: the first StatefulSet keeps its order by an edge', () => {
    const app = new App();
    const chart = new Chart(app, 'c', { namespace: 'n' });
    const a = clusterIn(chart, 'a');
    const b = clusterIn(chart, 'b', { secretGenerator: a.secretGenerator });
    const objects = output(app);
    expect(orderViolations(objects)).toEqual([]);
    const job = objects.findIndex((o) => o.kind === 'Job' && o.metadata.name.startsWith('a-secrets-'));
    expect(job).toBeLessThan(position(objects, 'StatefulSet/a'));
    expect(job).toBeLessThan(position(objects, 'StatefulSet/b'));
    expect(b.secretGenerator).toBe(a.secretGenerator);
  });

  // Every object of a production-style cluster, pulled forward (a user's object earlier in the chart depends on it
  // alone) and pulled back (one at the end depends on it): its dependencies and dependents keep their order.
  const names = (() => {
    const app = new App();
    fleetChart(app, 0);
    return output(app).map(name);
  })();
  describe.each(names.map((n) => [n]))('%s', (target) => {
    test.each([['forward', true], ['back', false]])('pulled %s', (_how, first) => {
      const app = new App();
      const chart = new Chart(app, 'team-0', { namespace: 'team-0' });
      const early = first ? new ApiObject(chart, 'user', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'user' } }) : undefined;
      const db = fleetCluster(chart, 0);
      const user = early ?? new ApiObject(chart, 'user', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'user' } });
      const object = chart.node.findAll().find((c): c is ApiObject => c instanceof ApiObject && `${c.kind}/${c.toJson().metadata.name}` === target)!;
      expect(object).toBeDefined();
      user.node.addDependency(object);
      const objects = output(app);
      expect(position(objects, target)).toBeLessThan(position(objects, 'ConfigMap/user'));
      expect(orderViolations(objects)).toEqual([]);
      expect(db.statefulSet).toBeDefined();
    });
  });
});
