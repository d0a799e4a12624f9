import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing, Yaml } from 'cdk8s';
import { PostgresCluster } from '../../../src';
import { ControlPlane, GITOPS_FIELD_MANAGER } from '../../harness/kube/control-plane';
import { FakeKubelet } from '../../harness/kube/kubelet';
import { waitFor } from '../../harness/processes';

/*
 * The members' PodDisruptionBudget against the real Eviction API and disruption controller (what a
 * node drain or a cluster autoscaler calls): one member may go at a time, a second is refused while
 * the first is not back, and an unhealthy member may always go (unhealthyPodEvictionPolicy
 * AlwaysAllow), so a broken pod never blocks a drain. Readiness is set by the test through the
 * kubelet stand-in; no database runs here.
 */

const NS = 'pdb';
const NAME = 'pdb-db';
let plane: ControlPlane;
let kubelet: FakeKubelet;
const notReady = new Set<string>();

async function evict(pod: string): Promise<number> {
  const response = await plane.admin.request('POST', `/api/v1/namespaces/${NS}/pods/${pod}/eviction`, {
    apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: NS },
  });
  return response.status;
}

async function pdbStatus(): Promise<any> {
  return (await plane.admin.get(`/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets/${NAME}`)).status ?? {};
}

beforeAll(async () => {
  plane = await ControlPlane.start({ crds: false });
  await plane.createNamespace(NS, 'restricted');
  const chart = new Chart(Testing.app(), 'pdb', { namespace: NS });
  new PostgresCluster(chart, 'db', { name: NAME, instances: 3 });
  const objects = Testing.synth(chart);
  expect(objects.filter((o) => o.kind === 'PodDisruptionBudget').map((o) => o.metadata.name)).toEqual([NAME]);
  const file = path.join(plane.dir, 'pdb.yaml');
  fs.writeFileSync(file, Yaml.stringify(...objects));
  plane.kubectlOk(['apply', '--server-side', `--field-manager=${GITOPS_FIELD_MANAGER}`, '-f', file]);
  kubelet = new FakeKubelet(plane.admin, NS, {
    selects: (pod) => pod.metadata.name.startsWith(`${NAME}-`),
    ready: (pod) => !notReady.has(pod.metadata.name),
  });
  await kubelet.ensureNodes();
  kubelet.start(250);
  await waitFor('3 healthy members in the PDB', async () => (await pdbStatus()).currentHealthy === 3 && (await pdbStatus()).disruptionsAllowed === 1, 60_000, 250);
}, 900_000);

afterAll(async () => {
  await kubelet?.stop();
  plane?.stop();
});

test('one member at a time: the first eviction is allowed, a second is refused while the first is gone', async () => {
  expect(await evict(`${NAME}-1`)).toBe(201);
  // The evicted pod terminates (no kubelet finishes it, so it stays Terminating, not Ready): 2 of 3 healthy.
  await waitFor('the disruption controller to count the eviction', async () => (await pdbStatus()).disruptionsAllowed === 0, 30_000, 250);
  expect(await evict(`${NAME}-2`)).toBe(429);
  expect(await evict(`${NAME}-0`)).toBe(429);
});

test('an unhealthy member may always be evicted (unhealthyPodEvictionPolicy: AlwaysAllow)', async () => {
  notReady.add(`${NAME}-2`);
  await waitFor(`${NAME}-2 to be reported not ready`, async () => {
    const pod = await plane.admin.get(`/api/v1/namespaces/${NS}/pods/${NAME}-2`);
    return (pod.status.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'False');
  }, 30_000, 250);
  expect((await pdbStatus()).disruptionsAllowed).toBe(0);
  expect(await evict(`${NAME}-2`)).toBe(201);
  // The one healthy member left is still protected.
  expect(await evict(`${NAME}-0`)).toBe(429);
}, 120_000);
