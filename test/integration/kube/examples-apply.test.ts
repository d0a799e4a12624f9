import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Chart, JsonPatch, Testing, Yaml } from 'cdk8s';
import { EXAMPLES } from '../../../examples';
import { fleetCluster } from '../../harness/fleet-app';
import { ControlPlane, GITOPS_FIELD_MANAGER } from '../../harness/kube/control-plane';
import { renderExternalSecrets, runSecretGenerators } from '../../harness/kube/deploy';
import { startKubePatroniCluster } from '../../harness/kube/patroni-cluster';
import { normalizeSetting } from '../../harness/patroni';
import { waitFor } from '../../harness/processes';

/*
 * Every example, applied for real as a GitOps tool applies it (server-side apply, one field manager)
 * to a real API server whose namespaces *enforce* Pod Security "restricted" (latest), with the
 * upstream CRDs of cert-manager, External Secrets and the Prometheus Operator installed, so every
 * typed custom resource is validated by the server. Then drift: a server-side diff finds nothing and a
 * second apply changes no object.
 */

let plane: ControlPlane;

beforeAll(async () => {
  plane = await ControlPlane.start();
}, 900_000);

afterAll(() => plane?.stop());

/** The PriorityClass names the pod templates of `objects` refer to. */
function priorityClassesOf(objects: any[]): string[] {
  const names = new Set<string>();
  const visit = (value: any): void => {
    if (Array.isArray(value)) {value.forEach(visit);} else if (value && typeof value === 'object') {
      if (typeof value.priorityClassName === 'string') names.add(value.priorityClassName);
      Object.values(value).forEach(visit);
    }
  };
  visit(objects);
  return [...names].sort();
}

describe.each(EXAMPLES.map((e) => [e.name, e] as const))('example %s on a real API server', (name, example) => {
  let objects: any[];
  /** The library's objects, and the example's own application workloads (held to their namespace's level, not to "no warning"). */
  let file: string;
  let userFile: string | undefined;
  const applyAll = () => [file, ...userFile ? [userFile] : []].flatMap((f) => ['-f', f]);

  beforeAll(async () => {
    objects = Testing.synth(example.build(Testing.app()));
    const isUserWorkload = (o: any) => (example.userWorkloads ?? []).includes(o.metadata.name) && ['Deployment', 'StatefulSet', 'Job'].includes(o.kind);
    file = path.join(plane.dir, `${name}.yaml`);
    fs.writeFileSync(file, Yaml.stringify(...objects.filter((o) => !isUserWorkload(o))));
    const user = objects.filter(isUserWorkload);
    if (user.length > 0) {
      userFile = path.join(plane.dir, `${name}-apps.yaml`);
      fs.writeFileSync(userFile, Yaml.stringify(...user));
    }
    // Namespaces the example emits itself (DatabaseNamespace) are applied with it; the others are
    // created beforehand, enforcing "restricted".
    const own = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
    const namespaces = [...new Set(objects.map((o) => o.metadata.namespace).filter((n) => n !== undefined && !own.has(n)))] as string[];
    for (const namespace of namespaces) {
      if ((await plane.admin.request('GET', `/api/v1/namespaces/${namespace}`)).status === 404) await plane.createNamespace(namespace, 'restricted');
    }
    // Platform prerequisites an example names but does not own: its PriorityClasses (cluster-scoped,
    // shared by every team), created as a platform team would, before the sync.
    for (const priorityClass of priorityClassesOf(objects)) {
      await plane.admin.expect('POST', '/apis/scheduling.k8s.io/v1/priorityclasses', {
        apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: priorityClass }, value: 1_000_000,
      }, { accept: [409] });
    }
  }, 120_000);

  test('server-side apply admits every object of the library with no warning, in namespaces that enforce "restricted"', async () => {
    const result = plane.kubectl(['apply', '--server-side', `--field-manager=${GITOPS_FIELD_MANAGER}`, '-f', file]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    let applied = result.stdout.trim().split('\n').filter((l) => / serverside-applied$/.test(l)).length;
    // An emitted Namespace enforces what it says; the library's own pods must pass "restricted" wherever they run.
    for (const ns of objects.filter((o) => o.kind === 'Namespace')) {
      expect(ns.metadata.labels['pod-security.kubernetes.io/warn']).toBe('restricted');
    }
    if (userFile) {
      await plane.waitForServiceAccount(objects.find((o) => o.kind !== 'Namespace').metadata.namespace, 'default');
      // The example's application: admitted at its namespace's enforced level (warnings about stricter levels allowed).
      const apps = plane.kubectl(['apply', '--server-side', `--field-manager=${GITOPS_FIELD_MANAGER}`, '-f', userFile]);
      expect(apps.stderr).not.toMatch(/error|forbidden/i);
      expect(apps.status).toBe(0);
      applied += apps.stdout.trim().split('\n').filter((l) => / serverside-applied$/.test(l)).length;
    }
    expect(applied).toBe(objects.length);
  });

  test('the controllers create every pod the workloads ask for (PodSecurity "restricted" admits them)', async () => {
    const expected: Array<{ namespace: string; owner: string; count: number }> = [];
    for (const o of objects) {
      if (o.kind === 'StatefulSet' || o.kind === 'Deployment') expected.push({ namespace: o.metadata.namespace, owner: o.metadata.name, count: o.spec.replicas ?? 1 });
      if (o.kind === 'Job') expected.push({ namespace: o.metadata.namespace, owner: o.metadata.name, count: 1 });
    }
    expect(expected.length).toBeGreaterThan(0);
    for (const { namespace, owner, count } of expected) {
      await waitFor(`${count} pod(s) of ${namespace}/${owner}`, async () => {
        const pods = (await plane.admin.get(`/api/v1/namespaces/${namespace}/pods`)).items as any[];
        const mine = pods.filter((p) => p.metadata.name.startsWith(`${owner}-`));
        return mine.length >= count;
      }, 60_000, 500);
    }
    // Nothing was refused on the way: a forbidden pod shows up as a FailedCreate event of its controller.
    const owners = new Set(expected.map((e) => `${e.namespace}/${e.owner}`));
    const events = JSON.parse(plane.kubectlOk(['get', 'events', '-A', '-o', 'json'])).items as any[];
    expect(events.filter((e) => e.reason === 'FailedCreate' && owners.has(`${e.involvedObject.namespace}/${e.involvedObject.name}`)).map((e) => `${e.involvedObject.kind}/${e.involvedObject.name}: ${e.message}`)).toEqual([]);
  }, 300_000);

  test('no drift: a server-side diff is empty and a second apply changes no object', () => {
    const diff = plane.kubectl(['diff', '--server-side', `--field-manager=${GITOPS_FIELD_MANAGER}`, '-f', file]);
    expect(diff.stderr).toBe('');
    expect(diff.stdout).toBe('');
    expect(diff.status).toBe(0);
    if (userFile) {
      const apps = plane.kubectl(['diff', '--server-side', `--field-manager=${GITOPS_FIELD_MANAGER}`, '-f', userFile]);
      expect({ stdout: apps.stdout, status: apps.status }).toEqual({ stdout: '', status: 0 });
    }

    // Every object of the file as the server has it (kubectl get -f reads the same list the apply did).
    const live = () => Object.fromEntries((JSON.parse(plane.kubectlOk(['get', ...applyAll(), '-o', 'json', '--show-managed-fields'])).items as any[])
      .map((o) => [`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o]));
    const before = live();
    const again = plane.kubectl(['apply', '--server-side', `--field-manager=${GITOPS_FIELD_MANAGER}`, '-f', file]);
    expect(again.status).toBe(0);
    expect(again.stderr).toBe('');
    if (userFile) expect(plane.kubectl(['apply', '--server-side', `--field-manager=${GITOPS_FIELD_MANAGER}`, '-f', userFile]).status).toBe(0);
    const after = live();
    expect(Object.keys(before)).toHaveLength(objects.length);
    const changed = Object.keys(before).filter((key) => {
      const [a, b] = [before[key], after[key]];
      if (a.metadata.generation !== b.metadata.generation) return true;
      // Found here: a no-op apply of a PersistentVolumeClaim still writes it (a new resourceVersion,
      // nothing else differs, not even managedFields), the API server's no-op detection quirk of
      // kubernetes/kubernetes#124605's kind. Watchers see an event; no field, owner or generation moves.
      if (a.kind === 'PersistentVolumeClaim') return JSON.stringify(withoutVersion(a)) !== JSON.stringify(withoutVersion(b));
      return a.metadata.resourceVersion !== b.metadata.resourceVersion;
    });
    expect(changed).toEqual([]);
  }, 300_000);
});

describe.each(EXAMPLES.map((e) => [e.name, e] as const))('example %s run by Patroni 4 on the Kubernetes DCS', (name, example) => {
  test('every cluster\'s first member starts from its pod (Patroni accepts the configuration) and PostgreSQL runs with the manifest\'s parameters', async () => {
    // Applied by the describe above; its Secrets come from the bundle's generator Jobs and, for
    // ExternalSecrets, from a stand-in for the External Secrets Operator.
    const objects = Testing.synth(example.build(Testing.app()));
    await renderExternalSecrets(plane, objects);
    await runSecretGenerators(plane, objects);
    const statefulSets = objects.filter((o) => o.kind === 'StatefulSet' && o.spec.template.spec.containers.some((c: any) => (c.env ?? []).some((e: any) => e.name === 'SPILO_CONFIGURATION')));
    expect(statefulSets.length).toBeGreaterThan(0);
    for (const sts of statefulSets) await createSecretsManagedElsewhere(sts);
    for (const sts of statefulSets) {
      const k8s = await startKubePatroniCluster(plane, sts.metadata.namespace, sts.metadata.name, { members: 1 });
      try {
        const spec = k8s.cluster.spec;
        const leader = await k8s.cluster.waitForLeader();
        expect(leader.droppedParameters()).toEqual([]);
        const names = Object.keys(spec.allParameters).sort();
        // A Unix-socket session shows 0 for the tcp_keepalives_* settings: read what the server applied from its file.
        const setting = (n: string) => n.startsWith('tcp_keepalives_')
          ? `(SELECT setting FROM pg_file_settings WHERE name = '${n}' AND applied)`
          : `current_setting('${n}')`;
        const shown = (await leader.query(names.map((n) => `SELECT ${setting(n)}`).join(' UNION ALL '))).split('\n');
        const actual = Object.fromEntries(names.map((n, i) => [n, normalizeSetting(shown[i])]));
        const expected = Object.fromEntries(names.map((n) => [n, normalizeSetting(String(spec.allParameters[n]))]));
        expect(actual).toEqual(expected);
        for (const parameter of ['shared_buffers', 'work_mem', 'max_connections', 'password_encryption']) expect(names).toContain(parameter);
        // The bootstrap.dcs settings reached Patroni's dynamic configuration (the -config ConfigMap).
        const config = (await leader.get('/config'))!.body;
        for (const key of ['ttl', 'loop_wait', 'retry_timeout', 'maximum_lag_on_failover', 'failsafe_mode', 'synchronous_mode']) {
          expect({ key, value: config[key] }).toEqual({ key, value: spec.dcs[key] });
        }
        expect(await leader.query('SHOW ssl')).toBe('on');
      } catch (e) {
        throw k8s.cluster.withLogs(e);
      } finally {
        k8s.cluster.stop();
      }
    }
    // eslint-disable-next-line no-console
    console.log(`example ${name}: ${statefulSets.map((s) => s.metadata.name).join(', ')} ran on Patroni 4`);
  }, 600_000);
});

/*
 * The escape hatch the README documents (a JSON patch on an object of `apiObjects`) writes Kubernetes JSON, and the
 * real API server takes it: a field newer than cdk8s-plus's typed API, a plain number in an int-or-string field and a
 * field in Kubernetes' spelling. Server-side apply refuses a field its schema does not declare, so a patch that wrote
 * a name Kubernetes does not know fails (the control: the typed API's spelling `hostIpc`).
 */
describe('JSON patches on the library\'s objects, applied to a real API server', () => {
  const namespace = 'escape-hatch';
  const patched = (hostIpcSpelling: 'hostIPC' | 'hostIpc') => {
    const chart = new Chart(Testing.app(), namespace, { namespace });
    const cluster = fleetCluster(chart, 0);
    cluster.replicaService.addJsonPatch(JsonPatch.add('/spec/trafficDistribution', 'PreferSameZone'));
    const pooler = cluster.connectionPooler!.primary.deployment;
    pooler.addJsonPatch(JsonPatch.replace('/spec/strategy/rollingUpdate/maxSurge', 2));
    cluster.statefulSet.addJsonPatch(JsonPatch.add(`/spec/template/spec/${hostIpcSpelling}`, false));
    const file = path.join(plane.dir, `${namespace}-${hostIpcSpelling}.yaml`);
    fs.writeFileSync(file, Yaml.stringify(...Testing.synth(chart)));
    return { file, service: cluster.replicaService.name, deployment: pooler.name, statefulSet: cluster.statefulSet.name };
  };
  const apply = (file: string, ...extra: string[]) => plane.kubectl(['apply', '--server-side', `--field-manager=${GITOPS_FIELD_MANAGER}`, ...extra, '-f', file]);

  test('the patched fields are admitted and stored as written; a field in the typed API\'s spelling is refused', async () => {
    await plane.createNamespace(namespace, 'restricted');
    const written = patched('hostIPC');
    const result = apply(written.file);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const live = (resource: string, name: string) => plane.admin.get(`${resource}/namespaces/${namespace}/${name}`);
    expect((await live('/api/v1', `services/${written.service}`)).spec.trafficDistribution).toBe('PreferSameZone');
    expect((await live('/apis/apps/v1', `deployments/${written.deployment}`)).spec.strategy.rollingUpdate.maxSurge).toBe(2);
    // false is Go's zero value and not stored: that the server knows the field is what the strict validation proved.
    expect((await live('/apis/apps/v1', `statefulsets/${written.statefulSet}`)).spec.template.spec.hostIPC).toBeUndefined();

    const typedSpelling = apply(patched('hostIpc').file, '--dry-run=server');
    expect(typedSpelling.status).not.toBe(0);
    expect(typedSpelling.stderr).toMatch(/\.spec\.template\.spec\.hostIpc: field not declared in schema/);
  }, 120_000);
});

/**
 * Secrets an example names but neither generates nor gets from an ExternalSecret (`Credentials.fromSecret`:
 * Sealed Secrets, SOPS, kubectl), created as their owner would: user names as Spilo's defaults, random passwords.
 */
async function createSecretsManagedElsewhere(sts: any): Promise<void> {
  const namespace = sts.metadata.namespace;
  const refs = (sts.spec.template.spec.containers as any[]).flatMap((c) => (c.env ?? []) as any[])
    .filter((e) => e.valueFrom?.secretKeyRef && !e.valueFrom.secretKeyRef.optional);
  for (const secretName of new Set(refs.map((e) => e.valueFrom.secretKeyRef.name))) {
    if ((await plane.admin.request('GET', `/api/v1/namespaces/${namespace}/secrets/${secretName}`)).status !== 404) continue;
    const stringData = Object.fromEntries(refs.filter((e) => e.valueFrom.secretKeyRef.name === secretName).map((e) => [e.valueFrom.secretKeyRef.key,
      e.name === 'PGUSER_SUPERUSER' ? 'postgres' : e.name === 'PGUSER_STANDBY' ? 'standby' : randomBytes(18).toString('base64url')]));
    await plane.admin.expect('POST', `/api/v1/namespaces/${namespace}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: secretName }, stringData });
  }
}

function withoutVersion(o: any): any {
  return { ...o, metadata: { ...o.metadata, resourceVersion: undefined } };
}
