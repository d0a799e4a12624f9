import { k8s } from 'cdk8s-plus-27';
import { GKE_ANNOTATION, IRSA_ANNOTATION, StorageCredentials, StorageCredentialsKind } from './storage-credentials';
import { normalizePrefix, SpiloEnvPrefix, StorageAccess, validatePrefix } from './storage-env';
import { checkPropTypes, PropSchema } from '../private/runtime-types';
import { Rules, ValidationErrors, validateAnnotationKeys } from '../private/validation';


/** Object storage service of a {@link BackupStorage}. */
export enum BackupStorageProvider {
  /** Amazon S3 or an S3-compatible service (MinIO, Ceph RGW, ...). */
  S3 = 's3',
  /** Google Cloud Storage. */
  GCS = 'gcs',
  /** Azure Blob Storage. */
  AZURE = 'azure',
}

/** Server-side encryption of objects WAL-G writes to S3. */
export class S3ServerSideEncryption {
  /** No server-side encryption requested (WALG_DISABLE_S3_SSE). The bucket's default encryption still applies. */
  public static readonly NONE = new S3ServerSideEncryption(undefined, undefined);
  /** SSE-S3 (WALG_S3_SSE=AES256): Spilo's default on AWS. */
  public static readonly AES256 = new S3ServerSideEncryption('AES256', undefined);

  /** SSE-KMS with the given key (WALG_S3_SSE=aws:kms, WALG_S3_SSE_KMS_ID): a key id, ARN or alias ARN. */
  public static kms(kmsKeyId: string): S3ServerSideEncryption {
    return new S3ServerSideEncryption('aws:kms', kmsKeyId);
  }

  /** WALG_S3_SSE; undefined for none. */
  public readonly algorithm?: string;
  /** WALG_S3_SSE_KMS_ID for SSE-KMS. */
  public readonly kmsKeyId?: string;

  private constructor(algorithm: string | undefined, kmsKeyId: string | undefined) {
    this.algorithm = algorithm;
    this.kmsKeyId = kmsKeyId;
  }

  /**
   * WAL-G's variables (with Spilo's `prefix`); `disableExplicitly` for Spilo, which adds WALG_S3_SSE=AES256 on
   * AWS unless WALG_DISABLE_S3_SSE is set.
   * @internal
   */
  public _env(prefix: SpiloEnvPrefix, disableExplicitly: boolean): k8s.EnvVar[] {
    if (!this.algorithm) return disableExplicitly ? [{ name: `${prefix}WALG_DISABLE_S3_SSE`, value: 'true' }] : [];
    return [
      { name: `${prefix}WALG_S3_SSE`, value: this.algorithm },
      ...this.kmsKeyId ? [{ name: `${prefix}WALG_S3_SSE_KMS_ID`, value: this.kmsKeyId }] : [],
    ];
  }
}

/** Properties of {@link BackupStorage.s3}. */
export interface S3BackupStorageProps {
  /** Bucket name. */
  readonly bucket: string;
  /**
   * Path inside the bucket under which this library writes (`<prefix>/spilo/...`, `<prefix>/logical/...`).
   * @default - the bucket root
   */
  readonly prefix?: string;
  /**
   * AWS region of the bucket (AWS_REGION). Required for AWS: without it Spilo guesses from the instance
   * metadata, which is wrong outside EC2.
   * @default - none; required unless `endpoint` is set
   */
  readonly region?: string;
  /**
   * Endpoint of an S3-compatible service, `https://host[:port]` (AWS_ENDPOINT).
   * @default - AWS S3
   */
  readonly endpoint?: string;
  /**
   * Path-style addressing (`https://host/bucket/key`) instead of virtual-hosted style.
   * @default - true with `endpoint` (what MinIO and Ceph need, and Spilo's default), false for AWS
   */
  readonly forcePathStyle?: boolean;
  /**
   * Server-side encryption WAL-G requests.
   * @default - S3ServerSideEncryption.AES256 for AWS, S3ServerSideEncryption.NONE with `endpoint`
   */
  readonly serverSideEncryption?: S3ServerSideEncryption;
  /** Credentials: `StorageCredentials.awsAccessKey(...)` or `StorageCredentials.workloadIdentity(...)` (IRSA). */
  readonly credentials: StorageCredentials;
}

/** Properties of {@link BackupStorage.gcs}. */
export interface GcsBackupStorageProps {
  /** Bucket name. */
  readonly bucket: string;
  /**
   * Path inside the bucket under which this library writes.
   * @default - the bucket root
   */
  readonly prefix?: string;
  /** Credentials: `StorageCredentials.gcsServiceAccountKey(...)` or `StorageCredentials.workloadIdentity(...)` (GKE). */
  readonly credentials: StorageCredentials;
}

/** Properties of {@link BackupStorage.azure}. */
export interface AzureBackupStorageProps {
  /** Storage account name (AZURE_STORAGE_ACCOUNT). */
  readonly storageAccount: string;
  /** Blob container. */
  readonly container: string;
  /**
   * Path inside the container under which this library writes.
   * @default - the container root
   */
  readonly prefix?: string;
  /** Credentials: `StorageCredentials.azureAccessKey(...)` or `StorageCredentials.azureSasToken(...)`. */
  readonly credentials: StorageCredentials;
}

const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** AWS's reserved bucket name forms (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html). */
function s3BucketReservedProblem(bucket: string): string | undefined {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) return 'must not be formatted as an IP address (S3 bucket naming rules)';
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(bucket)) return 'must not start with "xn--", "sthree-" or "amzn-s3-demo-" (reserved by S3)';
  if (/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(bucket)) return 'must not end with "-s3alias", "--ol-s3", ".mrap", "--x-s3" or "--table-s3" (reserved by S3)';
  return undefined;
}
const GCS_BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;
const AZURE_CONTAINER = /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/;
const AZURE_ACCOUNT = /^[a-z0-9]{3,24}$/;
// Path segments that need no escaping in any of the three URL schemes nor in a shell.
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-[0-9]+$/;
const ANY_REGION = /^[a-z0-9][a-z0-9-]*$/;
const ENDPOINT = /^(https?):\/\/([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(:[0-9]{1,5})?\/?$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
/** Where the EKS pod identity webhook mounts the IRSA token. */
const IRSA_TOKEN_FILE = '/var/run/secrets/eks.amazonaws.com/serviceaccount/token';

/** How one object storage service is addressed; flags are only ever "true" (Spilo reads any non-empty string as true). */
interface StorageService {
  /** The location variable of Spilo and WAL-G: WALG_S3_PREFIX, WALG_GS_PREFIX or WALG_AZ_PREFIX. */
  readonly prefixVariable: string;
  /** Spilo's bucket variable, from which it derives a cluster's own location (WAL_S3_BUCKET, WAL_GS_BUCKET); none for Azure. */
  readonly bucketVariable?: string;
  /** The service's options as Spilo reads them (with its prefix). */
  spiloOptions(prefix: SpiloEnvPrefix): k8s.EnvVar[];
  /** The service's options for WAL-G run directly. */
  walgOptions(): k8s.EnvVar[];
  /** Variables Spilo needs after the credentials' own. */
  spiloIdentity(prefix: SpiloEnvPrefix): k8s.EnvVar[];
}

/**
 * Object storage for continuous archiving (WAL-G base backups and WAL) and for logical backups. Each cluster
 * writes under its own path, built from the namespace and the cluster name, so clusters can share a bucket.
 */
export class BackupStorage {
  /** Amazon S3 or an S3-compatible service. */
  public static s3(props: S3BackupStorageProps): BackupStorage {
    const errors = new ValidationErrors('BackupStorage.s3');
    // Untyped callers: props of the wrong shape are reported before they are used.
    errors.addProblems(checkPropTypes(props, S3_PROPS_SCHEMA));
    errors.throwIfAny();
    if (!S3_BUCKET.test(props.bucket) || props.bucket.includes('..')) {
      errors.add('bucket', props.bucket, 'must be an S3 bucket name: 3 to 63 lowercase letters, digits, \'.\' and \'-\', starting and ending with a letter or digit');
    } else {
      errors.check('bucket', props.bucket, s3BucketReservedProblem(props.bucket));
    }
    validatePrefix(errors, props.prefix);
    if (props.endpoint !== undefined && (!ENDPOINT.test(props.endpoint) || Number(/:([0-9]+)\/?$/.exec(props.endpoint)?.[1] ?? 1) > 65535)) {
      errors.add('endpoint', props.endpoint, 'must be http(s)://host[:port] without a path (Spilo derives WALE_S3_ENDPOINT from it)');
    }
    if (props.region === undefined) {
      if (props.endpoint === undefined) errors.add('region', props.region, 'must be set for AWS S3: without it Spilo guesses the region from the instance metadata, which fails outside EC2');
    } else if (!(props.endpoint === undefined ? AWS_REGION : ANY_REGION).test(props.region)) {
      errors.add('region', props.region, props.endpoint === undefined ? 'must be an AWS region such as eu-central-1' : 'must be lowercase letters, digits and \'-\'');
    }
    const sse = props.serverSideEncryption ?? (props.endpoint === undefined ? S3ServerSideEncryption.AES256 : S3ServerSideEncryption.NONE);
    if (sse.kmsKeyId !== undefined && !/^[A-Za-z0-9:/_+=,.@-]+$/.test(sse.kmsKeyId)) {
      errors.add('serverSideEncryption.kmsKeyId', sse.kmsKeyId, 'must be a KMS key id, key ARN or alias');
    }
    validateCredentials(errors, props.credentials, BackupStorageProvider.S3, [Kind.AWS_ACCESS_KEY, Kind.WORKLOAD_IDENTITY]);
    errors.throwIfAny();
    const endpoint = props.endpoint?.replace(/\/$/, '');
    const forcePathStyle = props.forcePathStyle ?? props.endpoint !== undefined;
    const region = props.region;
    const roleArn = props.credentials.serviceAccountAnnotations[IRSA_ANNOTATION];
    const service: StorageService = {
      prefixVariable: 'WALG_S3_PREFIX',
      bucketVariable: 'WAL_S3_BUCKET',
      spiloOptions: (prefix) => {
        const env: k8s.EnvVar[] = region ? [{ name: `${prefix}AWS_REGION`, value: region }] : [];
        if (endpoint) {
          // Spilo derives AWS_S3_FORCE_PATH_STYLE from WALE_S3_ENDPOINT's convention (protocol+convention://host) and
          // overwrites any value given directly, so the addressing style is expressed there.
          const [scheme, rest] = endpoint.split('://');
          env.push({ name: `${prefix}AWS_ENDPOINT`, value: endpoint });
          env.push({ name: `${prefix}WALE_S3_ENDPOINT`, value: `${scheme}+${forcePathStyle ? 'path' : 'virtualhost'}://${rest}` });
        } else if (forcePathStyle) {
          env.push({ name: `${prefix}AWS_S3_FORCE_PATH_STYLE`, value: 'true' });
        }
        return [...env, ...sse._env(prefix, true)];
      },
      walgOptions: () => [
        ...region ? [{ name: 'AWS_REGION', value: region }] : [],
        ...endpoint ? [{ name: 'AWS_ENDPOINT', value: endpoint }] : [],
        // WAL-G's default is virtual-hosted style; "false" is never written.
        ...forcePathStyle ? [{ name: 'AWS_S3_FORCE_PATH_STYLE', value: 'true' }] : [],
        ...sse._env('', false),
      ],
      // The EKS webhook injects AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE, but Spilo reads the clone and
      // standby locations only from CLONE_/STANDBY_-prefixed names (as postgres-operator sets them).
      spiloIdentity: (prefix) => (roleArn && prefix !== ''
        ? [{ name: `${prefix}AWS_ROLE_ARN`, value: roleArn }, { name: `${prefix}AWS_WEB_IDENTITY_TOKEN_FILE`, value: IRSA_TOKEN_FILE }]
        : []),
    };
    return new BackupStorage(BackupStorageProvider.S3, 's3', props.bucket, normalizePrefix(props.prefix), props.credentials, service, {
      region, endpoint, forcePathStyle, serverSideEncryption: sse,
    });
  }

  /** Google Cloud Storage. */
  public static gcs(props: GcsBackupStorageProps): BackupStorage {
    const errors = new ValidationErrors('BackupStorage.gcs');
    if (!GCS_BUCKET.test(props.bucket) || props.bucket.includes('..')) {
      errors.add('bucket', props.bucket, 'must be a GCS bucket name: 3 to 222 lowercase letters, digits, \'.\', \'_\' and \'-\', starting and ending with a letter or digit');
    }
    validatePrefix(errors, props.prefix);
    validateCredentials(errors, props.credentials, BackupStorageProvider.GCS, [Kind.GCS_SERVICE_ACCOUNT_KEY, Kind.WORKLOAD_IDENTITY]);
    errors.throwIfAny();
    const service: StorageService = { prefixVariable: 'WALG_GS_PREFIX', bucketVariable: 'WAL_GS_BUCKET', spiloOptions: () => [], walgOptions: () => [], spiloIdentity: () => [] };
    return new BackupStorage(BackupStorageProvider.GCS, 'gs', props.bucket, normalizePrefix(props.prefix), props.credentials, service, {});
  }

  /** Azure Blob Storage. */
  public static azure(props: AzureBackupStorageProps): BackupStorage {
    const errors = new ValidationErrors('BackupStorage.azure');
    if (!AZURE_ACCOUNT.test(props.storageAccount)) errors.add('storageAccount', props.storageAccount, 'must be an Azure storage account name: 3 to 24 lowercase letters and digits');
    if (!AZURE_CONTAINER.test(props.container)) {
      errors.add('container', props.container, 'must be an Azure container name: 3 to 63 lowercase letters, digits and \'-\', starting and ending with a letter or digit, no \'--\'');
    }
    validatePrefix(errors, props.prefix);
    validateCredentials(errors, props.credentials, BackupStorageProvider.AZURE, [Kind.AZURE_ACCESS_KEY, Kind.AZURE_SAS_TOKEN]);
    errors.throwIfAny();
    const account = (prefix: SpiloEnvPrefix): k8s.EnvVar[] => [{ name: `${prefix}AZURE_STORAGE_ACCOUNT`, value: props.storageAccount }];
    const service: StorageService = { prefixVariable: 'WALG_AZ_PREFIX', spiloOptions: account, walgOptions: () => account(''), spiloIdentity: () => [] };
    return new BackupStorage(BackupStorageProvider.AZURE, 'azure', props.container, normalizePrefix(props.prefix), props.credentials, service,
      { storageAccount: props.storageAccount });
  }

  /** AWS region (S3). */
  public readonly region?: string;
  /** Endpoint of an S3-compatible service, without a trailing '/'. */
  public readonly endpoint?: string;
  /** Path-style addressing (S3). */
  public readonly forcePathStyle: boolean;
  /** Server-side encryption (S3). */
  public readonly serverSideEncryption?: S3ServerSideEncryption;
  /** Storage account (Azure). */
  public readonly storageAccount?: string;

  private constructor(
    /** The object storage service. */
    public readonly provider: BackupStorageProvider,
    /** URL scheme WAL-G uses for it: s3, gs or azure. */
    public readonly scheme: string,
    /** Bucket (S3, GCS) or container (Azure). */
    public readonly bucket: string,
    /** Path inside the bucket, without leading or trailing '/'; empty for the root. */
    public readonly prefix: string,
    /** How WAL-G authenticates. */
    public readonly credentials: StorageCredentials,
    private readonly service: StorageService,
    options: { region?: string; endpoint?: string; forcePathStyle?: boolean; serverSideEncryption?: S3ServerSideEncryption; storageAccount?: string },
  ) {
    this.region = options.region;
    this.endpoint = options.endpoint;
    this.forcePathStyle = options.forcePathStyle ?? false;
    this.serverSideEncryption = options.serverSideEncryption;
    this.storageAccount = options.storageAccount;
  }

  /** The WAL-G URL of a path under this storage's prefix: `<scheme>://<bucket>[/<prefix>]/<segments...>`. */
  public url(...segments: string[]): string {
    return [`${this.scheme}://${this.bucket}`, ...this.prefix ? [this.prefix] : [], ...segments].join('/');
  }

  /**
   * A cluster's WAL-G archive location: `<scheme>://<bucket>[/<prefix>]/spilo/<namespace>/<cluster>/wal[/<major>]`
   * (see SpiloBackup.archivePrefix).
   * @internal
   */
  public _spiloArchive(namespace: string, clusterName: string, postgresVersion?: number): string {
    return this.url('spilo', namespace, clusterName, 'wal', ...postgresVersion === undefined ? [] : [String(postgresVersion)]);
  }

  /**
   * Spilo's variables for a cluster's own archive. For S3 and GCS the location is not written out: Spilo derives it
   * (configure_spilo.py write_wale_environment) as `<scheme>://{WAL_*_BUCKET}/spilo/{WAL_BUCKET_SCOPE_PREFIX}{SCOPE}/wal/{PGVERSION}`
   * with PGVERSION the major of the binaries it picked for the data directory it starts on (PG_VERSION), so the
   * path is that of the major actually running, never the one declared: after `postgresVersion` is raised the
   * old major keeps archiving into its own path until the upgrade switches it (Spilo's inplace_upgrade.py
   * rewrites the `/spilo/.../wal/<major>` prefix once the new major runs). The result is the same path as
   * {@link _spiloArchive}. Azure: Spilo cannot derive it (its template names an `az://` scheme and a bucket variable
   * it never reads), so the location is explicit, with the declared major (`followsDataDirectory` false).
   * @internal
   */
  public _spiloOwnArchive(
    namespace: string, clusterName: string, postgresVersion: number, volumeName: string,
  ): { access: StorageAccess; followsDataDirectory: boolean } {
    if (!this.service.bucketVariable) {
      return { access: this._spiloAccess(this._spiloArchive(namespace, clusterName, postgresVersion), '', volumeName), followsDataDirectory: false };
    }
    const credentials = this.credentials._access('', volumeName);
    const env: k8s.EnvVar[] = [
      // Spilo formats '<scheme>://{bucket}/spilo/...': the bucket variable may carry the storage's prefix.
      { name: this.service.bucketVariable, value: [this.bucket, ...this.prefix ? [this.prefix] : []].join('/') },
      // Spilo's default is '<namespace>-'; a separate path segment keeps namespaces apart as before.
      { name: 'WAL_BUCKET_SCOPE_PREFIX', value: `${namespace}/` },
      ...this.service.spiloOptions(''),
      ...credentials.env,
      ...this.service.spiloIdentity(''),
    ];
    return { access: { ...credentials, env }, followsDataDirectory: true };
  }

  /**
   * Spilo's variables for the WAL-G location `url` (configure_spilo.py write_wale_environment, which reads every
   * name with the given prefix): the explicit WALG_*_PREFIX, the service's options and the credentials.
   * @internal
   */
  public _spiloAccess(url: string, prefix: SpiloEnvPrefix, volumeName: string): StorageAccess {
    const credentials = this.credentials._access(prefix, volumeName);
    return {
      ...credentials,
      env: [
        { name: `${prefix}${this.service.prefixVariable}`, value: url },
        ...this.service.spiloOptions(prefix),
        ...credentials.env,
        ...this.service.spiloIdentity(prefix),
      ],
    };
  }

  /**
   * Environment of WAL-G run directly (the logical backup Job's `wal-g st`), without Spilo in between: the
   * location itself comes from PGAAS_BACKUP_ROOT, so only options and credentials are set here.
   * @internal
   */
  public _walgAccess(volumeName: string): StorageAccess {
    const credentials = this.credentials._access('', volumeName);
    return { ...credentials, env: [...this.service.walgOptions(), ...credentials.env] };
  }
}

const Kind = StorageCredentialsKind;

/** The rules a storage service sets for its credentials. */
function validateCredentials(
  errors: ValidationErrors,
  credentials: StorageCredentials,
  provider: BackupStorageProvider,
  allowed: StorageCredentialsKind[],
): void {
  if (!allowed.includes(credentials.kind)) {
    const hint = provider === BackupStorageProvider.AZURE && credentials.kind === StorageCredentialsKind.WORKLOAD_IDENTITY
      ? ': Spilo writes only AZURE_STORAGE_ACCESS_KEY, AZURE_STORAGE_SAS_TOKEN or a client secret into WAL-G\'s environment, not the federated token file of Azure workload identity'
      : '';
    errors.add('credentials', credentials.kind, `must be one of ${allowed.join(', ')} for ${provider}${hint}`);
  }
  if (credentials.secretName !== undefined) errors.check('credentials.secretName', credentials.secretName, Rules.dns1123Subdomain(credentials.secretName));
  for (const key of Object.values(credentials.secretKeys)) {
    if (!SECRET_KEY.test(key)) errors.add('credentials key', key, 'must be a Secret key: alphanumerics, \'-\', \'_\' or \'.\'');
  }
  if (credentials.kind === StorageCredentialsKind.WORKLOAD_IDENTITY) {
    validateAnnotationKeys(errors, 'credentials.serviceAccountAnnotations', credentials.serviceAccountAnnotations);
    const required = provider === BackupStorageProvider.S3 ? IRSA_ANNOTATION : GKE_ANNOTATION;
    const value = credentials.serviceAccountAnnotations[required];
    if (allowed.includes(credentials.kind) && !value) {
      errors.add('credentials.serviceAccountAnnotations', credentials.serviceAccountAnnotations, `must contain "${required}" for ${provider}`);
    }
    if (provider === BackupStorageProvider.S3 && value && !/^arn:aws[a-z-]*:iam::[0-9]{12}:role\/[\w+=,.@/-]+$/.test(value)) {
      errors.add(`credentials.serviceAccountAnnotations["${IRSA_ANNOTATION}"]`, value, 'must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)');
    }
  }
}

/** {@link S3BackupStorageProps} at run time. */
const S3_PROPS_SCHEMA: PropSchema = {
  required: ['bucket', 'credentials'],
  types: {
    bucket: 'string',
    prefix: 'string',
    region: 'string',
    endpoint: 'string',
    forcePathStyle: 'boolean',
    serverSideEncryption: { instanceOf: S3ServerSideEncryption, example: 'S3ServerSideEncryption.AES256 / NONE / kms(keyId)' },
    credentials: { instanceOf: StorageCredentials, example: 'StorageCredentials.awsAccessKey(...) / workloadIdentity(...)' },
  },
};
