import { Duration } from 'cdk8s';

/** Where a role's password comes from. */
export enum CredentialsSource {
  /** Generated once, in the cluster, by the secret generator Job. */
  GENERATED = 'generated',
  /** An existing Secret (Sealed Secrets, SOPS, created by hand, ...). */
  EXISTING_SECRET = 'existing-secret',
  /** A Secret the External Secrets Operator creates from an `ExternalSecret` the bundle contains. */
  EXTERNAL_SECRET = 'external-secret',
}

/** Kind of the External Secrets Operator store. */
export enum SecretStoreKind {
  SECRET_STORE = 'SecretStore',
  CLUSTER_SECRET_STORE = 'ClusterSecretStore',
}

/** Options of {@link Credentials.generated}. */
export interface GeneratedCredentialsOptions {
  /**
   * Name of the Secret to create.
   * @default "<user>.<cluster>.credentials.postgresql.acid.zalan.do" (postgres-operator's pattern)
   */
  readonly secretName?: string;
}

/** Options of {@link Credentials.fromSecret}. */
export interface ExistingSecretOptions {
  /**
   * Key of the user name in the Secret.
   * @default "username"
   */
  readonly usernameKey?: string;
  /**
   * Key of the password in the Secret.
   * @default "password"
   */
  readonly passwordKey?: string;
}

/** Options of {@link Credentials.fromExternalSecret}. */
export interface ExternalSecretCredentialsOptions {
  /** Name of the SecretStore or ClusterSecretStore. */
  readonly secretStoreName: string;
  /**
   * Kind of the store.
   * @default SecretStoreKind.SECRET_STORE
   */
  readonly secretStoreKind?: SecretStoreKind;
  /** Key of the secret in the external store (`remoteRef.key`). */
  readonly remoteKey: string;
  /**
   * Property of the external secret holding the password (`remoteRef.property`).
   * @default - the whole value of the key is the password
   */
  readonly passwordProperty?: string;
  /**
   * How often the operator refreshes the Secret.
   * @default Duration.hours(1)
   */
  readonly refreshInterval?: Duration;
  /**
   * Name of the Kubernetes Secret the operator writes.
   * @default "<user>.<cluster>.credentials.postgresql.acid.zalan.do"
   */
  readonly secretName?: string;
}

/** A role's credentials with every default applied. */
export interface ResolvedCredentials {
  readonly source: CredentialsSource;
  readonly secretName: string;
  readonly usernameKey: string;
  readonly passwordKey: string;
  readonly external?: ExternalSecretCredentialsOptions;
}

/**
 * Where the password of a PostgreSQL role comes from. The bundle never contains a password: it is
 * generated in the cluster (once, never regenerated), referenced in an existing Secret, or fetched
 * by the External Secrets Operator.
 */
export class Credentials {
  /** Generated in the cluster by the secret generator Job: created when missing, never touched when present. */
  public static generated(options: GeneratedCredentialsOptions = {}): Credentials {
    return new Credentials(CredentialsSource.GENERATED, options.secretName, 'username', 'password');
  }

  /** An existing Secret (Sealed Secrets, SOPS, ...). */
  public static fromSecret(secretName: string, options: ExistingSecretOptions = {}): Credentials {
    return new Credentials(CredentialsSource.EXISTING_SECRET, secretName, options.usernameKey ?? 'username', options.passwordKey ?? 'password');
  }

  /** A Secret written by the External Secrets Operator from an `ExternalSecret` the bundle contains. */
  public static fromExternalSecret(options: ExternalSecretCredentialsOptions): Credentials {
    return new Credentials(CredentialsSource.EXTERNAL_SECRET, options.secretName, 'username', 'password', options);
  }

  private constructor(
    public readonly source: CredentialsSource,
    /** The Secret name, when given (otherwise the cluster derives it). */
    public readonly secretName: string | undefined,
    public readonly usernameKey: string,
    public readonly passwordKey: string,
    private readonly external?: ExternalSecretCredentialsOptions,
  ) {}

  /** The credentials with the cluster's default Secret name applied. */
  public resolve(defaultSecretName: string): ResolvedCredentials {
    return {
      source: this.source,
      secretName: this.secretName ?? defaultSecretName,
      usernameKey: this.usernameKey,
      passwordKey: this.passwordKey,
      external: this.external,
    };
  }
}
