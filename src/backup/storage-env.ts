// Internal: not part of the jsii API (do not re-export from src/index.ts).
import { k8s } from 'cdk8s-plus-27';
import { BackupStorage, BackupStorageProvider, StorageCredentialsKind } from './backup-storage';

/** Environment, volumes and ServiceAccount annotations that give one container access to a storage. */
export interface StorageAccess {
  readonly env: k8s.EnvVar[];
  readonly volumes: k8s.Volume[];
  readonly volumeMounts: k8s.VolumeMount[];
  readonly serviceAccountAnnotations: Record<string, string>;
}

/** Spilo's prefixes of the same variables for the cluster's own archive, a clone source and a standby source. */
export type SpiloEnvPrefix = '' | 'CLONE_' | 'STANDBY_';

const IRSA_ANNOTATION = 'eks.amazonaws.com/role-arn';
/** Where the EKS pod identity webhook mounts the IRSA token. */
const IRSA_TOKEN_FILE = '/var/run/secrets/eks.amazonaws.com/serviceaccount/token';
/** Parent of the mounted credential files (not under /run, which Spilo owns). */
const CREDENTIALS_DIR = '/etc/pgaas';

/** The WAL-G prefix variable of a storage: WALG_S3_PREFIX, WALG_GS_PREFIX or WALG_AZ_PREFIX. */
export function walgPrefixVariable(storage: BackupStorage): string {
  switch (storage.provider) {
    case BackupStorageProvider.S3: return 'WALG_S3_PREFIX';
    case BackupStorageProvider.GCS: return 'WALG_GS_PREFIX';
    default: return 'WALG_AZ_PREFIX';
  }
}

/**
 * Spilo's variables for a WAL-G location (configure_spilo.py write_wale_environment, which reads every name with
 * the given prefix): the explicit WALG_*_PREFIX, the service's options and the credentials. Flags are only ever
 * emitted as "true": Spilo reads any non-empty string as true.
 */
export function spiloStorageAccess(storage: BackupStorage, url: string, prefix: SpiloEnvPrefix, volumeName: string): StorageAccess {
  const env: k8s.EnvVar[] = [{ name: `${prefix}${walgPrefixVariable(storage)}`, value: url }];
  if (storage.provider === BackupStorageProvider.S3) {
    if (storage.region) env.push({ name: `${prefix}AWS_REGION`, value: storage.region });
    if (storage.endpoint) {
      // Spilo derives AWS_S3_FORCE_PATH_STYLE from WALE_S3_ENDPOINT's convention (protocol+convention://host) and
      // overwrites any value given directly, so the addressing style is expressed there.
      const [scheme, rest] = storage.endpoint.split('://');
      env.push({ name: `${prefix}AWS_ENDPOINT`, value: storage.endpoint });
      env.push({ name: `${prefix}WALE_S3_ENDPOINT`, value: `${scheme}+${storage.forcePathStyle ? 'path' : 'virtualhost'}://${rest}` });
    } else if (storage.forcePathStyle) {
      env.push({ name: `${prefix}AWS_S3_FORCE_PATH_STYLE`, value: 'true' });
    }
    const sse = storage.serverSideEncryption;
    if (sse?.algorithm) {
      env.push({ name: `${prefix}WALG_S3_SSE`, value: sse.algorithm });
      if (sse.kmsKeyId) env.push({ name: `${prefix}WALG_S3_SSE_KMS_ID`, value: sse.kmsKeyId });
    } else {
      // Without it Spilo adds WALG_S3_SSE=AES256 on AWS.
      env.push({ name: `${prefix}WALG_DISABLE_S3_SSE`, value: 'true' });
    }
  }
  if (storage.provider === BackupStorageProvider.AZURE) env.push({ name: `${prefix}AZURE_STORAGE_ACCOUNT`, value: storage.storageAccount! });
  const credentials = credentialAccess(storage, prefix, volumeName);
  return { ...credentials, env: [...env, ...credentials.env] };
}

/**
 * Environment of WAL-G run directly (the logical backup Job's `wal-g st`), without Spilo in between: the location
 * itself comes from PGAAS_BACKUP_ROOT, so only options and credentials are set here.
 */
export function walgStorageAccess(storage: BackupStorage, volumeName: string): StorageAccess {
  const env: k8s.EnvVar[] = [];
  if (storage.provider === BackupStorageProvider.S3) {
    if (storage.region) env.push({ name: 'AWS_REGION', value: storage.region });
    if (storage.endpoint) env.push({ name: 'AWS_ENDPOINT', value: storage.endpoint });
    // WAL-G's default is virtual-hosted style; "false" is never written.
    if (storage.forcePathStyle) env.push({ name: 'AWS_S3_FORCE_PATH_STYLE', value: 'true' });
    const sse = storage.serverSideEncryption;
    if (sse?.algorithm) {
      env.push({ name: 'WALG_S3_SSE', value: sse.algorithm });
      if (sse.kmsKeyId) env.push({ name: 'WALG_S3_SSE_KMS_ID', value: sse.kmsKeyId });
    }
  }
  if (storage.provider === BackupStorageProvider.AZURE) env.push({ name: 'AZURE_STORAGE_ACCOUNT', value: storage.storageAccount! });
  const credentials = credentialAccess(storage, '', volumeName);
  return { ...credentials, env: [...env, ...credentials.env] };
}

function credentialAccess(storage: BackupStorage, prefix: SpiloEnvPrefix, volumeName: string): StorageAccess {
  const credentials = storage.credentials;
  const ref = (key: string): k8s.EnvVarSource => ({ secretKeyRef: { name: credentials.secretName!, key } });
  switch (credentials.kind) {
    case StorageCredentialsKind.AWS_ACCESS_KEY:
      return access([
        { name: `${prefix}AWS_ACCESS_KEY_ID`, valueFrom: ref(credentials.secretKeys.accessKeyId) },
        { name: `${prefix}AWS_SECRET_ACCESS_KEY`, valueFrom: ref(credentials.secretKeys.secretAccessKey) },
      ]);
    case StorageCredentialsKind.AZURE_ACCESS_KEY:
      return access([{ name: `${prefix}AZURE_STORAGE_ACCESS_KEY`, valueFrom: ref(credentials.secretKeys.accessKey) }]);
    case StorageCredentialsKind.AZURE_SAS_TOKEN:
      return access([{ name: `${prefix}AZURE_STORAGE_SAS_TOKEN`, valueFrom: ref(credentials.secretKeys.sasToken) }]);
    case StorageCredentialsKind.GCS_SERVICE_ACCOUNT_KEY: {
      const dir = `${CREDENTIALS_DIR}/${volumeName}`;
      const key = credentials.secretKeys.serviceAccountKey;
      return {
        env: [{ name: `${prefix}GOOGLE_APPLICATION_CREDENTIALS`, value: `${dir}/${key}` }],
        // Group-readable: the pods run with fsGroup 103 (Spilo's postgres group).
        volumes: [{ name: volumeName, secret: { secretName: credentials.secretName!, items: [{ key, path: key }], defaultMode: 0o440 } }],
        volumeMounts: [{ name: volumeName, mountPath: dir, readOnly: true }],
        serviceAccountAnnotations: {},
      };
    }
    default: {
      const env: k8s.EnvVar[] = [];
      const roleArn = credentials.serviceAccountAnnotations[IRSA_ANNOTATION];
      if (storage.provider === BackupStorageProvider.S3 && roleArn && prefix !== '') {
        // The EKS webhook injects AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE, but Spilo reads the clone and
        // standby locations only from CLONE_/STANDBY_-prefixed names (as postgres-operator sets them).
        env.push({ name: `${prefix}AWS_ROLE_ARN`, value: roleArn });
        env.push({ name: `${prefix}AWS_WEB_IDENTITY_TOKEN_FILE`, value: IRSA_TOKEN_FILE });
      }
      return { env, volumes: [], volumeMounts: [], serviceAccountAnnotations: { ...credentials.serviceAccountAnnotations } };
    }
  }
}

function access(env: k8s.EnvVar[]): StorageAccess {
  return { env, volumes: [], volumeMounts: [], serviceAccountAnnotations: {} };
}

/** Merges accesses; two values for one ServiceAccount annotation are reported through `conflict`. */
export function mergeAccess(parts: StorageAccess[], conflict: (key: string, values: string[]) => void): StorageAccess {
  const annotations: Record<string, string> = {};
  for (const part of parts) {
    for (const [key, value] of Object.entries(part.serviceAccountAnnotations)) {
      if (key in annotations && annotations[key] !== value) conflict(key, [annotations[key], value]);
      else annotations[key] = value;
    }
  }
  return {
    env: parts.flatMap((p) => p.env),
    volumes: parts.flatMap((p) => p.volumes),
    volumeMounts: parts.flatMap((p) => p.volumeMounts),
    serviceAccountAnnotations: annotations,
  };
}
