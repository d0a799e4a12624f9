import { BackupStorage, S3ServerSideEncryption } from '../../../src/backup/backup-storage';
import { ClusterBootstrap } from '../../../src/backup/cluster-bootstrap';
import { resolveSpiloBackup, SpiloBackup, SpiloBackupEnvironment, SpiloBackupEnvironmentProps } from '../../../src/backup/spilo-backup';
import { StorageCredentials } from '../../../src/backup/storage-credentials';
import { cronProblem } from '../../../src/private/cron';
import { ValidationError } from '../../../src/private/validation';

/**
 * Spilo's environment for WAL-G archiving, point-in-time recovery, clones and standby clusters. The expected names
 * are those configure_spilo.py reads (get_placeholders, set_extended_wale_placeholders, write_wale_environment).
 */

const cluster = { clusterName: 'orders-db', namespace: 'shop', postgresVersion: 17, instances: 2 };
const IRSA = 'arn:aws:iam::123456789012:role/orders-db-backup';

const s3 = () => BackupStorage.s3({ bucket: 'acme-pg', prefix: 'prod', region: 'eu-central-1', credentials: StorageCredentials.awsAccessKey('pg-s3') });
const minio = (forcePathStyle?: boolean) => BackupStorage.s3({
  bucket: 'pg-wal', endpoint: 'https://minio.storage.svc:9000', forcePathStyle, credentials: StorageCredentials.awsAccessKey('minio', { accessKeyIdKey: 'user', secretAccessKeyKey: 'pass' }),
});
const gcs = () => BackupStorage.gcs({ bucket: 'acme-pg', credentials: StorageCredentials.gcsServiceAccountKey('pg-gcs') });
const azure = (sas = false) => BackupStorage.azure({
  storageAccount: 'acmepg',
  container: 'pg-wal',
  prefix: 'eu/prod',
  credentials: sas ? StorageCredentials.azureSasToken('pg-az') : StorageCredentials.azureAccessKey('pg-az'),
});

function env(props: Partial<SpiloBackupEnvironmentProps>): Record<string, unknown> {
  return envMap(spiloEnvironment({ cluster, ...props }));
}

function envMap(result: SpiloBackupEnvironment): Record<string, unknown> {
  const names = result.env.map((e) => e.name);
  expect(new Set(names).size).toBe(names.length);
  return Object.fromEntries(result.env.map((e) => [e.name, e.value ?? e.valueFrom]));
}

const secret = (name: string, key: string) => ({ secretKeyRef: { name, key } });

/** The resolver's environment, or its problems thrown as the one report a construct would throw. */
function spiloEnvironment(props: SpiloBackupEnvironmentProps): SpiloBackupEnvironment {
  const resolved = resolveSpiloBackup(props);
  if (resolved.problems.length > 0) throw new ValidationError('SpiloBackup.environment', resolved.problems);
  return resolved.value;
}

function errorOf(build: () => unknown): string {
  try {
    build();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('continuous archiving', () => {
  test('S3: explicit per-cluster prefix with the major, WAL-G for backup and restore, schedule, retention, SSE, keys', () => {
    const result = spiloEnvironment({ cluster, backup: { storage: s3(), schedule: '15 2 * * *', retention: 7 } });
    expect(envMap(result)).toEqual({
      USE_WALG_BACKUP: 'true',
      USE_WALG_RESTORE: 'true',
      BACKUP_SCHEDULE: '15 2 * * *',
      BACKUP_NUM_TO_RETAIN: '7',
      WAL_S3_BUCKET: 'acme-pg/prod',
      WAL_BUCKET_SCOPE_PREFIX: 'shop/',
      AWS_REGION: 'eu-central-1',
      WALG_S3_SSE: 'AES256',
      AWS_ACCESS_KEY_ID: secret('pg-s3', 'AWS_ACCESS_KEY_ID'),
      AWS_SECRET_ACCESS_KEY: secret('pg-s3', 'AWS_SECRET_ACCESS_KEY'),
    });
    expect(result).toMatchObject({ volumes: [], volumeMounts: [], serviceAccountAnnotations: {}, archivePrefix: 's3://acme-pg/prod/spilo/shop/orders-db/wal/17' });
  });

  test('defaults are Spilo\'s: 0 1 * * *, 5 base backups', () => {
    expect(env({ backup: { storage: s3() } })).toMatchObject({ BACKUP_SCHEDULE: '0 1 * * *', BACKUP_NUM_TO_RETAIN: '5' });
  });

  test('two clusters never share a prefix: namespace and name are separate path segments', () => {
    const a = SpiloBackup.archivePrefix(s3(), 'a-b', 'c', 17);
    const b = SpiloBackup.archivePrefix(s3(), 'a', 'b-c', 17);
    expect(a).toBe('s3://acme-pg/prod/spilo/a-b/c/wal/17');
    expect(b).toBe('s3://acme-pg/prod/spilo/a/b-c/wal/17');
    // Spilo's in-place upgrade and clone_with_wale.py recognise the path by "/spilo/" and "/wal/<major>".
    expect(a).toMatch(/\/spilo\/.*\/wal\/17$/);
    expect(SpiloBackup.archivePrefix(gcs(), 'shop', 'orders-db')).toBe('gs://acme-pg/spilo/shop/orders-db/wal');
  });

  test('S3-compatible endpoint: path style through WALE_S3_ENDPOINT, SSE disabled, no region needed', () => {
    expect(env({ backup: { storage: minio() } })).toMatchObject({
      WAL_S3_BUCKET: 'pg-wal',
      WAL_BUCKET_SCOPE_PREFIX: 'shop/',
      AWS_ENDPOINT: 'https://minio.storage.svc:9000',
      WALE_S3_ENDPOINT: 'https+path://minio.storage.svc:9000',
      WALG_DISABLE_S3_SSE: 'true',
      AWS_ACCESS_KEY_ID: secret('minio', 'user'),
      AWS_SECRET_ACCESS_KEY: secret('minio', 'pass'),
    });
    const virtual = env({ backup: { storage: minio(false) } });
    expect(virtual.WALE_S3_ENDPOINT).toBe('https+virtualhost://minio.storage.svc:9000');
    expect(virtual).not.toHaveProperty('AWS_S3_FORCE_PATH_STYLE');
    expect(virtual).not.toHaveProperty('AWS_REGION');
  });

  test('server-side encryption: KMS with its key, or none', () => {
    const kms = BackupStorage.s3({ bucket: 'acme-pg', region: 'us-east-1', serverSideEncryption: S3ServerSideEncryption.kms('arn:aws:kms:us-east-1:123456789012:key/abcd'), credentials: StorageCredentials.awsAccessKey('k') });
    expect(env({ backup: { storage: kms } })).toMatchObject({ WALG_S3_SSE: 'aws:kms', WALG_S3_SSE_KMS_ID: 'arn:aws:kms:us-east-1:123456789012:key/abcd' });
    const none = BackupStorage.s3({ bucket: 'acme-pg', region: 'us-east-1', serverSideEncryption: S3ServerSideEncryption.NONE, credentials: StorageCredentials.awsAccessKey('k') });
    const noneEnv = env({ backup: { storage: none } });
    expect(noneEnv).toMatchObject({ WALG_DISABLE_S3_SSE: 'true' });
    expect(noneEnv).not.toHaveProperty('WALG_S3_SSE');
  });

  test('S3 with IRSA: only the ServiceAccount annotation (the EKS webhook injects AWS_ROLE_ARN)', () => {
    const storage = BackupStorage.s3({ bucket: 'acme-pg', region: 'eu-west-1', credentials: StorageCredentials.workloadIdentity({ serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': IRSA } }) });
    const result = spiloEnvironment({ cluster, backup: { storage, backupFromReplica: true } });
    expect(result.serviceAccountAnnotations).toEqual({ 'eks.amazonaws.com/role-arn': IRSA });
    const variables = envMap(result);
    expect(variables).toMatchObject({ WAL_S3_BUCKET: 'acme-pg', WAL_BUCKET_SCOPE_PREFIX: 'shop/', WALG_BACKUP_FROM_REPLICA: 'true' });
    expect(Object.keys(variables).filter((n) => n.startsWith('AWS_'))).toEqual(['AWS_REGION']);
  });

  test('GCS: key file mounted from the Secret, GOOGLE_APPLICATION_CREDENTIALS points at it', () => {
    const result = spiloEnvironment({ cluster, backup: { storage: gcs() } });
    expect(envMap(result)).toEqual({
      USE_WALG_BACKUP: 'true',
      USE_WALG_RESTORE: 'true',
      BACKUP_SCHEDULE: '0 1 * * *',
      BACKUP_NUM_TO_RETAIN: '5',
      WAL_GS_BUCKET: 'acme-pg',
      WAL_BUCKET_SCOPE_PREFIX: 'shop/',
      GOOGLE_APPLICATION_CREDENTIALS: '/etc/pgaas/backup-credentials/key.json',
    });
    expect(result.volumes).toEqual([{ name: 'backup-credentials', secret: { secretName: 'pg-gcs', items: [{ key: 'key.json', path: 'key.json' }], defaultMode: 0o440 } }]);
    expect(result.volumeMounts).toEqual([{ name: 'backup-credentials', mountPath: '/etc/pgaas/backup-credentials', readOnly: true }]);
  });

  test('GCS with GKE Workload Identity: the annotation, no key', () => {
    const storage = BackupStorage.gcs({ bucket: 'acme-pg', credentials: StorageCredentials.workloadIdentity({ serviceAccountAnnotations: { 'iam.gke.io/gcp-service-account': 'pg@acme.iam.gserviceaccount.com' } }) });
    const result = spiloEnvironment({ cluster, backup: { storage } });
    expect(result.serviceAccountAnnotations).toEqual({ 'iam.gke.io/gcp-service-account': 'pg@acme.iam.gserviceaccount.com' });
    expect(result.volumes).toEqual([]);
    expect(envMap(result)).not.toHaveProperty('GOOGLE_APPLICATION_CREDENTIALS');
  });

  test('Azure: account, container path, access key or SAS token', () => {
    expect(env({ backup: { storage: azure() } })).toMatchObject({
      WALG_AZ_PREFIX: 'azure://pg-wal/eu/prod/spilo/shop/orders-db/wal/17',
      AZURE_STORAGE_ACCOUNT: 'acmepg',
      AZURE_STORAGE_ACCESS_KEY: secret('pg-az', 'AZURE_STORAGE_ACCESS_KEY'),
    });
    const sas = env({ backup: { storage: azure(true) } });
    expect(sas).toMatchObject({ AZURE_STORAGE_SAS_TOKEN: secret('pg-az', 'AZURE_STORAGE_SAS_TOKEN') });
    expect(sas).not.toHaveProperty('AZURE_STORAGE_ACCESS_KEY');
  });

  test('no backup, no bootstrap: nothing at all', () => {
    expect(spiloEnvironment({ cluster })).toEqual({
      env: [], volumes: [], volumeMounts: [], serviceAccountAnnotations: {}, archivePrefix: undefined,
    });
  });
});

describe('point-in-time recovery', () => {
  test('S3: CLONE_WITH_WALE from the source\'s archive root (Spilo tries each major), WAL-G restore, target time, credentials', () => {
    const bootstrap = ClusterBootstrap.pointInTime({ source: { storage: s3(), clusterName: 'orders-db', namespace: 'shop' }, targetTime: '2026-11-20T10:00:00+00:00' });
    const variables = env({ cluster: { ...cluster, clusterName: 'orders-restored' }, backup: { storage: s3() }, bootstrap } as any);
    expect(variables).toMatchObject({
      CLONE_METHOD: 'CLONE_WITH_WALE',
      CLONE_SCOPE: 'orders-db',
      CLONE_USE_WALG_RESTORE: 'true',
      CLONE_TARGET_TIME: '2026-11-20T10:00:00+00:00',
      CLONE_WALG_S3_PREFIX: 's3://acme-pg/prod/spilo/shop/orders-db/wal',
      CLONE_AWS_REGION: 'eu-central-1',
      CLONE_AWS_ACCESS_KEY_ID: secret('pg-s3', 'AWS_ACCESS_KEY_ID'),
      CLONE_AWS_SECRET_ACCESS_KEY: secret('pg-s3', 'AWS_SECRET_ACCESS_KEY'),
      // The new cluster archives to its own path.
      WAL_S3_BUCKET: 'acme-pg/prod',
      WAL_BUCKET_SCOPE_PREFIX: 'shop/',
    });
    expect(variables).not.toHaveProperty('CLONE_TARGET_INCLUSIVE');
    expect(variables).not.toHaveProperty('USE_PAUSE_AT_RECOVERY_TARGET');
  });

  test('exclusive target is the EMPTY string (Spilo treats "false" as true); pause is "true"', () => {
    const bootstrap = ClusterBootstrap.pointInTime({ source: { storage: gcs(), clusterName: 'orders-db', namespace: 'shop' }, targetTime: '2026-11-20T10:00:00Z', targetInclusive: false, pauseAtTarget: true });
    const result = spiloEnvironment({ cluster: { ...cluster, clusterName: 'copy' }, bootstrap });
    expect(envMap(result)).toEqual({
      CLONE_METHOD: 'CLONE_WITH_WALE',
      CLONE_SCOPE: 'orders-db',
      CLONE_USE_WALG_RESTORE: 'true',
      CLONE_TARGET_TIME: '2026-11-20T10:00:00Z',
      CLONE_TARGET_INCLUSIVE: '',
      USE_PAUSE_AT_RECOVERY_TARGET: 'true',
      CLONE_WALG_GS_PREFIX: 'gs://acme-pg/spilo/shop/orders-db/wal',
      CLONE_GOOGLE_APPLICATION_CREDENTIALS: '/etc/pgaas/clone-credentials/key.json',
    });
    expect(result.volumes.map((v) => v.name)).toEqual(['clone-credentials']);
  });

  test('latest state when no target time; Azure source with SAS', () => {
    const bootstrap = ClusterBootstrap.pointInTime({ source: { storage: azure(true), clusterName: 'orders-db', namespace: 'shop' } });
    const variables = env({ cluster: { ...cluster, clusterName: 'copy' }, bootstrap } as any);
    expect(variables).toMatchObject({
      CLONE_WALG_AZ_PREFIX: 'azure://pg-wal/eu/prod/spilo/shop/orders-db/wal',
      CLONE_AZURE_STORAGE_ACCOUNT: 'acmepg',
      CLONE_AZURE_STORAGE_SAS_TOKEN: secret('pg-az', 'AZURE_STORAGE_SAS_TOKEN'),
    });
    expect(variables).not.toHaveProperty('CLONE_TARGET_TIME');
  });

  test('IRSA source: CLONE_AWS_ROLE_ARN and the token file (Spilo reads only CLONE_-prefixed names)', () => {
    const storage = BackupStorage.s3({ bucket: 'acme-pg', region: 'eu-west-1', credentials: StorageCredentials.workloadIdentity({ serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': IRSA } }) });
    const result = spiloEnvironment({ cluster: { ...cluster, clusterName: 'copy' }, backup: { storage }, bootstrap: ClusterBootstrap.pointInTime({ source: { storage, clusterName: 'orders-db', namespace: 'shop' } }) });
    expect(envMap(result)).toMatchObject({
      CLONE_AWS_ROLE_ARN: IRSA,
      CLONE_AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token',
    });
    expect(result.serviceAccountAnnotations).toEqual({ 'eks.amazonaws.com/role-arn': IRSA });
  });
});

describe('clone from a running cluster', () => {
  test('CLONE_WITH_BASEBACKUP with the source\'s replication Secret', () => {
    expect(env({ cluster: { ...cluster, clusterName: 'copy' }, bootstrap: ClusterBootstrap.cloneFrom({ clusterName: 'orders-db' }) } as any)).toEqual({
      CLONE_METHOD: 'CLONE_WITH_BASEBACKUP',
      CLONE_SCOPE: 'orders-db',
      CLONE_HOST: 'orders-db.shop.svc',
      CLONE_PORT: '5432',
      CLONE_USER: 'standby',
      CLONE_PASSWORD: secret('standby.orders-db.credentials.postgresql.acid.zalan.do', 'password'),
    });
  });

  test('another namespace needs an explicit password Secret', () => {
    const bootstrap = ClusterBootstrap.cloneFrom({ clusterName: 'orders-db', namespace: 'legacy' });
    expect(errorOf(() => spiloEnvironment({ cluster, bootstrap }))).toContain('bootstrap.password: undefined is invalid: must be set: the source is in namespace "legacy" and Secrets are namespaced');
    const ok = ClusterBootstrap.cloneFrom({ clusterName: 'orders-db', namespace: 'legacy', host: '10.0.0.7', port: 6432, password: { secretName: 'legacy-standby', key: 'pw' } });
    expect(env({ bootstrap: ok })).toMatchObject({ CLONE_HOST: '10.0.0.7', CLONE_PORT: '6432', CLONE_PASSWORD: secret('legacy-standby', 'pw') });
  });
});

describe('standby cluster', () => {
  test('streaming: host, port, slot', () => {
    const bootstrap = ClusterBootstrap.standbyOf({ host: 'orders-db.eu.example.com', port: 5433, primarySlotName: 'dr_standby' });
    expect(env({ bootstrap })).toEqual({ STANDBY_HOST: 'orders-db.eu.example.com', STANDBY_PORT: '5433', STANDBY_PRIMARY_SLOT_NAME: 'dr_standby' });
  });

  test('from the archive (this cluster\'s major) and streaming, with its own archive', () => {
    const bootstrap = ClusterBootstrap.standbyOf({ archive: { storage: s3(), clusterName: 'orders-db', namespace: 'eu' }, host: 'orders-db.eu.svc' });
    expect(env({ backup: { storage: minio() }, bootstrap })).toMatchObject({
      STANDBY_HOST: 'orders-db.eu.svc',
      STANDBY_SCOPE: 'orders-db',
      STANDBY_USE_WALG_RESTORE: 'true',
      STANDBY_WALG_S3_PREFIX: 's3://acme-pg/prod/spilo/eu/orders-db/wal/17',
      STANDBY_AWS_REGION: 'eu-central-1',
      STANDBY_AWS_ACCESS_KEY_ID: secret('pg-s3', 'AWS_ACCESS_KEY_ID'),
      WAL_S3_BUCKET: 'pg-wal',
      WAL_BUCKET_SCOPE_PREFIX: 'shop/',
    });
  });

  test('GCS and Azure archives', () => {
    const viaGcs = spiloEnvironment({ cluster, bootstrap: ClusterBootstrap.standbyOf({ archive: { storage: gcs(), clusterName: 'orders-db', namespace: 'eu' } }) });
    expect(envMap(viaGcs)).toMatchObject({ STANDBY_WALG_GS_PREFIX: 'gs://acme-pg/spilo/eu/orders-db/wal/17', STANDBY_GOOGLE_APPLICATION_CREDENTIALS: '/etc/pgaas/standby-credentials/key.json' });
    expect(viaGcs.volumes.map((v) => v.name)).toEqual(['standby-credentials']);
    expect(env({ bootstrap: ClusterBootstrap.standbyOf({ archive: { storage: azure(), clusterName: 'orders-db', namespace: 'eu' } }) })).toMatchObject({
      STANDBY_WALG_AZ_PREFIX: 'azure://pg-wal/eu/prod/spilo/eu/orders-db/wal/17', STANDBY_AZURE_STORAGE_ACCOUNT: 'acmepg', STANDBY_AZURE_STORAGE_ACCESS_KEY: secret('pg-az', 'AZURE_STORAGE_ACCESS_KEY'),
    });
  });
});

test('no environment value is ever the string "false", whatever the options', () => {
  const storages = [s3(), minio(), minio(false), gcs(), azure(), azure(true),
    BackupStorage.s3({ bucket: 'b-1', region: 'us-east-1', forcePathStyle: false, serverSideEncryption: S3ServerSideEncryption.NONE, credentials: StorageCredentials.awsAccessKey('k') })];
  const results: SpiloBackupEnvironment[] = [];
  for (const storage of storages) {
    for (const backupFromReplica of [undefined, false, true]) {
      results.push(spiloEnvironment({ cluster, backup: { storage, backupFromReplica } }));
    }
    for (const targetInclusive of [undefined, false, true]) {
      for (const pauseAtTarget of [undefined, false, true]) {
        results.push(spiloEnvironment({ cluster: { ...cluster, clusterName: 'copy' }, backup: { storage }, bootstrap: ClusterBootstrap.pointInTime({ source: { storage, clusterName: 'orders-db', namespace: 'shop' }, targetInclusive, pauseAtTarget }) }));
      }
    }
    results.push(spiloEnvironment({ cluster, bootstrap: ClusterBootstrap.standbyOf({ archive: { storage, clusterName: 'x', namespace: 'eu' }, host: 'h' }) }));
  }
  results.push(spiloEnvironment({ cluster: { ...cluster, clusterName: 'copy' }, bootstrap: ClusterBootstrap.cloneFrom({ clusterName: 'orders-db' }) }));
  for (const result of results) {
    for (const variable of result.env) {
      expect({ name: variable.name, value: variable.value }).not.toEqual({ name: variable.name, value: expect.stringMatching(/^false$/i) });
      if (variable.value !== undefined) expect(['0', 'no', 'off']).not.toContain(variable.value.toLowerCase());
    }
    // Every name is one a cluster protects from extraEnv.
    for (const variable of result.env) expect(SpiloBackup.MANAGED_ENV).toContain(variable.name);
  }
  expect(results.length).toBeGreaterThan(60);
});

describe('validation', () => {
  test('storage', () => {
    expect(errorOf(() => BackupStorage.s3({ bucket: 'Bad_Bucket', prefix: '../x', credentials: StorageCredentials.gcsServiceAccountKey('k') }))).toBe([
      'BackupStorage.s3 has 4 invalid properties:',
      '  - bucket: "Bad_Bucket" is invalid: must be an S3 bucket name: 3 to 63 lowercase letters, digits, \'.\' and \'-\', starting and ending with a letter or digit',
      '  - prefix: "../x" is invalid: must be a path of segments made of letters, digits, \'.\', \'_\' and \'-\' separated by \'/\' (each starting with a letter or digit)',
      '  - region: undefined is invalid: must be set for AWS S3: without it Spilo guesses the region from the instance metadata, which fails outside EC2',
      '  - credentials: "gcs-service-account-key" is invalid: must be one of aws-access-key, workload-identity for s3',
    ].join('\n'));
    expect(errorOf(() => BackupStorage.s3({ bucket: 'ok-bucket', region: 'eu-central-1', endpoint: 'minio:9000', credentials: StorageCredentials.awsAccessKey('k') })))
      .toContain('endpoint: "minio:9000" is invalid: must be http(s)://host[:port] without a path');
    expect(errorOf(() => BackupStorage.s3({ bucket: 'ok-bucket', region: 'frankfurt', credentials: StorageCredentials.awsAccessKey('k') })))
      .toContain('region: "frankfurt" is invalid: must be an AWS region such as eu-central-1');
    expect(errorOf(() => BackupStorage.s3({ bucket: 'ok-bucket', region: 'eu-central-1', credentials: StorageCredentials.workloadIdentity({ serviceAccountAnnotations: { 'iam.gke.io/gcp-service-account': 'x' } }) })))
      .toContain('must contain "eks.amazonaws.com/role-arn" for s3');
    expect(errorOf(() => BackupStorage.s3({ bucket: 'ok-bucket', region: 'eu-central-1', credentials: StorageCredentials.workloadIdentity({ serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'my-role' } }) })))
      .toContain('must be an IAM role ARN');
    expect(errorOf(() => BackupStorage.s3({ bucket: 'ok-bucket', region: 'eu-central-1', credentials: StorageCredentials.awsAccessKey('Bad Secret', { accessKeyIdKey: 'a/b' }) })))
      .toMatch(/credentials.secretName: "Bad Secret" is invalid[\s\S]*credentials key: "a\/b" is invalid/);
    expect(errorOf(() => BackupStorage.gcs({ bucket: 'ok-bucket', credentials: StorageCredentials.workloadIdentity({ serviceAccountAnnotations: {} }) })))
      .toContain('must contain "iam.gke.io/gcp-service-account" for gcs');
    expect(errorOf(() => BackupStorage.azure({ storageAccount: 'Acme-PG', container: 'a--b', credentials: StorageCredentials.workloadIdentity({ serviceAccountAnnotations: { 'azure.workload.identity/client-id': 'x' } }) }))).toMatch(
      /storageAccount: "Acme-PG" is invalid[\s\S]*container: "a--b" is invalid[\s\S]*must be one of azure-access-key, azure-sas-token for azure: Spilo writes only/);
    expect(errorOf(() => BackupStorage.s3({ bucket: 'ok-bucket', region: 'eu-central-1', serverSideEncryption: S3ServerSideEncryption.kms('bad key id'), credentials: StorageCredentials.awsAccessKey('k') })))
      .toContain('serverSideEncryption.kmsKeyId: "bad key id" is invalid');
  });

  test('schedule, retention, replica backups, cluster identity', () => {
    expect(errorOf(() => spiloEnvironment({ cluster: { clusterName: 'Orders', namespace: 'shop', postgresVersion: 9, instances: 1 }, backup: { storage: s3(), schedule: '0 25 * * *', retention: 1, backupFromReplica: true } }))).toBe([
      'SpiloBackup.environment has 5 invalid properties:',
      '  - cluster.clusterName: "Orders" is invalid: must be a DNS-1035 label: lowercase letters, digits and \'-\', starting with a letter and ending with a letter or digit',
      '  - cluster.postgresVersion: 9 is invalid: must be a PostgreSQL major version (an integer >= 10)',
      '  - backup.schedule: "0 25 * * *" is invalid: hour field "25": "25" must be 0..23',
      '  - backup.retention: 1 is invalid: must be an integer >= 2: Spilo keeps at least 2 base backups whatever it is told',
      '  - backup.backupFromReplica: true is invalid: needs a replica: with 1 instance no base backup would ever be taken',
    ].join('\n'));
  });

  test('cron expressions', () => {
    for (const ok of ['30 1 * * *', '*/15 * * * *', '0 0-6/2 1,15 jan-jun MON-FRI', '0 3 * * 7', '5 4 * * sun']) expect({ ok, problem: cronProblem(ok) }).toEqual({ ok, problem: undefined });
    expect(cronProblem('@daily')).toBeUndefined();
    expect(cronProblem('@reboot')).toMatch(/or one of @yearly/);
    expect(cronProblem('TZ=UTC 0 1 * * *')).toMatch(/5 fields/);
    expect(cronProblem('0 1 * * * *')).toMatch(/it has 6/);
    expect(cronProblem('60 1 * * *')).toBe('minute field "60": "60" must be 0..59');
    expect(cronProblem('0 1 0 * *')).toBe('day of month field "0": "0" must be 1..31');
    expect(cronProblem('0 1 * 13 *')).toMatch(/month field "13": "13" must be 1..12 or one of jan/);
    expect(cronProblem('0 1 * * 8')).toMatch(/day of week field "8"/);
    expect(cronProblem('0 5-1 * * *')).toBe('hour field "5-1": range "5-1" runs backwards');
    expect(cronProblem('*/0 * * * *')).toBe('minute field "*/0": step "0" must be a positive integer');
    expect(cronProblem('1,,2 * * * *')).toMatch(/"" is not a value/);
  });

  test('point in time: RFC 3339 with an offset, a real date, a valid source', () => {
    const source = { storage: s3(), clusterName: 'orders-db', namespace: 'shop' };
    for (const bad of ['2026-11-20 10:00:00', '2026-11-20T10:00:00', '2026-11-20T10:00', '20261120T100000Z', 'yesterday', '2026-11-20T10:00:00+0000']) {
      expect(errorOf(() => ClusterBootstrap.pointInTime({ source, targetTime: bad }))).toContain(`targetTime: ${JSON.stringify(bad)} is invalid: must be an RFC 3339 timestamp with a UTC offset`);
    }
    expect(errorOf(() => ClusterBootstrap.pointInTime({ source, targetTime: '2026-02-30T10:00:00Z' }))).toContain('this date or time does not exist');
    expect(errorOf(() => ClusterBootstrap.pointInTime({ source, targetTime: '2026-11-20T24:00:00Z' }))).toContain('this date or time does not exist');
    for (const ok of ['2026-11-20T10:00:00Z', '2026-11-20T10:00:00+00:00', '2026-11-20T10:00:00.123456-05:30']) {
      expect(ClusterBootstrap.pointInTime({ source, targetTime: ok }).pointInTimeRecovery?.targetTime).toBe(ok);
    }
    expect(errorOf(() => ClusterBootstrap.pointInTime({ source: { ...source, clusterName: 'Orders', namespace: 'Shop' } })))
      .toMatch(/source.clusterName: "Orders" is invalid[\s\S]*source.namespace: "Shop" is invalid/);
  });

  test('a cluster cannot restore from, clone or follow itself, nor restore into its source\'s archive path', () => {
    const storage = s3();
    expect(errorOf(() => spiloEnvironment({ cluster, bootstrap: ClusterBootstrap.pointInTime({ source: { storage, clusterName: 'orders-db', namespace: 'shop' } }) })))
      .toContain('bootstrap.source: "shop/orders-db" is invalid: is this cluster itself: restore into a new cluster');
    expect(errorOf(() => spiloEnvironment({ cluster, bootstrap: ClusterBootstrap.cloneFrom({ clusterName: 'orders-db' }) }))).toContain('is this cluster itself');
    expect(errorOf(() => spiloEnvironment({ cluster, bootstrap: ClusterBootstrap.standbyOf({ archive: { storage, clusterName: 'orders-db', namespace: 'shop' } }) }))).toContain('is this cluster itself');
  });

  test('standby: at least one source, streaming options need a host, slot names', () => {
    expect(errorOf(() => ClusterBootstrap.standbyOf({}))).toContain('archive/host: undefined is invalid: needs at least one: the archive of the source cluster, the host of its primary, or both');
    expect(errorOf(() => ClusterBootstrap.standbyOf({ archive: { storage: s3(), clusterName: 'a', namespace: 'b' }, port: 5432 }))).toContain('apply to streaming: set host too');
    expect(errorOf(() => ClusterBootstrap.standbyOf({ host: 'db', primarySlotName: 'Bad-Slot', port: 70000 }))).toMatch(/port: 70000 is invalid: must be an integer 1..65535[\s\S]*primarySlotName: "Bad-Slot" is invalid/);
    expect(errorOf(() => ClusterBootstrap.standbyOf({ host: 'bad host' }))).toContain('host: "bad host" is invalid: must be a DNS name or an IP address');
  });

  test('clone: names and keys', () => {
    expect(errorOf(() => ClusterBootstrap.cloneFrom({ clusterName: 'x_y', user: 'Bad', password: { secretName: 'ok', key: 'a b' } })))
      .toMatch(/clusterName: "x_y" is invalid[\s\S]*user: "Bad" is invalid[\s\S]*password.key: "a b" is invalid/);
  });

  test('the resolver never throws: every problem of cluster, backup and bootstrap, with the value computed so far', () => {
    const resolved = resolveSpiloBackup({
      cluster: { clusterName: 'Orders', namespace: 'shop', postgresVersion: 9, instances: 1 },
      backup: { storage: s3(), schedule: '0 25 * * *', retention: 1 },
      bootstrap: ClusterBootstrap.cloneFrom({ clusterName: 'orders-db', namespace: 'legacy' }),
    });
    expect(resolved.problems.map((p) => p.property)).toEqual(['cluster.clusterName', 'cluster.postgresVersion', 'backup.schedule', 'backup.retention', 'bootstrap.password']);
    expect(resolved.value.archivePrefix).toBe('s3://acme-pg/prod/spilo/shop/Orders/wal/9');
    expect(resolveSpiloBackup({ cluster, backup: { storage: s3() } }).problems).toEqual([]);
  });

  test('backup and source need one ServiceAccount identity', () => {
    const wi = (arn: string) => BackupStorage.s3({ bucket: 'acme-pg', region: 'eu-west-1', credentials: StorageCredentials.workloadIdentity({ serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': arn } }) });
    expect(errorOf(() => spiloEnvironment({
      cluster: { ...cluster, clusterName: 'copy' },
      backup: { storage: wi(IRSA) },
      bootstrap: ClusterBootstrap.pointInTime({ source: { storage: wi('arn:aws:iam::123456789012:role/other'), clusterName: 'orders-db', namespace: 'shop' } }),
    }))).toContain('serviceAccountAnnotations["eks.amazonaws.com/role-arn"]: ["arn:aws:iam::123456789012:role/orders-db-backup","arn:aws:iam::123456789012:role/other"] is invalid: is required with two different values');
  });
});
