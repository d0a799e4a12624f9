import { k8s } from 'cdk8s-plus-27';
import { envAccess, SpiloEnvPrefix, StorageAccess } from './storage-env';

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
export const IRSA_ANNOTATION = 'eks.amazonaws.com/role-arn';
/** Annotation of GKE Workload Identity. */
export const GKE_ANNOTATION = 'iam.gke.io/gcp-service-account';

/** Parent of the mounted credential files (not under /run, which Spilo owns). */
const CREDENTIALS_DIR = '/etc/pgaas';

/** What one kind of credentials gives a container: `prefix` is Spilo's, `volumeName` names a mounted key file. */
type AccessRenderer = (prefix: SpiloEnvPrefix, volumeName: string) => StorageAccess;

/**
 * How WAL-G authenticates to the object storage: keys from a Secret (the bundle only references it), or the
 * workload identity of the pod's ServiceAccount. The library never synthesizes a credential value.
 */
export class StorageCredentials {
  /** An AWS access key from a Secret (S3 and S3-compatible services). */
  public static awsAccessKey(secretName: string, options: AwsAccessKeyOptions = {}): StorageCredentials {
    const keys = { accessKeyId: options.accessKeyIdKey ?? 'AWS_ACCESS_KEY_ID', secretAccessKey: options.secretAccessKeyKey ?? 'AWS_SECRET_ACCESS_KEY' };
    return new StorageCredentials(StorageCredentialsKind.AWS_ACCESS_KEY, secretName, keys, {}, (prefix) => envAccess([
      { name: `${prefix}AWS_ACCESS_KEY_ID`, valueFrom: secretRef(secretName, keys.accessKeyId) },
      { name: `${prefix}AWS_SECRET_ACCESS_KEY`, valueFrom: secretRef(secretName, keys.secretAccessKey) },
    ]));
  }

  /** A Google service account key file (JSON) from a Secret, mounted as a file (GOOGLE_APPLICATION_CREDENTIALS). */
  public static gcsServiceAccountKey(secretName: string, options: SecretCredentialKeyOptions = {}): StorageCredentials {
    const key = options.key ?? 'key.json';
    const keys = { serviceAccountKey: key };
    return new StorageCredentials(StorageCredentialsKind.GCS_SERVICE_ACCOUNT_KEY, secretName, keys, {}, (prefix, volumeName) => {
      const dir = `${CREDENTIALS_DIR}/${volumeName}`;
      return {
        env: [{ name: `${prefix}GOOGLE_APPLICATION_CREDENTIALS`, value: `${dir}/${key}` }],
        // Group-readable: the pods run with fsGroup 103 (Spilo's postgres group).
        volumes: [{ name: volumeName, secret: { secretName, items: [{ key, path: key }], defaultMode: 0o440 } }],
        volumeMounts: [{ name: volumeName, mountPath: dir, readOnly: true }],
        serviceAccountAnnotations: {},
      };
    });
  }

  /** An Azure storage account access key from a Secret (AZURE_STORAGE_ACCESS_KEY). */
  public static azureAccessKey(secretName: string, options: SecretCredentialKeyOptions = {}): StorageCredentials {
    const key = options.key ?? 'AZURE_STORAGE_ACCESS_KEY';
    return new StorageCredentials(StorageCredentialsKind.AZURE_ACCESS_KEY, secretName, { accessKey: key }, {},
      (prefix) => envAccess([{ name: `${prefix}AZURE_STORAGE_ACCESS_KEY`, valueFrom: secretRef(secretName, key) }]));
  }

  /** An Azure shared access signature from a Secret (AZURE_STORAGE_SAS_TOKEN). */
  public static azureSasToken(secretName: string, options: SecretCredentialKeyOptions = {}): StorageCredentials {
    const key = options.key ?? 'AZURE_STORAGE_SAS_TOKEN';
    return new StorageCredentials(StorageCredentialsKind.AZURE_SAS_TOKEN, secretName, { sasToken: key }, {},
      (prefix) => envAccess([{ name: `${prefix}AZURE_STORAGE_SAS_TOKEN`, valueFrom: secretRef(secretName, key) }]));
  }

  /**
   * The workload identity of the pod's ServiceAccount: the annotations go on the ServiceAccount (for a cluster,
   * the Patroni ServiceAccount). EKS IRSA (`eks.amazonaws.com/role-arn`) for S3 and GKE Workload Identity
   * (`iam.gke.io/gcp-service-account`) for GCS. Not available for Azure: Spilo does not pass Azure workload
   * identity's token file to WAL-G.
   */
  public static workloadIdentity(options: WorkloadIdentityOptions): StorageCredentials {
    const annotations = { ...options.serviceAccountAnnotations };
    return new StorageCredentials(StorageCredentialsKind.WORKLOAD_IDENTITY, undefined, {}, annotations,
      () => ({ env: [], volumes: [], volumeMounts: [], serviceAccountAnnotations: { ...annotations } }));
  }

  /** How these credentials authenticate. */
  public readonly kind: StorageCredentialsKind;
  /** The Secret holding the credentials (not for workload identity). */
  public readonly secretName?: string;
  /** Keys in the Secret, by role: accessKeyId, secretAccessKey, serviceAccountKey, accessKey or sasToken. */
  public readonly secretKeys: Record<string, string>;
  /** Annotations for the ServiceAccount (workload identity only). */
  public readonly serviceAccountAnnotations: Record<string, string>;
  private readonly renderAccess: AccessRenderer;

  private constructor(
    kind: StorageCredentialsKind,
    secretName: string | undefined,
    secretKeys: Record<string, string>,
    annotations: Record<string, string>,
    renderAccess: AccessRenderer,
  ) {
    this.kind = kind;
    this.secretName = secretName;
    this.secretKeys = secretKeys;
    this.serviceAccountAnnotations = annotations;
    this.renderAccess = renderAccess;
  }

  /**
   * What a container needs to authenticate: variables (named with Spilo's `prefix`) from the Secret, a mounted key
   * file (volume `volumeName`), or the ServiceAccount annotations of workload identity.
   * @internal
   */
  public _access(prefix: SpiloEnvPrefix, volumeName: string): StorageAccess {
    return this.renderAccess(prefix, volumeName);
  }
}

function secretRef(name: string, key: string): k8s.EnvVarSource {
  return { secretKeyRef: { name, key } };
}
