import { ApiObject, App, Chart, JsonPatch, Lazy, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { parseAllDocuments } from 'yaml';
import { EXAMPLES } from '../../../examples';
import { GITOPS_LAYOUTS } from '../../../examples/gitops';
import * as library from '../../../src';
import { kubernetesJson } from '../../../src/private/kube';
import { fleetCluster } from '../../harness/fleet-app';

/*
 * The library's objects hold their content in Kubernetes' field names (no typed conversion at synth), and
 * JSON patches on them (the escape hatch `apiObjects` documents) apply to the Kubernetes JSON as
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

  test('a field newer than the typed API (a Service\'s trafficDistribution) is written', () => {
    const { app, cluster } = build();
    cluster.replicaService.addJsonPatch(JsonPatch.add('/spec/trafficDistribution', 'PreferSameZone'));
    expect(find(output(app), 'Service', 'orders-0-repl').spec.trafficDistribution).toBe('PreferSameZone');
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

describe('kubernetesJson', () => {
  test('unwraps IntOrString and Quantity values at any depth, also in what a lazy value produces', () => {
    const typed = {
      ports: [{ port: k8s.IntOrString.fromNumber(5432) }, { port: k8s.IntOrString.fromString('metrics') }],
      resources: { requests: { memory: k8s.Quantity.fromString('1Gi') } },
      ingress: Lazy.any({ produce: () => [{ ports: [{ port: k8s.IntOrString.fromNumber(6432) }] }] }),
    };
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const json = new ApiObject(chart, 'o', { apiVersion: 'v1', kind: 'X', spec: kubernetesJson(typed) }).toJson();
    expect(json.spec).toEqual({
      ingress: [{ ports: [{ port: 6432 }] }],
      ports: [{ port: 5432 }, { port: 'metrics' }],
      resources: { requests: { memory: '1Gi' } },
    });
  });

  test('copies only what changes and never changes its input (objects are shared between clusters)', () => {
    const labels = { app: 'db' };
    const container = { name: 'c', env: [{ name: 'A', value: 'b' }], resources: { limits: { cpu: k8s.Quantity.fromString('1') } } };
    const input = { labels, containers: [container] };
    const json = kubernetesJson(input);
    expect(json.labels).toBe(labels);
    expect(json.containers[0].env).toBe(container.env);
    expect(json.containers[0].resources.limits.cpu).toBe('1');
    expect(container.resources.limits.cpu).toBeInstanceOf(k8s.Quantity);
    const plain = { a: [1, 'x', { b: null }] };
    expect(kubernetesJson(plain)).toBe(plain);
  });
});

describe('typed structs users hand in are written as cdk8s-plus writes them (its conversion, Kubernetes\' spelling)', () => {
  const extraVolumes: k8s.Volume[] = [
    { name: 'podinfo', downwardApi: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
    { name: 'bundle', projected: { sources: [{ downwardApi: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } }] } },
  ];
  const extraContainers: k8s.Container[] = [{
    name: 'sidecar',
    image: 'example/sidecar:1.0',
    ports: [{ containerPort: 9000, hostIp: '127.0.0.1' }],
    resources: { limits: { cpu: k8s.Quantity.fromString('100m') } },
  }];
  const extraEnv: k8s.EnvVar[] = [{ name: 'EXTRA', value: 'yes' }];
  const extraVolumeMounts: k8s.VolumeMount[] = [{ name: 'podinfo', mountPath: '/etc/podinfo' }];
  const tolerations: k8s.Toleration[] = [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }];

  test('the members\' extra volumes, containers, env, mounts and tolerations', () => {
    const app = new App();
    const chart = new Chart(app, 'team', { namespace: 'team' });
    new library.PostgresCluster(chart, 'db', {
      name: 'orders', instances: 1, extraVolumes, extraContainers, extraEnv, extraVolumeMounts, tolerations,
    });
    const pod = output(app).find((o) => o.kind === 'StatefulSet').spec.template.spec;
    for (const volume of extraVolumes) expect(pod.volumes).toContainEqual(k8s.toJson_Volume(volume));
    expect(pod.volumes).toContainEqual({ name: 'podinfo', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } });
    expect(pod.containers).toContainEqual(k8s.toJson_Container(extraContainers[0]));
    expect(pod.containers.find((c: any) => c.name === 'sidecar').ports).toEqual([{ containerPort: 9000, hostIP: '127.0.0.1' }]);
    const spilo = pod.containers.find((c: any) => c.name === 'postgres');
    expect(spilo.env).toContainEqual(extraEnv[0]);
    expect(spilo.volumeMounts).toContainEqual(extraVolumeMounts[0]);
    expect(pod.tolerations).toEqual(tolerations.map((t) => k8s.toJson_Toleration(t)));
  });

  test('a NetworkPolicy peer given as a typed struct', () => {
    const app = new App();
    const chart = new Chart(app, 'team', { namespace: 'team' });
    // With a member the typed API does not know, as an untyped caller may pass: cdk8s-plus's conversion leaves it out.
    const peer = { ipBlock: { cidr: '10.1.0.0/16', except: ['10.1.2.0/24'] }, podSelectr: {} } as k8s.NetworkPolicyPeer;
    new library.PostgresCluster(chart, 'db', { name: 'orders', instances: 1, networkPolicy: { allowFrom: [library.NetworkPeer.fromPeer(peer)] } });
    const peers = output(app).filter((o) => o.kind === 'NetworkPolicy').flatMap((o) => (o.spec.ingress ?? []).flatMap((r: any) => r.from ?? []));
    expect(peers).toContainEqual(k8s.toJson_NetworkPolicyPeer(peer));
    expect(peers).toContainEqual({ ipBlock: { cidr: '10.1.0.0/16', except: ['10.1.2.0/24'] } });
  });
});
