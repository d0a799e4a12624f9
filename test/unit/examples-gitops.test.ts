import { App, Testing } from 'cdk8s';
import { GITOPS_LAYOUTS } from '../../examples/gitops';
import { PodSecurity, PodSecurityLevel } from '../../src';
import { schemaErrors } from '../harness/schema';

function layout(name: string) {
  const charts = GITOPS_LAYOUTS.find((l) => l.name === name)!.build(new App({ outdir: Testing.app().outdir }));
  const folders = Object.fromEntries(charts.map((c) => [c.node.id, Testing.synth(c)]));
  return { folders, objects: Object.values(folders).flat() };
}

describe.each(GITOPS_LAYOUTS.map((l) => [l.name] as const))('GitOps layout %s', (name) => {
  const { objects } = layout(name);

  test('every object is valid (Kubernetes OpenAPI schema; the GitOps tools\' own fields)', () => {
    expect(objects.flatMap(schemaErrors)).toEqual([]);
  });

  test('the library\'s pods pass Pod Security "restricted", the app "baseline"; no Secrets', () => {
    const library = objects.filter((o) => o.metadata.name !== 'orders-api');
    expect(PodSecurity.checkManifests(library, { level: PodSecurityLevel.RESTRICTED })).toEqual([]);
    expect(PodSecurity.checkManifests(objects, { level: PodSecurityLevel.BASELINE })).toEqual([]);
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });
});

test('Flux: one Kustomization per ordering step, each on its folder, waiting, in order', () => {
  const { folders } = layout('flux');
  const kustomizations = folders['flux-system'];
  expect(kustomizations.map((k) => [k.metadata.name, k.spec.path, k.spec.wait, k.spec.dependsOn?.map((d: any) => d.name)])).toEqual([
    ['orders-secrets', './secrets', true, undefined],
    ['orders-database', './database', true, ['orders-secrets']],
    ['orders-apps', './apps', true, ['orders-database']],
  ]);
  // Each step holds what must be ready before the next: the Namespace and the generator Job first,
  // then the members and the bootstrap Job (whose pods read the generated Secrets), then the app.
  const kinds = (folder: string) => [...new Set(folders[folder].map((o) => o.kind))].sort();
  expect(kinds('secrets')).toEqual(['ConfigMap', 'Job', 'Namespace', 'Role', 'RoleBinding', 'ServiceAccount']);
  expect(folders.database.map((o) => o.kind)).toEqual(expect.arrayContaining(['StatefulSet', 'Job', 'Service', 'NetworkPolicy']));
  expect(kinds('apps')).toEqual(['Deployment']);
  expect(folders.database.filter((o) => o.kind === 'Job').map((o) => o.metadata.name).sort()).toEqual([
    expect.stringMatching(/^orders-db-bootstrap-/), expect.stringMatching(/^orders-db-config-/), expect.stringMatching(/^orders-db-upgrade-/),
  ]);
});

test('Argo CD: one Application on the bundle\'s folder; the sync waves order generator, database, bootstrap', () => {
  const { folders } = layout('argocd');
  expect(folders.argocd).toHaveLength(1);
  expect(folders.argocd[0].spec.source.path).toBe('orders');
  const wave = (kind: string, name: RegExp) => folders.orders.find((o) => o.kind === kind && name.test(o.metadata.name))!.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? '0'; // Argo CD's default wave is 0
  expect([wave('Job', /-secrets-/), wave('StatefulSet', /^orders-db$/), wave('Job', /-bootstrap-/)]).toEqual(['-1', '0', '1']);
});
