import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { EXAMPLES } from '../../../examples';
import { PolicyCheck, PolicyRules } from '../../../src/audit/policy-rules';
import { DatabaseNetworkPolicy, NetworkPeer } from '../../../src/network/network-policy';
import { schemaErrors } from '../../harness/schema';
import { built as validatedTree, synth as validatedSynth } from '../../harness/synth';

const GROUP = 'cdk8s-pgaas.io/network-group';
const base = {
  name: 'orders-db',
  databasePodLabels: { [GROUP]: 'orders-db-database' },
  apiServer: { cidrs: ['10.0.0.10/32', '10.0.0.11/32'], port: 6443 },
};

function synth(build: (chart: Chart) => void): any[] {
  const chart = new Chart(Testing.app(), 'db', { namespace: 'orders' });
  build(chart);
  return validatedSynth(chart);
}
const policy = (objects: any[], name: string) => objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === name);
const ports = (rule: any) => rule.ports.map((p: any) => `${p.protocol}/${p.port}`);

test('members: default deny both ways; 5432 from apps, pooler, Jobs and members; 8008 from members only', () => {
  const backupEndpoints = { cidrs: ['0.0.0.0/0'], except: ['10.0.0.0/8'] };
  const objects = synth((chart) => new DatabaseNetworkPolicy(chart, 'np', {
    ...base,
    allowFrom: [NetworkPeer.pods({ app: 'api' })],
    pooler: { podLabels: { [GROUP]: 'orders-db-pooler' } },
    bootstrapJobPodLabels: { [GROUP]: 'orders-db-bootstrap' },
    secretGeneratorPodLabels: { [GROUP]: 'orders-db-secrets' },
    backupEndpoints,
  }).addDatabaseClientJob('Backup', 'backup', { [GROUP]: 'orders-db-backup' }, backupEndpoints));
  const withConfigJob = synth((chart) => new DatabaseNetworkPolicy(chart, 'np', base).addPatroniApiClientJob('Config', 'config', { [GROUP]: 'orders-db-config' }));
  for (const o of objects) expect(schemaErrors(o)).toEqual([]);
  expect(objects.map((o) => o.metadata.name).sort()).toEqual(['orders-db-backup', 'orders-db-bootstrap', 'orders-db-database', 'orders-db-pooler', 'orders-db-secrets']);
  for (const o of objects) expect(o.spec.policyTypes).toEqual(['Ingress', 'Egress']);

  const db = policy(objects, 'orders-db-database');
  expect(db.spec.podSelector).toEqual({ matchLabels: { [GROUP]: 'orders-db-database' } });
  const [postgres, patroni] = db.spec.ingress;
  expect(ports(postgres)).toEqual(['TCP/5432']);
  expect(postgres.from.map((f: any) => f.podSelector.matchLabels)).toEqual([
    { [GROUP]: 'orders-db-database' }, { app: 'api' }, { [GROUP]: 'orders-db-pooler' }, { [GROUP]: 'orders-db-bootstrap' }, { [GROUP]: 'orders-db-backup' },
  ]);
  expect(ports(patroni)).toEqual(['TCP/8008']);
  expect(patroni.from).toEqual([{ podSelector: { matchLabels: { [GROUP]: 'orders-db-database' } } }]);
  expect(db.spec.egress.map(ports)).toEqual([['UDP/53', 'TCP/53'], ['TCP/6443'], ['TCP/5432', 'TCP/8008'], ['TCP/443']]);
  expect(db.spec.egress[0].to).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }]);
  expect(db.spec.egress[1].to).toEqual([{ ipBlock: { cidr: '10.0.0.10/32' } }, { ipBlock: { cidr: '10.0.0.11/32' } }]);
  expect(db.spec.egress[3].to).toEqual([{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }]);

  const pooler = policy(objects, 'orders-db-pooler');
  expect(pooler.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ protocol: 'TCP', port: 5432 }] }]);
  expect(pooler.spec.egress.map(ports)).toEqual([['UDP/53', 'TCP/53'], ['TCP/5432']]);
  expect(policy(objects, 'orders-db-secrets').spec.egress.map(ports)).toEqual([['TCP/6443']]);
  expect(policy(objects, 'orders-db-bootstrap').spec.egress.map(ports)).toEqual([['UDP/53', 'TCP/53'], ['TCP/5432']]);
  expect(policy(objects, 'orders-db-backup').spec.egress.map(ports)).toEqual([['UDP/53', 'TCP/53'], ['TCP/5432'], ['TCP/443']]);
  for (const name of ['orders-db-secrets', 'orders-db-bootstrap', 'orders-db-backup']) expect(policy(objects, name).spec.ingress ?? []).toEqual([]);

  // A REST API client Job: admitted to the members on 8008 only, its egress to DNS and the members' 8008 only.
  const [postgresOnly, patroniWithJob] = policy(withConfigJob, 'orders-db-database').spec.ingress;
  expect(postgresOnly.from).toEqual([{ podSelector: { matchLabels: { [GROUP]: 'orders-db-database' } } }]);
  expect(patroniWithJob).toEqual({
    from: [{ podSelector: { matchLabels: { [GROUP]: 'orders-db-database' } } }, { podSelector: { matchLabels: { [GROUP]: 'orders-db-config' } } }],
    ports: [{ protocol: 'TCP', port: 8008 }],
  });
  const config = policy(withConfigJob, 'orders-db-config');
  expect(config.spec.podSelector).toEqual({ matchLabels: { [GROUP]: 'orders-db-config' } });
  expect(config.spec.ingress).toBeUndefined();
  expect(config.spec.egress.map(ports)).toEqual([['UDP/53', 'TCP/53'], ['TCP/8008']]);
  expect(config.spec.egress[1].to).toEqual([{ podSelector: { matchLabels: { [GROUP]: 'orders-db-database' } } }]);
});

test('cdk8s-plus workloads: allowWorkload selects its pods, in its own Chart\'s namespace', () => {
  const app = Testing.app();
  const dbChart = new Chart(app, 'db', { namespace: 'orders' });
  const appChart = new Chart(app, 'apps', { namespace: 'shop' });
  const api = new kplus.Deployment(appChart, 'api', { containers: [{ image: 'example/api:1.0.0' }] });
  const worker = new kplus.Deployment(dbChart, 'worker', { containers: [{ image: 'example/worker:1.0.0' }] });
  const np = new DatabaseNetworkPolicy(dbChart, 'np', { ...base, pooler: { podLabels: { [GROUP]: 'orders-db-pooler' } } });
  np.allowWorkload(api);
  np.allowConnectionsFrom(NetworkPeer.fromPodSelector(worker), NetworkPeer.namespaces({ team: 'analytics' }));
  const objects = Testing.synth(dbChart);
  const from = policy(objects, 'orders-db-database').spec.ingress[0].from;
  const addr = (w: kplus.Deployment) => ({ 'cdk8s.io/metadata.addr': w.podMetadata.getLabel('cdk8s.io/metadata.addr') });
  const inNamespace = (ns: string) => ({ matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [ns] }] });
  expect(from).toContainEqual({ podSelector: { matchLabels: addr(api) }, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } } });
  expect(from).toContainEqual({ podSelector: { matchLabels: addr(worker) }, namespaceSelector: inNamespace('orders') });
  expect(from).toContainEqual({ namespaceSelector: { matchLabels: { team: 'analytics' } } });
  // The pooler follows the database's client list (added after construction too).
  expect(policy(objects, 'orders-db-pooler').spec.ingress[0].from).toEqual(from.slice(1, 4));
  expect(api.podMetadata.getLabel('cdk8s.io/metadata.addr')).toBeDefined();
});

test('no client yet: the pooler accepts nothing (an ingress rule without peers would accept everyone)', () => {
  const objects = synth((chart) => new DatabaseNetworkPolicy(chart, 'np', { ...base, pooler: { podLabels: { p: 'pooler' } } }));
  expect(policy(objects, 'orders-db-pooler').spec.ingress ?? []).toEqual([]);
});

test('DNS to NodeLocal DNSCache or anywhere on port 53', () => {
  const local = synth((chart) => new DatabaseNetworkPolicy(chart, 'np', { ...base, dns: { peers: [NetworkPeer.ipBlock('169.254.20.10/32')] } }));
  expect(policy(local, 'orders-db-database').spec.egress[0].to).toEqual([{ ipBlock: { cidr: '169.254.20.10/32' } }]);
  const any = synth((chart) => new DatabaseNetworkPolicy(chart, 'np', { ...base, dns: { peers: [] } }));
  expect(policy(any, 'orders-db-database').spec.egress[0].to).toBeUndefined();
});

test('invalid input fails at synth time with every problem named', () => {
  const make = (props: any) => () => synth((chart) => new DatabaseNetworkPolicy(chart, 'np', { ...base, ...props }));
  expect(make({ apiServer: { cidrs: [] } })).toThrow(/apiServer.cidrs: \[\] is invalid: must name at least one CIDR/);
  expect(make({ apiServer: { cidrs: ['10.0.0.300/32'] } })).toThrow(/apiServer.cidrs: "10.0.0.300\/32" is invalid/);
  expect(make({ databasePodLabels: {} })).toThrow(/databasePodLabels: \{\} is invalid: must not be empty/);
  expect(make({ bootstrapJobPodLabels: { [GROUP]: 'orders-db-database' } })).toThrow(/must not also select the database pods/);
  expect(make({ postgresPort: 70000, allowFrom: [NetworkPeer.ipBlock('nope')] })).toThrow(/has 2 invalid properties[\s\S]*postgresPort[\s\S]*allowFrom\[0\]\.ipBlock: "nope"/);
  expect(() => validatedTree(new DatabaseNetworkPolicy(new Chart(Testing.app(), 'x'), 'np', base))).toThrow(/namespace \(of the Chart\)/);
});

/**
 * The wiring PostgresCluster does: a dedicated label per pod group, then the policies. Every pod of
 * every example is isolated, the policies are schema-valid, and no network check fails.
 */
describe.each(EXAMPLES.map((e) => [e.name, e.build, e.userWorkloads ?? []] as const))('example %s with policies', (_name, build, userWorkloads) => {
  test('every pod of the library is isolated for ingress and egress', () => {
    const objects = Testing.synth(build(Testing.app())).filter((o) => !userWorkloads.includes(o.metadata.name));
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    expect(policies.length).toBeGreaterThan(0);
    for (const o of policies) expect(schemaErrors(o)).toEqual([]);
    const violations = PolicyRules.check(objects);
    expect(violations.filter((v) => [PolicyCheck.NETWORK_POLICY, PolicyCheck.NETWORK_POLICY_TARGETS_POD, PolicyCheck.NETWORK_POLICY_RULES]
      .includes(v.check))).toEqual([]);
  });
});
