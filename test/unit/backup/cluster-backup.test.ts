import { Chart, Size, Testing } from 'cdk8s';
import {
  BackupSchedule, BackupStorage, BackupTarget, ClusterBootstrap, PatroniRbac, PostgresCluster, PostgresClusterProps, StorageCredentials,
} from '../../../src';
import { spiloWalPrefix } from '../../harness/spilo-wal-prefix';
import { envOf, findObject, spiloContainer, synth, testChart } from '../../harness/synth';

const s3 = (credentials = StorageCredentials.awsAccessKey('pg-s3')) => BackupStorage.s3({ bucket: 'acme-pg', prefix: 'prod', region: 'eu-central-1', credentials });

function build(props: Partial<PostgresClusterProps>, chart: Chart = testChart('shop')) {
  const cluster = new PostgresCluster(chart, 'db', { name: 'shop-db', ...props });
  return { chart, cluster, objects: synth(chart) };
}

describe('PostgresCluster with continuous archiving', () => {
  test('Spilo gets the WAL-G environment with a per-namespace, per-cluster prefix and credentials from the Secret', () => {
    const env = envOf(spiloContainer(build({ backup: { storage: s3(), schedule: '0 3 * * *', retention: 7 } }).objects));
    expect(env).toMatchObject({
      USE_WALG_BACKUP: 'true',
      USE_WALG_RESTORE: 'true',
      BACKUP_SCHEDULE: '0 3 * * *',
      BACKUP_NUM_TO_RETAIN: '7',
      WAL_S3_BUCKET: 'acme-pg/prod',
      WAL_BUCKET_SCOPE_PREFIX: 'shop/',
      AWS_REGION: 'eu-central-1',
    });
    expect(env.AWS_SECRET_ACCESS_KEY).toEqual({ secretKeyRef: { name: 'pg-s3', key: 'AWS_SECRET_ACCESS_KEY' } });
  });

  test('two clusters never share a WAL prefix', () => {
    const chart = testChart('shop');
    new PostgresCluster(chart, 'a', { name: 'a-db', backup: { storage: s3() } });
    new PostgresCluster(chart, 'b', { name: 'b-db', backup: { storage: s3() } });
    const prefixes = synth(chart).filter((o) => o.kind === 'StatefulSet').map((sts) => spiloWalPrefix(envOf(sts.spec.template.spec.containers[0]), undefined));
    expect(prefixes).toEqual(['s3://acme-pg/prod/spilo/shop/a-db/wal/17', 's3://acme-pg/prod/spilo/shop/b-db/wal/17']);
    expect(new Set(prefixes).size).toBe(2);
  });

  test('workload identity annotates the cluster\'s ServiceAccount; a shared PatroniRbac is rejected', () => {
    const irsa = StorageCredentials.workloadIdentity({ serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/pg' } });
    const { objects } = build({ backup: { storage: s3(irsa) } });
    expect(findObject(objects, 'ServiceAccount', 'shop-db-patroni').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/pg' });
    const chart = testChart('shop');
    const rbac = new PatroniRbac(chart, 'rbac', { name: 'patroni' });
    expect(() => build({ rbac, backup: { storage: s3(irsa) } }, chart)).toThrow(/backup.storage.credentials: "workloadIdentity" is invalid: needs the annotations on the ServiceAccount/);
  });

  test('no archiving environment without backup', () => {
    expect(Object.keys(envOf(spiloContainer(build({}).objects))).filter((k) => /WAL|BACKUP|AWS/.test(k))).toEqual([]);
  });

  test('archiving opens HTTPS egress for the members', () => {
    const policy = findObject(build({ backup: { storage: s3() } }).objects, 'NetworkPolicy', 'shop-db-database');
    expect(policy.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }], ports: [{ protocol: 'TCP', port: 443 }] });
  });
});

describe('PostgresCluster from a source', () => {
  test('point-in-time recovery from another cluster\'s archive', () => {
    const env = envOf(spiloContainer(build({
      source: ClusterBootstrap.pointInTime({ source: { storage: s3(), clusterName: 'orders-db', namespace: 'orders' }, targetTime: '2026-11-20T10:00:00+00:00' }),
    }).objects));
    expect(env).toMatchObject({ CLONE_METHOD: 'CLONE_WITH_WALE', CLONE_SCOPE: 'orders-db', CLONE_TARGET_TIME: '2026-11-20T10:00:00+00:00' });
    expect(env.CLONE_WALG_S3_PREFIX).toBe('s3://acme-pg/prod/spilo/orders/orders-db/wal');
  });

  test('a standby cluster rejects roles and databases (it is read-only until promoted)', () => {
    expect(() => build({
      source: ClusterBootstrap.standbyOf({ archive: { storage: s3(), clusterName: 'orders-db', namespace: 'orders' } }),
      roles: [{ name: 'app' }],
    })).toThrow(/roles\/databases: "declared" is invalid: cannot be applied to a standby cluster/);
  });

  test('an invalid point in time fails with the property and the rule', () => {
    expect(() => ClusterBootstrap.pointInTime({ source: { storage: s3(), clusterName: 'x', namespace: 'y' }, targetTime: 'yesterday' }))
      .toThrow(/targetTime: "yesterday" is invalid: must be an RFC 3339 timestamp with a UTC offset/);
  });
});

describe('BackupSchedule wired into a cluster', () => {
  test('the backup role is a member of pg_read_all_data, which needs PostgreSQL 14', () => {
    expect(BackupSchedule.backupRole().memberOf).toEqual(['pg_read_all_data']);
    expect(() => build({ postgresVersion: 13, roles: [BackupSchedule.backupRole()] })).toThrow(/roles\[\]\.memberOf: "pg_read_all_data" is invalid: needs PostgreSQL 14 or later/);
  });

  test('its pods get their own NetworkPolicy and the members accept them', () => {
    const chart = testChart('shop');
    const cluster = new PostgresCluster(chart, 'db', { name: 'shop-db', roles: [BackupSchedule.backupRole()] });
    const schedule = new BackupSchedule(chart, 'nightly', { cluster, schedule: '30 1 * * *', retention: 3, storage: BackupTarget.newPersistentVolumeClaim({ size: Size.gibibytes(20) }) });
    const objects = synth(chart);
    const podLabels = findObject(objects, 'CronJob').spec.jobTemplate.spec.template.metadata.labels;
    const own = findObject(objects, 'NetworkPolicy', schedule.networkPolicy!.name);
    expect(own.spec.podSelector.matchLabels).toEqual({ 'cdk8s-pgaas.io/network-group': podLabels['cdk8s-pgaas.io/network-group'] });
    // No ingress rule at all (left out rather than `[]`, which the API server stores as absent), and
    // Ingress among the policy types: nothing may connect to the backup pods.
    expect(own.spec.ingress).toBeUndefined();
    expect(own.spec.policyTypes).toContain('Ingress');
    const members = findObject(objects, 'NetworkPolicy', 'shop-db-database');
    expect(members.spec.ingress[0].from).toContainEqual({ podSelector: { matchLabels: own.spec.podSelector.matchLabels } });
  });
});

test('the bundle stays deterministic with backups', () => {
  const render = () => {
    const app = Testing.app();
    new PostgresCluster(new Chart(app, 'c', { namespace: 'shop' }), 'db', { name: 'shop-db', backup: { storage: s3() } });
    return app.synthYaml();
  };
  expect(render()).toBe(render());
});
