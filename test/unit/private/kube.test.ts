import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { parseAllDocuments } from 'yaml';
import { EXAMPLES } from '../../../examples';
import { GITOPS_LAYOUTS } from '../../../examples/gitops';
import * as library from '../../../src';
import { fleetCluster } from '../../harness/fleet-app';

/*
 * JSON patches on the library's objects (the escape hatch `apiObjects` documents) apply to the Kubernetes JSON as
 * written. cdk8s-plus's typed classes apply them before their conversion, which drops every field the typed API
 * does not know, renamed fields in Kubernetes' spelling and plain numbers in int-or-string fields, without an error.
 */

const output = (app: App): any[] => parseAllDocuments(app.synthYaml()).map((d) => d.toJS()).filter((o) => o);
const key = (o: { kind: string; metadata: { name: string; namespace?: string } }) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** The prototypes of the library's construct classes. */
const LIBRARY_PROTOTYPES: object[] = Object.values(library as Record<string, unknown>)
  .filter((v): v is { prototype: object } => typeof v === 'function' && (v as { prototype: unknown }).prototype instanceof Construct)
  .map((cls) => cls.prototype);
// By prototype: `instanceof` any ApiObject subclass is true for every ApiObject (cdk8s's Symbol.hasInstance).
const madeByLibrary = (c: IConstruct) => c.node.scopes.some((s) => LIBRARY_PROTOTYPES.some((p) => Object.prototype.isPrototypeOf.call(p, s)));

const APPS = [...EXAMPLES.map((e) => [`example ${e.name}`, e] as const), ...GITOPS_LAYOUTS.map((l) => [`GitOps layout ${l.name}`, l] as const)];

describe.each(APPS)('%s', (_name, source) => {
  test('a JSON patch on any object the library made is in the output, even with a field the typed API does not know', () => {
    const app = new App();
    source.build(app);
    const objects = app.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && madeByLibrary(c));
    expect(objects.length).toBeGreaterThan(10);
    const patched = new Set<string>();
    for (const object of objects) {
      object.addJsonPatch(JsonPatch.add('/escapeHatchProbe', object.node.path));
      const { kind, metadata } = object.toJson();
      patched.add(key({ kind, metadata }));
    }
    const written = output(app).filter((o) => patched.has(key(o)));
    expect(written).toHaveLength(patched.size);
    expect(written.filter((o) => o.escapeHatchProbe === undefined).map(key)).toEqual([]);
  });
});

describe('patches in Kubernetes terms on a production-style cluster', () => {
  function build() {
    const app = new App();
    const chart = new Chart(app, 'team', { namespace: 'team' });
    const cluster = fleetCluster(chart, 0);
    return { app, cluster };
  }
  const find = (objects: any[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

  test('a field newer than the typed API (a Service\'s trafficDistribution, Kubernetes 1.31) is written', () => {
    const { app, cluster } = build();
    cluster.replicaService.addJsonPatch(JsonPatch.add('/spec/trafficDistribution', 'PreferClose'));
    expect(find(output(app), 'Service', 'orders-0-repl').spec.trafficDistribution).toBe('PreferClose');
  });

  test('a plain number in an int-or-string field (the pooler\'s maxSurge) is written', () => {
    const { app, cluster } = build();
    const deployment = cluster.connectionPooler!.primary.deployment;
    deployment.addJsonPatch(JsonPatch.replace('/spec/strategy/rollingUpdate/maxSurge', 2));
    expect(find(output(app), 'Deployment', deployment.name).spec.strategy.rollingUpdate).toEqual({ maxSurge: 2, maxUnavailable: 0 });
  });

  test('a field in Kubernetes\' spelling (hostIPC on the members\' pods) is written', () => {
    const { app, cluster } = build();
    cluster.statefulSet.addJsonPatch(JsonPatch.add('/spec/template/spec/hostIPC', false));
    expect(find(output(app), 'StatefulSet', 'orders-0').spec.template.spec.hostIPC).toBe(false);
  });

  test('a patch sees the volume claim templates as written (with apiVersion and kind)', () => {
    const { app, cluster } = build();
    cluster.statefulSet.addJsonPatch(
      JsonPatch.test('/spec/volumeClaimTemplates/0/apiVersion', 'v1'),
      JsonPatch.add('/spec/volumeClaimTemplates/0/metadata/labels', { tier: 'fast' }),
    );
    const template = find(output(app), 'StatefulSet', 'orders-0').spec.volumeClaimTemplates[0];
    expect(template).toMatchObject({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { labels: { tier: 'fast' } } });
  });

  test('a patch whose path does not exist fails the synthesis with the object\'s construct path', () => {
    const { app, cluster } = build();
    cluster.headlessService.addJsonPatch(JsonPatch.replace('/spec/noSuchField/x', 1));
    expect(() => app.synthYaml()).toThrow(/Failed serializing construct at path 'team\/db\/HeadlessService'/);
  });
});
