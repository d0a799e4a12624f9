import { ApiObjectMetadata, Duration } from 'cdk8s';
import { ExternalSecretProps } from './external-secret';
import { AlternatingUsersSpec, GeneratedSecretSpec, rotationProblem } from './secret-generator-script';
import { check, Problem, Rules, Validated } from '../private/validation';

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

/** How a rotation of generated credentials replaces the password. */
export enum RotationStrategy {
  /**
   * The role's one password is replaced in place. PostgreSQL has one password per role, so between
   * PostgreSQL taking the new password and a client reading it, that client's new logins are refused
   * (measured: 1 or 2 refused attempts of a client reconnecting every 200 ms). Existing sessions are kept.
   */
  SINGLE_USER = 'single-user',
  /**
   * Two login roles, `<role>_a` and `<role>_b`, members of the declared role (which becomes NOLOGIN and
   * keeps owning every object: their sessions run `SET role` to it). The Secret holds the pair of the
   * active login; a rotation gives the inactive login a new password, waits until PostgreSQL accepts it,
   * and only then switches the Secret's `username` and `password` to it in one guarded write. The
   * previous pair keeps working until the next rotation, so a client holding either pair logs in.
   */
  ALTERNATING_USERS = 'alternating-users',
}

/** Options of {@link Credentials.generated}. */
export interface GeneratedCredentialsOptions {
  /**
   * Name of the Secret to create.
   * @default "<user>.<cluster>.credentials.postgresql.acid.zalan.do" (postgres-operator's pattern)
   */
  readonly secretName?: string;
  /**
   * Rotation generation of the password. Raise it (0 -> 1 -> 2 ...) in code to rotate: the secret
   * generator Job of that revision writes a new password into the existing Secret and records the
   * number in its `cdk8s-pgaas/rotation` annotation; the same number never rotates twice. PostgreSQL
   * follows through the cluster's `passwordSync`. The superuser and replication passwords cannot be
   * rotated this way (Spilo hands them to Patroni as environment variables fixed at pod start).
   * @default 0
   */
  readonly rotation?: number;
  /**
   * How a rotation replaces the password. `RotationStrategy.ALTERNATING_USERS` (declared login roles
   * only, with `passwordSync`) gives zero refused logins: see the README, "Day 2: passwords". The Secret
   * then also holds `username-a`/`password-a` and `username-b`/`password-b` (the two logins); apps use
   * `username` and `password`, which always hold the active pair.
   * @default RotationStrategy.SINGLE_USER
   */
  readonly rotationStrategy?: RotationStrategy;
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

/** Where a role's name and password are: the Secret and its keys. */
export interface ResolvedCredentials {
  /** Name of the Secret. */
  readonly secretName: string;
  /** Key of the user name in the Secret. */
  readonly usernameKey: string;
  /** Key of the password in the Secret. */
  readonly passwordKey: string;
}

/**
 * Where the password of a PostgreSQL role comes from. The bundle never contains a password: it is
 * generated in the cluster (once, and again only when its declared `rotation` is raised), referenced
 * in an existing Secret, or fetched by the External Secrets Operator.
 */
export class Credentials {
  /** Generated in the cluster by the secret generator Job: created when missing, replaced only when `rotation` is raised. */
  public static generated(options: GeneratedCredentialsOptions = {}): Credentials {
    return new Credentials(CredentialsSource.GENERATED, options.secretName, 'username', 'password', undefined, options.rotation, options.rotationStrategy);
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
    /** Rotation generation of generated credentials (0 = never rotated). */
    public readonly rotation: number = 0,
    /** How a rotation replaces the password (generated credentials). */
    public readonly rotationStrategy: RotationStrategy = RotationStrategy.SINGLE_USER,
  ) {}

  /** The credentials with the cluster's default Secret name applied. */
  public resolve(defaultSecretName: string): ResolvedCredentials {
    return {
      secretName: this.secretName ?? defaultSecretName,
      usernameKey: this.usernameKey,
      passwordKey: this.passwordKey,
    };
  }

  /** Whether a rotation alternates between two login roles (generated credentials only). */
  public get alternatingUsers(): boolean {
    return this.source === CredentialsSource.GENERATED && this.rotationStrategy === RotationStrategy.ALTERNATING_USERS;
  }

  /**
   * The credentials of `user` resolved, with what the bundle must add for their Secret to exist:
   * a Secret for the secret generator (generated), an ExternalSecret (External Secrets Operator),
   * or nothing (an existing Secret). Problems name the options of these credentials (`secretName`,
   * `usernameKey`, `passwordKey`, `secretStoreName`, `remoteKey`): prefix them with the property
   * that holds the credentials.
   *
   * @internal
   */
  public _bind(user: string, defaultSecretName: string, options: CredentialsBindOptions = {}): Validated<CredentialsBinding> {
    const credentials = this.resolve(defaultSecretName);
    const external = this.external;
    const problems: Problem[] = [
      ...(this.secretName !== undefined ? check('secretName', this.secretName, Rules.dns1123Subdomain(this.secretName)) : []),
      ...check('usernameKey', this.usernameKey, secretKeyProblem(this.usernameKey)),
      ...check('passwordKey', this.passwordKey, secretKeyProblem(this.passwordKey)),
      ...(external ? check('secretStoreName', external.secretStoreName, Rules.dns1123Subdomain(external.secretStoreName)) : []),
      ...(external ? check('remoteKey', external.remoteKey, external.remoteKey.trim() === '' ? 'must not be empty' : undefined) : []),
      ...check('rotation', this.rotation, rotationProblem(this.rotation)),
      ...check('rotationStrategy', this.rotationStrategy, enumProblem(RotationStrategy, this.rotationStrategy)),
      ...(external?.secretStoreKind !== undefined ? check('secretStoreKind', external.secretStoreKind, enumProblem(SecretStoreKind, external.secretStoreKind)) : []),
    ];
    const generatedSecret: GeneratedSecretSpec | undefined = this.source === CredentialsSource.GENERATED
      ? {
        name: credentials.secretName,
        username: user,
        labels: options.secretLabels,
        ...(this.rotation ? { rotation: this.rotation } : {}),
        ...(this.alternatingUsers && options.loginCheck ? { alternatingUsers: options.loginCheck } : {}),
      }
      : undefined;
    const externalSecret: ExternalSecretProps | undefined = external && {
      metadata: { ...options.externalSecretMetadata, name: credentials.secretName },
      secretStoreRef: { name: external.secretStoreName, kind: external.secretStoreKind ?? SecretStoreKind.SECRET_STORE },
      refreshInterval: `${external.refreshInterval?.toSeconds() ?? 3600}s`,
      // The role name is fixed by the declaration; only the password comes from the store.
      target: { name: credentials.secretName, templateData: { [this.usernameKey]: user, [this.passwordKey]: '{{ .password }}' } },
      data: [{ secretKey: 'password', remoteRef: { key: external.remoteKey, property: external.passwordProperty } }],
    };
    return { value: { credentials, generatedSecret, externalSecret }, problems };
  }
}

/** Internal: options of {@link Credentials._bind} (not exported from src/index.ts). */
export interface CredentialsBindOptions {
  /** Labels of the Secret the secret generator creates. @default - none */
  readonly secretLabels?: Record<string, string>;
  /** Metadata of the ExternalSecret (its name is always the Secret's). @default - the name only */
  readonly externalSecretMetadata?: ApiObjectMetadata;
  /** With alternating users: where the generator checks that PostgreSQL accepts a new login. @default - none */
  readonly loginCheck?: AlternatingUsersSpec;
}

/** Internal: a role's credentials and what the bundle adds for them (not exported from src/index.ts). */
export interface CredentialsBinding {
  /** The credentials with every default applied, as `IPostgresCluster.userCredentials` returns them. */
  readonly credentials: ResolvedCredentials;
  /** Generated credentials: the Secret to pass to `SecretGenerator.addSecret`. */
  readonly generatedSecret?: GeneratedSecretSpec;
  /** External Secrets Operator credentials: the props of the `ExternalSecret` to add. */
  readonly externalSecret?: ExternalSecretProps;
}

/** The rule of an enum-like option given by an untyped caller (JavaScript, or a string through jsii). */
function enumProblem(values: Record<string, string>, value: unknown): string | undefined {
  return (Object.values(values) as unknown[]).includes(value) ? undefined : `must be one of ${Object.values(values).join(', ')}`;
}

function secretKeyProblem(key: string): string | undefined {
  return Rules.secretKey(key);
}

