import { Size } from 'cdk8s';
import { BackupStorage, PostgresCluster, StorageCredentials } from '../../../src';
import { allowsConnection, PolicyPod, workloadPods } from '../../harness/network-policy-eval';
import { findObject, synth, testChart } from '../../harness/synth';

/*
 * Each pod of a cluster gets exactly the traffic it needs, evaluated over the synthesized NetworkPolicies the
 * way the API defines them (source egress AND destination ingress): the day-2 Jobs each in a group of their own,
 * the members admitting each Job on its one port.
 */

const GROUP = 'cdk8s-pgaas.io/network-group';
const NAMESPACE = 'db';

function cluster(): any[] {
  const chart = testChart(NAMESPACE);
  new PostgresCluster(chart, 'db', {
    name: 'orders-db',
    instances: 3,
    roles: [{ name: 'app' }],
    databases: [{ name: 'orders', owner: 'app' }],
    connectionPooler: {},
    passwordSync: true,
    majorUpgrade: {},
    backup: { storage: BackupStorage.s3({ bucket: 'acme-pg', region: 'eu-central-1', credentials: StorageCredentials.awsAccessKey('pg-s3') }) },
    storage: Size.gibibytes(20),
    volumeClaimTemplate: { storage: Size.gibibytes(10) },
  });
  return synth(chart);
}

const objects = cluster();
const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
const pods = workloadPods(objects, NAMESPACE);
function pod(kindAndPrefix: string): PolicyPod {
  const found = pods.filter((p) => p.name === kindAndPrefix || p.name.startsWith(`${kindAndPrefix}-`));
  expect(found.map((p) => p.name)).toHaveLength(1);
  return found[0];
}
const member = pod('StatefulSet/orders-db');
const kubeDns: PolicyPod = { name: 'coredns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };
const app: PolicyPod = { name: 'app', namespace: NAMESPACE, labels: { app: 'unrelated' } };

/** Who reaches the members on which port, and who resolves names. */
const EXPECTED: Array<[string, { postgres: boolean; patroni: boolean; dns: boolean }]> = [
  ['StatefulSet/orders-db', { postgres: true, patroni: true, dns: true }],
  ['Job/orders-db-config', { postgres: false, patroni: true, dns: true }],
  ['Job/orders-db-upgrade', { postgres: true, patroni: false, dns: true }],
  ['Job/orders-db-bootstrap', { postgres: true, patroni: false, dns: true }],
  ['Deployment/orders-db-password-sync', { postgres: true, patroni: false, dns: true }],
  ['Deployment/orders-db-pooler', { postgres: true, patroni: false, dns: true }],
  ['Job/orders-db-secrets', { postgres: false, patroni: false, dns: false }],
  ['Job/orders-db-volumes', { postgres: false, patroni: false, dns: false }],
];

test('every workload of the cluster is in the table, each selected by exactly one policy for both directions', () => {
  expect(pods.map((p) => p.name.replace(/-[0-9a-f]{10}$/, '')).sort()).toEqual(EXPECTED.map(([name]) => name).sort());
  for (const p of pods) {
    const selecting = policies.filter((policy) => Object.entries(policy.spec.podSelector.matchLabels).every(([k, v]) => p.labels[k] === v));
    expect([p.name, selecting.length]).toEqual([p.name, 1]);
    expect(selecting[0].spec.policyTypes).toEqual(['Ingress', 'Egress']);
  }
  // No Job is in the members' group.
  expect(pods.filter((p) => p.labels[GROUP] === member.labels[GROUP]).map((p) => p.name)).toEqual(['StatefulSet/orders-db']);
});

test.each(EXPECTED)('%s reaches the members on exactly the ports it uses, and DNS only if it resolves names', (name, expected) => {
  const from = pod(name);
  expect({
    postgres: allowsConnection(policies, from, member, 5432),
    patroni: allowsConnection(policies, from, member, 8008),
    dns: allowsConnection(policies, from, kubeDns, 53, 'UDP') && allowsConnection(policies, from, kubeDns, 53, 'TCP'),
  }).toEqual(expected);
  // Nothing else of the members: not the exporter's port, not an arbitrary one.
  expect(allowsConnection(policies, from, member, 9187)).toBe(false);
});

test('the dynamic configuration Job reaches the members\' REST API but not PostgreSQL; nothing reaches the Jobs', () => {
  const config = pod('Job/orders-db-config');
  expect(allowsConnection(policies, config, member, 8008)).toBe(true);
  expect(allowsConnection(policies, config, member, 5432)).toBe(false);
  // Its policy alone would also refuse 5432 (egress), and the members alone too (ingress): both sides are exact.
  const configPolicy = findObject(objects, 'NetworkPolicy', 'orders-db-config');
  const databasePolicy = findObject(objects, 'NetworkPolicy', 'orders-db-database');
  expect(allowsConnection([configPolicy], config, member, 5432)).toBe(false);
  expect(allowsConnection([databasePolicy], config, member, 5432)).toBe(false);
  expect(allowsConnection([databasePolicy], config, member, 8008)).toBe(true);
  for (const target of pods.filter((p) => p.name.startsWith('Job/'))) {
    for (const source of [member, app, ...pods.filter((p) => p !== target)]) {
      for (const port of [5432, 8008, 8080]) {
        expect([source.name, target.name, port, allowsConnection(policies, source, target, port)]).toEqual([source.name, target.name, port, false]);
      }
    }
  }
});

test('the members accept from the SQL Jobs only 5432 and from the REST API Job only 8008', () => {
  const [postgres, patroni] = findObject(objects, 'NetworkPolicy', 'orders-db-database').spec.ingress;
  const groups = (rule: any) => rule.from.map((peer: any) => peer.podSelector?.matchLabels?.[GROUP]).filter((g: string) => g?.startsWith('orders-db-'));
  expect(postgres.ports).toEqual([{ protocol: 'TCP', port: 5432 }]);
  expect(groups(postgres)).toEqual(['orders-db-database', 'orders-db-pooler', 'orders-db-bootstrap', 'orders-db-upgrade', 'orders-db-password-sync']);
  expect(patroni.ports).toEqual([{ protocol: 'TCP', port: 8008 }]);
  expect(groups(patroni)).toEqual(['orders-db-database', 'orders-db-config']);
  // An unrelated pod of the namespace reaches nothing.
  expect(allowsConnection(policies, app, member, 5432)).toBe(false);
  expect(allowsConnection(policies, app, member, 8008)).toBe(false);
});

test('the day-2 Jobs\' own policies: no ingress; egress to DNS and the one port of the members', () => {
  const egress = (name: string) => findObject(objects, 'NetworkPolicy', name).spec.egress.map((rule: any) => ({
    to: rule.to.map((peer: any) => peer.podSelector.matchLabels),
    ports: rule.ports.map((p: any) => `${p.protocol}/${p.port}`),
  }));
  const dns = { to: [{ 'k8s-app': 'kube-dns' }], ports: ['UDP/53', 'TCP/53'] };
  expect(egress('orders-db-config')).toEqual([dns, { to: [{ [GROUP]: 'orders-db-database' }], ports: ['TCP/8008'] }]);
  expect(egress('orders-db-upgrade')).toEqual([dns, { to: [{ [GROUP]: 'orders-db-database' }], ports: ['TCP/5432'] }]);
  for (const name of ['orders-db-config', 'orders-db-upgrade']) {
    const policy = findObject(objects, 'NetworkPolicy', name);
    expect(policy.spec.ingress).toBeUndefined();
    expect(policy.spec.podSelector).toEqual({ matchLabels: { [GROUP]: name } });
  }
});

describe('the evaluator follows the API\'s semantics', () => {
  const a: PolicyPod = { name: 'a', namespace: 'x', labels: { role: 'a' } };
  const b: PolicyPod = { name: 'b', namespace: 'x', labels: { role: 'b' } };
  const c: PolicyPod = { name: 'c', namespace: 'y', labels: { role: 'a' } };
  const policy = (spec: any) => ({ kind: 'NetworkPolicy', metadata: { namespace: 'x' }, spec });

  test('no policy: open; a selecting policy without rules: closed in its directions only', () => {
    expect(allowsConnection([], a, b, 1)).toBe(true);
    expect(allowsConnection([policy({ podSelector: { matchLabels: { role: 'b' } }, policyTypes: ['Ingress'] })], a, b, 1)).toBe(false);
    expect(allowsConnection([policy({ podSelector: { matchLabels: { role: 'b' } }, policyTypes: ['Egress'] })], a, b, 1)).toBe(true);
    // policyTypes left out: Ingress, plus Egress when there are egress rules.
    expect(allowsConnection([policy({ podSelector: { matchLabels: { role: 'a' } } })], a, b, 1)).toBe(true);
  });

  test('rules add up across policies; peers and ports must both match; a pod selector alone means the policy\'s namespace', () => {
    const ingress = (from: any[], ports?: any[]) => policy({ podSelector: { matchLabels: { role: 'b' } }, policyTypes: ['Ingress'], ingress: [{ from, ports }] });
    const fromA = [{ podSelector: { matchLabels: { role: 'a' } } }];
    expect(allowsConnection([ingress(fromA, [{ protocol: 'TCP', port: 5 }])], a, b, 5)).toBe(true);
    expect(allowsConnection([ingress(fromA, [{ protocol: 'TCP', port: 5 }])], a, b, 6)).toBe(false);
    expect(allowsConnection([ingress(fromA, [{ protocol: 'TCP', port: 5 }])], a, b, 5, 'UDP')).toBe(false);
    expect(allowsConnection([ingress(fromA, [{ port: 5 }]), ingress(fromA, [{ port: 6 }])], a, b, 6)).toBe(true);
    expect(allowsConnection([ingress(fromA)], c, b, 5)).toBe(false);
    expect(allowsConnection([ingress([{ namespaceSelector: {}, podSelector: { matchLabels: { role: 'a' } } }])], c, b, 5)).toBe(true);
    expect(allowsConnection([ingress([{ ipBlock: { cidr: '0.0.0.0/0' } }])], a, b, 5)).toBe(false);
    expect(allowsConnection([ingress([])], c, b, 5)).toBe(true);
  });

  test('egress is checked on the source and ingress on the destination', () => {
    const egressToB = policy({ podSelector: { matchLabels: { role: 'a' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { role: 'b' } } }], ports: [{ port: 5 }] }] });
    expect(allowsConnection([egressToB], a, b, 5)).toBe(true);
    expect(allowsConnection([egressToB], a, b, 6)).toBe(false);
    expect(allowsConnection([egressToB], a, a, 5)).toBe(false);
    // The policy is in namespace x: pod c (namespace y) carries the same labels but is not selected.
    expect(allowsConnection([egressToB], c, a, 6)).toBe(true);
  });
});
