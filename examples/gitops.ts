import { ApiObject, App, Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { DatabaseNamespace, GitOpsOrdering, PodSecurityLevel, PostgresCluster, SecretGenerator } from '../src';

/**
 * A GitOps repository layout: one folder per chart, named by the chart's id (`npm run synth` writes
 * them to dist/examples/<name>/<chart>/). Commit the folders; the GitOps tool's own objects (a Flux
 * Kustomization per ordering step, an Argo CD Application) point at them.
 */
export interface GitOpsLayout {
  readonly name: string;
  readonly build: (app: App) => Chart[];
}

const NAMESPACE = 'orders';
const IMAGE = 'ghcr.io/zalando/spilo-17:4.0-p3';
const REPOSITORY = 'https://github.com/example/gitops.git';

/** The database and an app that connects to it; small, so that it fits any test cluster. */
function orders(databaseChart: Chart, appsChart: Chart, props: { secretGenerator?: SecretGenerator; gitOpsOrdering?: GitOpsOrdering }): void {
  const db = new PostgresCluster(databaseChart, 'db', {
    name: 'orders-db',
    instances: 2,
    storage: Size.gibibytes(5),
    resources: { memory: { request: Size.gibibytes(1), limit: Size.gibibytes(1) } },
    roles: [{ name: 'orders_app', memberOf: ['orders_writer'] }],
    databases: [{ name: 'orders', prepared: true }],
    ...props,
  });
  const api = new kplus.Deployment(appsChart, 'api', {
    metadata: { name: 'orders-api' },
    containers: [{ image: 'example/orders-api:1.4.2', portNumber: 8080, securityContext: { user: 1000, group: 1000 } }],
  });
  db.addConnectionEnv(api, { user: 'orders_app', database: 'orders' });
}

/**
 * Flux: one Kustomization per ordering step, each waiting until its objects are ready before the next
 * starts: `secrets` (the Namespace and the secret generator Job, which must have created the Secrets),
 * then `database` (the members and the bootstrap Job), then `apps`.
 */
function flux(app: App): Chart[] {
  const secrets = new Chart(app, 'secrets', { namespace: NAMESPACE });
  new DatabaseNamespace(secrets, 'namespace', { enforce: PodSecurityLevel.BASELINE });
  const generator = new SecretGenerator(secrets, 'generator', { name: 'orders-db-secrets', image: IMAGE });
  const database = new Chart(app, 'database', { namespace: NAMESPACE });
  const apps = new Chart(app, 'apps', { namespace: NAMESPACE });
  orders(database, apps, { secretGenerator: generator });

  const system = new Chart(app, 'flux-system', { namespace: 'flux-system' });
  const steps: Array<[Chart, Chart | undefined]> = [[secrets, undefined], [database, secrets], [apps, database]];
  for (const [chart, after] of steps) {
    new ApiObject(system, `kustomization-${chart.node.id}`, {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: `${NAMESPACE}-${chart.node.id}` },
      spec: {
        interval: '10m',
        sourceRef: { kind: 'GitRepository', name: 'flux-system' },
        path: `./${chart.node.id}`,
        prune: true,
        // Ready means: Jobs completed, the StatefulSet's members ready; only then does the next step start.
        wait: true,
        timeout: '30m',
        dependsOn: after ? [{ name: `${NAMESPACE}-${after.node.id}` }] : undefined,
      },
    });
  }
  return [secrets, database, apps, system];
}

/**
 * Argo CD: one Application for the bundle; the library's sync waves order it (secret generator,
 * then the database, then the bootstrap Job), and Argo CD waits until each wave is healthy.
 */
function argoCd(app: App): Chart[] {
  const bundle = new Chart(app, 'orders', { namespace: NAMESPACE });
  new DatabaseNamespace(bundle, 'namespace', { enforce: PodSecurityLevel.BASELINE });
  orders(bundle, bundle, { gitOpsOrdering: GitOpsOrdering.ARGO_CD });

  const argocd = new Chart(app, 'argocd', { namespace: 'argocd' });
  new ApiObject(argocd, 'application', {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: NAMESPACE },
    spec: {
      project: 'default',
      source: { repoURL: REPOSITORY, targetRevision: 'main', path: bundle.node.id },
      destination: { server: 'https://kubernetes.default.svc', namespace: NAMESPACE },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    },
  });
  return [bundle, argocd];
}

export const GITOPS_LAYOUTS: GitOpsLayout[] = [
  { name: 'flux', build: flux },
  { name: 'argocd', build: argoCd },
];
