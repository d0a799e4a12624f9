import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Size } from 'cdk8s';
import { PostgresCluster, SynchronousMode } from '../../../src';
import { PolicyRules } from '../../../src/audit/policy-rules';
import { PostgresClusterProps } from '../../../src/cluster/props';
import { VOLUME_EXPANSION_PYTHON } from '../../../src/cluster/volume-expansion-script';
import { unexpectedViolations, writtenExemptions } from '../../harness/bundle-exemptions';
import { clusterProblems, findObject, spiloConfiguration, synth, synthAppYaml, testChart } from '../../harness/synth';

/* Day 2 storage and scaling at synth time: what the template keeps, the expansion Job, and what fails. */

function objects(props: Partial<PostgresClusterProps>): any[] {
  const chart = testChart('db');
  new PostgresCluster(chart, 'db', { name: 'orders-db', instances: 3, ...props });
  return synth(chart);
}

const grown = { storage: Size.gibibytes(20), storageClassName: 'fast', volumeClaimTemplate: { storage: Size.gibibytes(10), storageClassName: 'fast' } };

describe('storage growth', () => {
  test('a new cluster: the template requests storage, and there is no expansion Job', () => {
    const out = objects({ storage: Size.gibibytes(10), storageClassName: 'fast' });
    const sts = findObject(out, 'StatefulSet');
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'fast', resources: { requests: { storage: '10Gi' } } });
    expect(out.filter((o) => o.metadata.name.startsWith('orders-db-volumes'))).toEqual([]);
  });

  test('a grown cluster: the volumeClaimTemplates are exactly the ones it was created with; a Job grows each claim', () => {
    const created = findObject(objects({ storage: Size.gibibytes(10), storageClassName: 'fast' }), 'StatefulSet');
    const out = objects(grown);
    const sts = findObject(out, 'StatefulSet');
    expect(sts.spec.volumeClaimTemplates).toEqual(created.spec.volumeClaimTemplates);
    const job = out.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('orders-db-volumes-'));
    const env = Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env).toEqual({ PGAAS_STORAGE: '20Gi', PGAAS_CLAIMS: JSON.stringify(['pgdata-orders-db-0', 'pgdata-orders-db-1', 'pgdata-orders-db-2']) });
    expect(job.spec.template.spec.serviceAccountName).toBe('orders-db-volumes');
    expect(job.spec.template.spec.automountServiceAccountToken).toBe(true);
    // Least privilege: get and patch on exactly the members' claims, nothing else.
    expect(findObject(out, 'Role', 'orders-db-volumes').rules).toEqual([
      { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['get', 'patch'], resourceNames: ['pgdata-orders-db-0', 'pgdata-orders-db-1', 'pgdata-orders-db-2'] },
    ]);
    expect(findObject(out, 'RoleBinding', 'orders-db-volumes').subjects).toEqual([{ kind: 'ServiceAccount', name: 'orders-db-volumes', namespace: 'db' }]);
    // Isolated like the other Jobs: no ingress, egress to the API server only.
    const policy = findObject(out, 'NetworkPolicy', 'orders-db-volumes');
    expect(policy.spec.podSelector.matchLabels).toEqual({ 'cdk8s-pgaas.io/network-group': 'orders-db-volumes' });
    expect(job.spec.template.metadata.labels).toMatchObject(policy.spec.podSelector.matchLabels);
    expect(policy.spec.ingress).toBeUndefined();
    expect(policy.spec.egress.flatMap((r: any) => r.ports.map((p: any) => p.port))).toEqual(expect.arrayContaining([443, 6443]));
    // The max_wal_size default follows the real volume size.
    expect(spiloConfiguration(out).bootstrap.dcs.postgresql.parameters.max_wal_size).toBe('2560MB');
  });

  test('the Job and its RBAC pass the library\'s rule set, every exemption needed', () => {
    const out = objects(grown).filter((o) => o.metadata.name.startsWith('orders-db-volumes'));
    expect(out.map((o) => o.kind).sort()).toEqual(['Job', 'NetworkPolicy', 'Role', 'RoleBinding', 'ServiceAccount']);
    expect(unexpectedViolations(out)).toEqual([]);
    for (const [object, check] of writtenExemptions(out)) {
      const stripped = JSON.parse(JSON.stringify(object));
      for (const key of Object.keys(stripped.metadata.annotations)) {
        if (key.includes(check) || key === 'kube-score/ignore' || key.startsWith('polaris.fairwinds.com/')) delete stripped.metadata.annotations[key];
      }
      expect(PolicyRules.check([stripped]).map((v) => v.check)).toContain(check);
    }
  });

  test('the Job name changes with the size and with the members, and only then', () => {
    const jobName = (props: Partial<PostgresClusterProps>) => objects(props).find((o) => o.kind === 'Job' && o.metadata.name.startsWith('orders-db-volumes-')).metadata.name;
    const base = jobName(grown);
    expect(jobName(grown)).toBe(base);
    expect(jobName({ ...grown, storage: Size.gibibytes(30) })).not.toBe(base);
    expect(jobName({ ...grown, instances: 4 })).not.toBe(base);
    const yaml = () => synthAppYaml((app) => new PostgresCluster(new Chart(app, 'c', { namespace: 'db' }), 'db', { name: 'orders-db', ...grown }));
    expect(yaml()).toBe(yaml());
  });

  test('shrinking fails at synth time with the reason', () => {
    expect(clusterProblems({ ...grown, storage: Size.gibibytes(5) })).toEqual([
      expect.stringMatching(/^ {2}- storage: "5Gi" is invalid: must be at least volumeClaimTemplate.storage \(10Gi\): a volume cannot shrink .*ClusterBootstrap.cloneFrom/),
    ]);
  });

  test('changing the storage class fails at synth time with the reason', () => {
    expect(clusterProblems({ ...grown, storageClassName: 'slow' })).toEqual([
      expect.stringMatching(/^ {2}- storageClassName: "slow" is invalid: must stay "fast" as volumeClaimTemplate.storageClassName records: .*immutable/),
    ]);
    expect(clusterProblems({ ...grown, storageClassName: undefined })).toEqual([expect.stringContaining('storageClassName: undefined is invalid: must stay "fast"')]);
    expect(clusterProblems({ storage: Size.gibibytes(20), storageClassName: 'fast', volumeClaimTemplate: { storage: Size.gibibytes(10) } }))
      .toEqual([expect.stringContaining('must stay unset (the default StorageClass)')]);
  });

  test('untyped callers get a report, not a TypeError', () => {
    expect(clusterProblems({ volumeClaimTemplate: { storageClassName: 'fast' } as any })).toEqual([expect.stringContaining('volumeClaimTemplate.storage')]);
    expect(clusterProblems({ volumeClaimTemplate: { storage: '10Gi' } as any })).toEqual([expect.stringContaining('volumeClaimTemplate.storage')]);
  });

  test('the Job\'s script compiles and reads quantities as the API server writes them', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'volumes-'));
    try {
      fs.writeFileSync(path.join(dir, 'expand.py'), VOLUME_EXPANSION_PYTHON);
      const values = execFileSync('python3', ['-c', 'import expand; print([expand.quantity(q) for q in ["2Gi", "1.5Gi", "1e9", "1500M", "10737418240"]])'], { cwd: dir, encoding: 'utf8' });
      expect(values.trim()).toBe(`[${[2 ** 31, 1.5 * 2 ** 30, 1e9, 1.5e9, 10737418240].map((n) => n.toFixed(1)).join(', ')}]`);
      expect(() => execFileSync('python3', ['-c', 'import expand; expand.quantity("2GB")'], { cwd: dir, stdio: 'pipe' })).toThrow(/not a storage quantity/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('scaling', () => {
  test('removed members keep their volumes, and so does a deleted StatefulSet', () => {
    expect(findObject(objects({ instances: 2 }), 'StatefulSet').spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  });

  test('the PodDisruptionBudget allows one member down at any size, and a single member has none', () => {
    for (const instances of [2, 3, 5]) {
      expect(findObject(objects({ instances }), 'PodDisruptionBudget').spec).toMatchObject({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    }
    expect(objects({ instances: 1 }).filter((o) => o.kind === 'PodDisruptionBudget')).toEqual([]);
  });

  test('scaling down below what synchronous replication needs fails at synth time', () => {
    const patroni = { synchronousMode: SynchronousMode.ON, synchronousNodeCount: 2 };
    expect(clusterProblems({ instances: 3, patroni })).toEqual([]);
    expect(clusterProblems({ instances: 2, patroni })).toEqual([expect.stringContaining('patroni.synchronousNodeCount: 2 is invalid: must be at most instances - 1 = 1')]);
    expect(clusterProblems({ instances: 1, patroni: { synchronousMode: SynchronousMode.STRICT } })).toEqual([expect.stringContaining('needs at least 2 instances')]);
  });
});
