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

/** How {@link StorageCredentials} authenticate. */
export enum StorageCredentialsKind {
  /** An AWS access key id and secret access key from a Secret. */
  AWS_ACCESS_KEY = 'aws-access-key',
  /** A Google service account key (JSON) file mounted from a Secret. */
  GCS_SERVICE_ACCOUNT_KEY = 'gcs-service-account-key',
  /** An Azure storage account access key from a Secret. */
  AZURE_ACCESS_KEY = 'azure-access-key',
  /** An Azure shared access signature (SAS) token from a Secret. */
  AZURE_SAS_TOKEN = 'azure-sas-token',
  /** The pod's Kubernetes ServiceAccount, federated with the cloud's IAM (IRSA, GKE Workload Identity). */
  WORKLOAD_IDENTITY = 'workload-identity',
}

/** Keys of {@link StorageCredentials.awsAccessKey}. */
export interface AwsAccessKeyOptions {
  /**
   * Key of the access key id in the Secret.
   * @default "AWS_ACCESS_KEY_ID"
   */
  readonly accessKeyIdKey?: string;
  /**
   * Key of the secret access key in the Secret.
   * @default "AWS_SECRET_ACCESS_KEY"
   */
  readonly secretAccessKeyKey?: string;
}

/** The key of a single-value credential in a Secret. */
export interface SecretCredentialKeyOptions {
  /**
   * Key in the Secret.
   * @default - "key.json" for a Google service account key, "AZURE_STORAGE_ACCESS_KEY" for an Azure access key,
   * "AZURE_STORAGE_SAS_TOKEN" for an Azure SAS token
   */
  readonly key?: string;
}

/** Options of {@link StorageCredentials.workloadIdentity}. */
export interface WorkloadIdentityOptions {
  /**
   * Annotations of the ServiceAccount that federate it with the cloud's IAM: `eks.amazonaws.com/role-arn`
   * (EKS IRSA) for S3, `iam.gke.io/gcp-service-account` (GKE Workload Identity) for Google Cloud Storage.
   */
  readonly serviceAccountAnnotations: Record<string, string>;
}

/** Annotation of EKS IAM Roles for Service Accounts. */
const IRSA_ANNOTATION = 'eks.amazonaws.com/role-arn';
/** Annotation of GKE Workload Identity. */
const GKE_ANNOTATION = 'iam.gke.io/gcp-service-account';

/**
 * How WAL-G authenticates to the object storage: keys from a Secret (the bundle only references it), or the
 * workload identity of the pod's ServiceAccount. The library never synthesizes a credential value.
 */
export class StorageCredentials {
  /** An AWS access key from a Secret (S3 and S3-compatible services). */
  public static awsAccessKey(secretName: string, options: AwsAccessKeyOptions = {}): StorageCredentials {
    return new StorageCredentials(StorageCredentialsKind.AWS_ACCESS_KEY, secretName, {
      accessKeyId: options.accessKeyIdKey ?? 'AWS_ACCESS_KEY_ID',
      secretAccessKey: options.secretAccessKeyKey ?? 'AWS_SECRET_ACCESS_KEY',
    }, {});
  }

  /** A Google service account key file (JSON) from a Secret, mounted as a file (GOOGLE_APPLICATION_CREDENTIALS). */
  public static gcsServiceAccountKey(secretName: string, options: SecretCredentialKeyOptions = {}): StorageCredentials {
    return new StorageCredentials(StorageCredentialsKind.GCS_SERVICE_ACCOUNT_KEY, secretName, { serviceAccountKey: options.key ?? 'key.json' }, {});
  }

  /** An Azure storage account access key from a Secret (AZURE_STORAGE_ACCESS_KEY). */
  public static azureAccessKey(secretName: string, options: SecretCredentialKeyOptions = {}): StorageCredentials {
    return new StorageCredentials(StorageCredentialsKind.AZURE_ACCESS_KEY, secretName, { accessKey: options.key ?? 'AZURE_STORAGE_ACCESS_KEY' }, {});
  }

  /** An Azure shared access signature from a Secret (AZURE_STORAGE_SAS_TOKEN). */
  public static azureSasToken(secretName: string, options: SecretCredentialKeyOptions = {}): StorageCredentials {
    return new StorageCredentials(StorageCredentialsKind.AZURE_SAS_TOKEN, secretName, { sasToken: options.key ?? 'AZURE_STORAGE_SAS_TOKEN' }, {});
  }

  /**
   * The workload identity of the pod's ServiceAccount: the annotations go on the ServiceAccount (for a cluster,
   * the Patroni ServiceAccount). EKS IRSA (`eks.amazonaws.com/role-arn`) for S3 and GKE Workload Identity
   * (`iam.gke.io/gcp-service-account`) for GCS. Not available for Azure: Spilo does not pass Azure workload
   * identity's token file to WAL-G.
   */
  public static workloadIdentity(options: WorkloadIdentityOptions): StorageCredentials {
    return new StorageCredentials(StorageCredentialsKind.WORKLOAD_IDENTITY, undefined, {}, { ...options.serviceAccountAnnotations });
  }

  /** How these credentials authenticate. */
  public readonly kind: StorageCredentialsKind;
  /** The Secret holding the credentials (not for workload identity). */
  public readonly secretName?: string;
  /** Keys in the Secret, by role: accessKeyId, secretAccessKey, serviceAccountKey, accessKey or sasToken. */
  public readonly secretKeys: Record<string, string>;
  /** Annotations for the ServiceAccount (workload identity only). */
  public readonly serviceAccountAnnotations: Record<string, string>;

  private constructor(
    kind: StorageCredentialsKind,
    secretName: string | undefined,
    secretKeys: Record<string, string>,
    annotations: Record<string, string>,
  ) {
    this.kind = kind;
    this.secretName = secretName;
    this.secretKeys = secretKeys;
    this.serviceAccountAnnotations = annotations;
  }
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
const GCS_BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;
const AZURE_CONTAINER = /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/;
const AZURE_ACCOUNT = /^[a-z0-9]{3,24}$/;
// Path segments that need no escaping in any of the three URL schemes nor in a shell.
const PREFIX_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-[0-9]+$/;
const ANY_REGION = /^[a-z0-9][a-z0-9-]*$/;
const ENDPOINT = /^(https?):\/\/([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(:[0-9]{1,5})?\/?$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * Object storage for continuous archiving (WAL-G base backups and WAL) and for logical backups. Each cluster
 * writes under its own path, built from the namespace and the cluster name, so clusters can share a bucket.
 */
export class BackupStorage {
  /** Amazon S3 or an S3-compatible service. */
  public static s3(props: S3BackupStorageProps): BackupStorage {
    const errors = new ValidationErrors('BackupStorage.s3');
    if (!S3_BUCKET.test(props.bucket) || props.bucket.includes('..')) {
      errors.add('bucket', props.bucket, 'must be an S3 bucket name: 3 to 63 lowercase letters, digits, \'.\' and \'-\', starting and ending with a letter or digit');
    }
    validatePrefix(errors, props.prefix);
    if (props.endpoint !== undefined && !ENDPOINT.test(props.endpoint)) {
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
    return new BackupStorage(BackupStorageProvider.S3, 's3', props.bucket, normalizePrefix(props.prefix), props.credentials, {
      region: props.region,
      endpoint: props.endpoint?.replace(/\/$/, ''),
      forcePathStyle: props.forcePathStyle ?? props.endpoint !== undefined,
      serverSideEncryption: sse,
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
    return new BackupStorage(BackupStorageProvider.GCS, 'gs', props.bucket, normalizePrefix(props.prefix), props.credentials, {});
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
    return new BackupStorage(BackupStorageProvider.AZURE, 'azure', props.container, normalizePrefix(props.prefix), props.credentials, { storageAccount: props.storageAccount });
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
}

function validatePrefix(errors: ValidationErrors, prefix: string | undefined): void {
  if (prefix === undefined) return;
  const segments = normalizePrefix(prefix).split('/');
  if (normalizePrefix(prefix) === '' || segments.some((s) => !PREFIX_SEGMENT.test(s) || s === '..' || s === '.')) {
    errors.add('prefix', prefix, 'must be a path of segments made of letters, digits, \'.\', \'_\' and \'-\' separated by \'/\' (each starting with a letter or digit)');
  }
}

function normalizePrefix(prefix: string | undefined): string {
  return (prefix ?? '').replace(/^\/+|\/+$/g, '');
}

const Kind = StorageCredentialsKind;

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
  if (credentials.secretName !== undefined) {
    const problem = Rules.dns1123Subdomain(credentials.secretName);
    if (problem) errors.add('credentials.secretName', credentials.secretName, problem);
  }
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
