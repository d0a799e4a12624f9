import { Chart, Size, Testing } from 'cdk8s';
import {
  BackupStorage, CertificateIssuerKind, Credentials, GitOpsOrdering, PostgresCluster, PostgresClusterProps,
  RotationStrategy, ServerTls, StorageCredentials,
} from '../../../src';

/*
 * A Job's spec (its pod template above all) is immutable once created: a GitOps tool applying a Job of the same
 * name with another spec gets the update refused, and the sync breaks. So the library names every Job it
 * renders after what the Job's spec holds: across any two revisions of a cluster, two Jobs with the same name
 * must have byte-identical specs. Each revision below changes one prop a team may change on a running cluster.
 */

const BASE: PostgresClusterProps = {
  name: 'orders-db',
  instances: 3,
  postgresVersion: 17,
  roles: [{ name: 'orders_app' }],
  databases: [{ name: 'orders', owner: 'orders_app' }],
  passwordSync: true,
  roleCredentials: { orders_app: Credentials.generated({ rotation: 1 }) },
  backup: { storage: BackupStorage.s3({ bucket: 'acme-pg', region: 'eu-central-1', credentials: StorageCredentials.awsAccessKey('s3') }) },
  majorUpgrade: {},
  volumeClaimTemplate: { storage: Size.gibibytes(10) },
  storage: Size.gibibytes(20),
};

const REVISIONS: Record<string, Partial<PostgresClusterProps>> = {
  'labels': { labels: { 'team': 'orders', 'cost-center': '42' } },
  'annotations': { annotations: { 'example.com/owner': 'orders' } },
  'podLabels': { podLabels: { sidecar: 'off' } },
  'imagePullSecrets': { imagePullSecrets: ['registry-pull'] },
  'image': { image: 'registry.example.com/spilo-17:4.0-p3' },
  'gitOpsOrdering': { gitOpsOrdering: GitOpsOrdering.ARGO_CD },
  'no networkPolicy': { networkPolicy: { enabled: false } },
  'networkPolicy peers': { networkPolicy: { apiServer: { cidrs: ['10.0.0.10/32'], port: 443 } } },
  'tls': { tls: ServerTls.certManager({ issuerName: 'ca', issuerKind: CertificateIssuerKind.CLUSTER_ISSUER }) },
  'instances': { instances: 2 },
  'storage': { storage: Size.gibibytes(40) },
  'parameters': { parameters: { work_mem: '8MB' } },
  'roles': { roles: [{ name: 'orders_app' }, { name: 'reporting', login: false }] },
  'rotation': { roleCredentials: { orders_app: Credentials.generated({ rotation: 2 }) } },
  'alternating users': { roleCredentials: { orders_app: Credentials.generated({ rotation: 1, rotationStrategy: RotationStrategy.ALTERNATING_USERS }) } },
  'postgresVersion': { postgresVersion: 16 },
};

function jobsOf(props: PostgresClusterProps): Map<string, any> {
  const chart = new Chart(Testing.app(), 'orders', { namespace: 'orders' });
  new PostgresCluster(chart, 'db', props);
  return new Map(Testing.synth(chart).filter((o) => o.kind === 'Job').map((o) => [o.metadata.name, o.spec]));
}

describe('a Job keeps its name only while its spec is unchanged', () => {
  const base = jobsOf(BASE);

  test('the base revision renders every kind of Job', () => {
    expect([...base.keys()].map((n) => n.replace(/-[0-9a-f]{10}$/, '')).sort())
      .toEqual(['orders-db-bootstrap', 'orders-db-config', 'orders-db-secrets', 'orders-db-upgrade', 'orders-db-volumes']);
  });

  test.each(Object.keys(REVISIONS))('changing %s: each Job name both revisions render has the same spec in both', (change) => {
    const revised = jobsOf({ ...BASE, ...REVISIONS[change] });
    for (const [name, spec] of revised) {
      if (base.has(name)) expect([name, spec]).toEqual([name, base.get(name)]);
    }
  });
});
