import { ApiObject, App, Chart, IResolver, JsonPatch, Lazy, ResolutionContext } from 'cdk8s';
import { EXAMPLES } from '../../../examples';
import { GITOPS_LAYOUTS } from '../../../examples/gitops';
import { KubeConfigMap } from '../../../src/private/kube';
import { renderedJson } from '../../../src/private/render-json';
import { fleetCluster } from '../../harness/fleet-app';

/*
 * The library's objects render in one pass (render-json.ts) what cdk8s's own ApiObject.toJson() renders in two: the
 * same JSON, with the same key order, for every object of every example; and cdk8s renders it itself wherever the
 * one pass could differ (other resolvers, sorting off, values that are not plain JSON, errors).
 */

const cdk8sRendering = (o: ApiObject) => ApiObject.prototype.toJson.call(o);
const APPS = [...EXAMPLES.map((e) => [`example ${e.name}`, e] as const), ...GITOPS_LAYOUTS.map((l) => [`GitOps layout ${l.name}`, l] as const)];
const libraryObjects = (app: App) => app.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && renderedJson(c) !== undefined);

describe.each(APPS)('%s', (_name, source) => {
  test('every object the library made renders in one pass, exactly as cdk8s renders it (same bytes, same key order)', () => {
    const app = new App();
    source.build(app);
    const objects = libraryObjects(app);
    expect(objects.length).toBeGreaterThan(10);
    const differing = objects.filter((o) => JSON.stringify(o.toJson()) !== JSON.stringify(cdk8sRendering(o)));
    expect(differing.map((o) => o.node.path)).toEqual([]);
  });
});

describe('one-pass rendering', () => {
  function cluster(app = new App()) {
    const chart = new Chart(app, 'team', { namespace: 'team' });
    return { app, cluster: fleetCluster(chart, 0), chart };
  }

  test('a production-style cluster with JSON patches renders as cdk8s renders it', () => {
    const { app, cluster: db } = cluster();
    db.statefulSet.addJsonPatch(JsonPatch.add('/spec/template/spec/hostIPC', false), JsonPatch.remove('/spec/template/metadata/annotations'));
    db.replicaService.addJsonPatch(JsonPatch.add('/spec/trafficDistribution', 'PreferSameZone'));
    const objects = libraryObjects(app);
    expect(objects.length).toBeGreaterThan(30);
    for (const o of objects) expect(JSON.stringify(o.toJson())).toBe(JSON.stringify(cdk8sRendering(o)));
    expect(db.statefulSet.toJson().spec.template.spec.hostIPC).toBe(false);
  });

  test('lazy values are produced in the object\'s own order, and what they produce is rendered too', () => {
    const { chart } = cluster();
    const order: string[] = [];
    const lazy = (name: string, value: unknown) => Lazy.any({ produce: () => (order.push(name), value) });
    const map = new KubeConfigMap(chart, 'Lazy', { metadata: { name: 'lazy' }, data: { zeta: lazy('zeta', 'z'), alpha: lazy('alpha', lazy('inner', 'a')) } });
    expect(renderedJson(map)).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'lazy', namespace: 'team' }, data: { alpha: 'a', zeta: 'z' } });
    expect(order).toEqual(['zeta', 'alpha', 'inner']);
    expect(Object.keys(renderedJson(map).data)).toEqual(['alpha', 'zeta']);
  });

  test('an app with resolvers of its own is rendered by cdk8s, through them', () => {
    class Upper implements IResolver {
      public resolve(context: ResolutionContext): void {
        if (context.value === 'orders-0') context.replaceValue('ORDERS-0');
      }
    }
    const { app, cluster: db } = cluster(new App({ resolvers: [new Upper()] }));
    expect(renderedJson(db.statefulSet)).toBeUndefined();
    expect(db.statefulSet.toJson().spec.template.metadata.labels['cluster-name']).toBe('ORDERS-0');
    expect(app.resolvers).toHaveLength(4);
  });

  test('with CDK8S_DISABLE_SORT cdk8s renders the object (keys in their own order)', () => {
    const { cluster: db } = cluster();
    process.env.CDK8S_DISABLE_SORT = '1';
    try {
      expect(renderedJson(db.statefulSet)).toBeUndefined();
      expect(JSON.stringify(db.statefulSet.toJson())).toBe(JSON.stringify(cdk8sRendering(db.statefulSet)));
    } finally {
      delete process.env.CDK8S_DISABLE_SORT;
    }
    expect(renderedJson(db.statefulSet)).toBeDefined();
  });

  test('a value that is not plain JSON (one with its own resolve()) is left to cdk8s, which resolves it', () => {
    const { chart } = cluster();
    const token = { resolve: () => 'resolved' };
    const map = new KubeConfigMap(chart, 'Token', { metadata: { name: 'token' }, data: { key: Lazy.any({ produce: () => token }) } });
    expect(renderedJson(map)).toBeUndefined();
    expect(map.toJson().data).toEqual({ key: 'resolved' });
  });

  test('errors are cdk8s\'s own: a failing lazy value and a patch whose path does not exist name the construct', () => {
    const { chart, cluster: db } = cluster();
    const map = new KubeConfigMap(chart, 'Failing', { metadata: { name: 'failing' }, data: { key: Lazy.any({ produce: () => { throw new Error('no value'); } }) } });
    expect(() => map.toJson()).toThrow(/Failed serializing construct at path 'team\/Failing' with name 'failing': Error: no value/);
    db.headlessService.addJsonPatch(JsonPatch.replace('/spec/noSuchField/x', 1));
    expect(() => db.headlessService.toJson()).toThrow(/Failed serializing construct at path 'team\/db\/.*'/);
  });
});
