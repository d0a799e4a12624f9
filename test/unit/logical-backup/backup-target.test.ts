import { Size } from 'cdk8s';
import { BackupStorage } from '../../../src/backup/backup-storage';
import { StorageCredentials } from '../../../src/backup/storage-credentials';
import type { IPostgresCluster } from '../../../src/cluster/cluster-ref';
import { Credentials } from '../../../src/credentials/credentials';
import { BackupTarget } from '../../../src/logical-backup/backup-target';
import { BackupScheduleProps } from '../../../src/logical-backup/props';
import { resolveBackupSchedule } from '../../../src/logical-backup/validate-props';

const irsa = StorageCredentials.workloadIdentity({ serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/pg' } });
const s3 = (credentials = StorageCredentials.awsAccessKey('pg-s3')) => BackupStorage.s3({ bucket: 'acme-pg', region: 'eu-central-1', credentials });

/** Only what the resolver reads of a cluster. */
const cluster = {
  name: 'orders-db',
  namespace: 'shop',
  users: ['postgres', 'pgaas_backup'],
  serviceAccountName: 'orders-db-patroni',
  userCredentials: (user: string) => Credentials.generated().resolve(`${user}.orders-db.credentials.postgresql.acid.zalan.do`),
} as unknown as IPostgresCluster;
const props = (overrides: Partial<BackupScheduleProps> = {}): BackupScheduleProps => ({
  cluster, schedule: '0 2 * * *', retention: 3, storage: BackupTarget.persistentVolumeClaim('backups'), ...overrides,
});

describe('BackupTarget renders itself', () => {
  test('a volume: mounted at /backup, local storage', () => {
    expect(BackupTarget.persistentVolumeClaim('backups')._bind('orders-db-backup-nightly', 'shop')).toEqual({
      storageKind: 'local',
      backupRoot: '/backup',
      env: [],
      usesServiceAccountIdentity: false,
      volumes: [{ name: 'backup', persistentVolumeClaim: { claimName: 'backups' } }],
      volumeMounts: [{ name: 'backup', mountPath: '/backup' }],
    });
  });

  test('a new claim is named after the schedule unless named', () => {
    const bound = BackupTarget.newPersistentVolumeClaim({ size: Size.gibibytes(20) })._bind('orders-db-backup-nightly', 'shop');
    expect(bound.newClaim?.name).toBe('orders-db-backup-nightly');
    expect(bound.volumes).toEqual([{ name: 'backup', persistentVolumeClaim: { claimName: 'orders-db-backup-nightly' } }]);
  });

  test('object storage: WAL-G environment, the logical root, HTTPS egress, workload identity', () => {
    const keys = BackupTarget.objectStorage(s3())._bind('x', 'shop');
    expect(keys).toMatchObject({ storageKind: 'walg', backupRoot: 's3://acme-pg/logical/shop', usesServiceAccountIdentity: false, storageEndpoint: { port: 443 } });
    expect(keys.env.map((e) => e.name)).toEqual(['AWS_REGION', 'WALG_S3_SSE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
    expect(BackupTarget.objectStorage(s3(irsa))._bind('x', 'shop').usesServiceAccountIdentity).toBe(true);
  });

  test('names are checked as problems, relative to the target', () => {
    expect(BackupTarget.newPersistentVolumeClaim({ size: Size.gibibytes(1), claimName: 'Bad', storageClassName: 'fast_ssd' })._problems().map((p) => p.property))
      .toEqual(['claimName', 'storageClassName']);
  });
});

describe('resolveBackupSchedule', () => {
  test('never throws: every problem at once, storage problems under "storage"', () => {
    const resolved = resolveBackupSchedule(props({
      schedule: '0 25 * * *', retention: 0, databases: [], storage: BackupTarget.persistentVolumeClaim('Bad'), user: 'nobody',
    }), { namespace: 'other', id: 'nightly' });
    expect(resolved.problems.map((p) => p.property)).toEqual(['namespace (of the Chart)', 'schedule', 'retention', 'databases', 'storage.claimName', 'user']);
  });

  test('defaults: name from the id, the cluster\'s ServiceAccount only for workload identity', () => {
    const plain = resolveBackupSchedule(props(), { namespace: 'shop', id: 'Nightly' });
    expect(plain.problems).toEqual([]);
    expect(plain.value).toMatchObject({ name: 'orders-db-backup-nightly', activeDeadline: 21600, startingDeadline: 3600, serviceAccountName: undefined });
    expect(resolveBackupSchedule(props({ storage: BackupTarget.objectStorage(s3(irsa)) }), { namespace: 'shop', id: 'n' }).value.serviceAccountName).toBe('orders-db-patroni');
  });
});
