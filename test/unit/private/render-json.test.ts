import { ApiObject, App, Chart, IResolver, JsonPatch, Lazy, ResolutionContext } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { EXAMPLES } from '../../../examples';
import { GITOPS_LAYOUTS } from '../../../examples/gitops';
import * as kube from '../../../src/private/kube';
import { KubeConfigMap } from '../../../src/private/kube';
import * as renderJson from '../../../src/private/render-json';
import { renderedJson } from '../../../src/private/render-json';
import { fleetCluster } from '../../harness/fleet-app';

/*
 * The library's objects render in one pass (render-json.ts) what cdk8s's own ApiObject.toJson() renders in two: the
 * same JSON, with the same key order, for every object of every example; and cdk8s renders it itself wherever the
 * one pass could differ (other resolvers, sorting off, values that are not plain JSON, errors).
 */

/** cdk8s's own rendering of the object's Kubernetes JSON (its props with IntOrString and Quantity unwrapped). */
const cdk8sRendering = (o: ApiObject) => kube.renderedByCdk8s(o);
const APPS = [...EXAMPLES.map((e) => [`example ${e.name}`, e] as const), ...GITOPS_LAYOUTS.map((l) => [`GitOps layout ${l.name}`, l] as const)];
// By prototype: `instanceof` any ApiObject subclass is true for every ApiObject (cdk8s's Symbol.hasInstance).
const KUBE_PROTOTYPES: object[] = (Object.values(kube) as unknown[])
  .filter((v): v is { prototype: object } => typeof v === 'function' && Object.prototype.isPrototypeOf.call(ApiObject.prototype, (v as { prototype: object }).prototype)).map((c) => c.prototype);
const libraryObjects = (app: App) => app.node.findAll()
  .filter((c): c is ApiObject => KUBE_PROTOTYPES.some((p) => Object.prototype.isPrototypeOf.call(p, c)));

/** The object's toJson(), asserting that it was rendered in one pass (not by cdk8s after a fallback). */
function renderedInOnePass(o: ApiObject): any {
  const spy = jest.spyOn(renderJson, 'renderedJson');
  try {
    const json = o.toJson();
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.results[0].value).toBeDefined();
    return json;
  } finally {
    spy.mockRestore();
  }
}

/** Same JSON and key order at every level (JSON text), and the same values and types (strict equality). */
function expectSameRendering(o: ApiObject): void {
  const [onePass, cdk8s] = [renderedInOnePass(o), cdk8sRendering(o)];
  expect(JSON.stringify(onePass)).toBe(JSON.stringify(cdk8s));
  expect(onePass).toStrictEqual(cdk8s);
}

describe.each(APPS)('%s', (_name, source) => {
  test('every object the library made renders in one pass, exactly as cdk8s renders it (same bytes, same key order)', () => {
    const app = new App();
    source.build(app);
    const objects = libraryObjects(app);
    expect(objects.length).toBeGreaterThan(10);
    for (const o of objects) expectSameRendering(o);
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
    for (const o of objects) expectSameRendering(o);
    expect(db.statefulSet.toJson().spec.template.spec.hostIPC).toBe(false);
  });

  test('lazy values are produced as cdk8s produces them (the object\'s own order, once each), and what they produce is rendered too', () => {
    const { chart } = cluster();
    let order: string[] = [];
    const lazy = (name: string, value: unknown) => Lazy.any({ produce: () => (order.push(name), value) });
    const map = new KubeConfigMap(chart, 'Lazy', {
      metadata: { name: 'lazy', labels: { tier: lazy('label', 'db') } },
      data: { zeta: lazy('zeta', 'z'), alpha: lazy('alpha', lazy('inner', 'a')) },
      binaryData: lazy('binary', { b: lazy('b', 'Yg=='), a: [lazy('a0', 'YQ==')] }),
    });
    const expected = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { labels: { tier: 'db' }, name: 'lazy', namespace: 'team' } };
    expect(renderedInOnePass(map)).toEqual({ ...expected, binaryData: { a: ['YQ=='], b: 'Yg==' }, data: { alpha: 'a', zeta: 'z' } });
    const onePass = order;
    order = [];
    cdk8sRendering(map);
    expect(onePass).toEqual(order);
    expect(onePass).toEqual(['label', 'zeta', 'alpha', 'inner', 'binary', 'b', 'a0']);
  });

  test('an app with resolvers of its own is rendered by cdk8s, through them', () => {
    const seen = new Set<unknown>();
    class Upper implements IResolver {
      public resolve(context: ResolutionContext): void {
        seen.add(context.obj);
        if (context.value === 'orders-0') context.replaceValue('ORDERS-0');
      }
    }
    const { app, cluster: db } = cluster(new App({ resolvers: [new Upper()] }));
    expect(renderedJson(db.statefulSet)).toBeUndefined();
    expect(db.statefulSet.toJson().spec.template.metadata.labels['cluster-name']).toBe('ORDERS-0');
    expect(app.resolvers).toHaveLength(4);
    // The resolvers see the object itself, as for any ApiObject.
    // (Compared by identity: a failing toEqual would print the whole construct tree.)
    expect(seen.size).toBe(1);
    expect(seen.has(db.statefulSet)).toBe(true);
  });

  test('an app whose default resolver was given another resolve() is rendered by cdk8s, through it', () => {
    const { app, cluster: db } = cluster();
    app.resolvers[1].resolve = (context: ResolutionContext) => {
      if (context.value === 'orders-0') context.replaceValue('ORDERS-0');
    };
    expect(renderedJson(db.statefulSet)).toBeUndefined();
    expect(db.statefulSet.toJson().spec.template.metadata.labels['cluster-name']).toBe('ORDERS-0');
  });

  test('an own __proto__ member (as JSON.parse makes it) and an array with a value of its own are left to cdk8s', () => {
    const { chart } = cluster();
    const parsed = new KubeConfigMap(chart, 'Parsed', { metadata: { name: 'parsed' }, data: JSON.parse('{"a":{"__proto__":{"x":1},"b":"2"}}') });
    expect(renderedJson(parsed)).toBeUndefined();
    expect(parsed.toJson()).toStrictEqual(cdk8sRendering(parsed));
    const parsedArray = new KubeConfigMap(chart, 'ParsedArray', { metadata: { name: 'parsed-array' }, data: JSON.parse('{"a":{"__proto__":[1],"b":"2"}}') });
    expect(() => parsedArray.toJson()).toThrow(/can't render non-simple object of type 'Array'/);
    const list = Object.assign(['x'], { value: 'v' });
    const valued = new KubeConfigMap(chart, 'Valued', { metadata: { name: 'valued' }, data: { a: Lazy.any({ produce: () => list }) } });
    expect(renderedJson(valued)).toBeUndefined();
    expect(valued.toJson().data).toEqual({ a: { value: 'v' } });
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

  test('where cdk8s renders the objects itself, IntOrString and Quantity values are written as their values too', () => {
    const { app, cluster: db } = cluster();
    const objects = libraryObjects(app);
    const onePass = objects.map((o) => renderedInOnePass(o));
    process.env.CDK8S_DISABLE_SORT = '1';
    try {
      expect(renderedJson(db.statefulSet)).toBeUndefined();
      // The same JSON; only the key order differs (cdk8s does not sort with CDK8S_DISABLE_SORT).
      expect(objects.map((o) => o.toJson())).toEqual(onePass);
      const pooler = db.connectionPooler!.primary.deployment.toJson();
      expect(pooler.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
      for (const container of pooler.spec.template.spec.containers) expect(container.resources.requests.cpu).toMatch(/^\d+m?$/);
      expect(db.primaryService.toJson().spec.ports[0].targetPort).toBe('postgresql');
    } finally {
      delete process.env.CDK8S_DISABLE_SORT;
    }
  });

  test('IntOrString and Quantity are written as their values in the metadata too, and a lazy value inside one is produced', () => {
    const { chart } = cluster();
    const quantity = (value: unknown) => k8s.Quantity.fromString(value as string) as unknown as string;
    const map = new KubeConfigMap(chart, 'Typed', {
      metadata: { name: 'typed', annotations: { size: quantity('1Gi') } },
      data: { size: quantity(Lazy.any({ produce: () => '2Gi' })) },
    });
    const expected = { metadata: { annotations: { size: '1Gi' } }, data: { size: '2Gi' } };
    expect(renderedInOnePass(map)).toMatchObject(expected);
    process.env.CDK8S_DISABLE_SORT = '1';
    try {
      expect(map.toJson()).toMatchObject(expected);
    } finally {
      delete process.env.CDK8S_DISABLE_SORT;
    }
  });

  test('content cdk8s cannot render either (a cycle) fails the synthesis with the object\'s construct path, as cdk8s reports it', () => {
    const { chart } = cluster();
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const map = new KubeConfigMap(chart, 'Cycle', { metadata: { name: 'cycle' }, data: cycle as Record<string, string> });
    expect(() => map.toJson()).toThrow(/Failed serializing construct at path 'team\/Cycle' with name 'cycle'/);
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
