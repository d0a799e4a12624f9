import { PYTHON_SOURCE } from './secret-generator-python';
import { MAX_IDENTIFIER_BYTES } from '../database/identifiers';
import { check, Problem, Rules } from '../private/validation';

/**
 * Where the secret generator checks, during a rotation with alternating users, that PostgreSQL accepts
 * the inactive login's new password before it switches the Secret to that login.
 */
export interface AlternatingUsersSpec {
  /** Host of the primary (the cluster's primary Service; the Job runs in its namespace). */
  readonly host: string;
  /** PostgreSQL port. */
  readonly port: number;
}

/**
 * One credential Secret that the secret generator Job makes sure exists.
 *
 * The Job never regenerates by accident: an existing Secret is left exactly as it is unless `rotation`
 * is higher than the one the Secret records.
 */
export interface GeneratedSecretSpec {
  /** Name of the Secret (a DNS-1123 subdomain), in the namespace of the Job. */
  readonly name: string;
  /** PostgreSQL role name stored under the `username` key (1 to 63 bytes). */
  readonly username: string;
  /** Labels of the created Secret. @default - none */
  readonly labels?: { [key: string]: string };
  /** Annotations of the created Secret. @default - none */
  readonly annotations?: { [key: string]: string };
  /**
   * Rotation generation: when it is higher than the `cdk8s-pgaas/rotation` annotation of the existing
   * Secret (missing = 0), the Job writes a new password and records this number.
   * @default 0 (never rotated)
   */
  readonly rotation?: number;
  /**
   * Alternating users: the Secret holds the pairs of the logins `<username>_a` and `<username>_b`
   * (`username-a`, `password-a`, `username-b`, `password-b`) and, under `username` and `password`, the
   * active one. A rotation writes a new password for the inactive login, waits until PostgreSQL (at
   * this address) accepts it, then switches `username` and `password` to it.
   * @default - one login role, whose password a rotation replaces in place
   */
  readonly alternatingUsers?: AlternatingUsersSpec;
}

/**
 * The Python script (Python 3.8+, standard library only, runs in the Spilo image) that creates
 * PostgreSQL credential Secrets inside the cluster, so that no password is ever in Git.
 *
 * Per Secret it calls `GET /api/v1/namespaces/<ns>/secrets/<name>` and, on 404 only,
 * `POST /api/v1/namespaces/<ns>/secrets` (RBAC: `get` restricted by resourceNames, `create`).
 * See the module docstring of {@link SecretGeneratorScript.SOURCE} for the full contract.
 */
export class SecretGeneratorScript {
  /** File name to mount the script as (e.g. a ConfigMap key). */
  public static readonly FILE_NAME: string = 'generate-secrets.py';
  /** Required: JSON list of {@link GeneratedSecretSpec}; see {@link SecretGeneratorScript.secretsEnvValue}. */
  public static readonly ENV_SECRETS: string = 'PGAAS_CREDENTIAL_SPECS';
  /** Optional: service account directory (token, ca.crt, namespace). */
  public static readonly ENV_SA_DIR: string = 'PGAAS_SA_DIR';
  /** Optional: namespace of the Secrets (default: the service account's namespace). */
  public static readonly ENV_NAMESPACE: string = 'PGAAS_NAMESPACE';
  /** Optional: API server base URL (default: https from KUBERNETES_SERVICE_HOST/PORT). */
  public static readonly ENV_API_URL: string = 'PGAAS_API_URL';
  /** Optional: attempts per API call for transient errors (default 6). */
  public static readonly ENV_RETRY_ATTEMPTS: string = 'PGAAS_RETRY_ATTEMPTS';
  /** Optional: first backoff delay in seconds, doubled per retry, capped at 30 (default 1). */
  public static readonly ENV_RETRY_DELAY_SECONDS: string = 'PGAAS_RETRY_DELAY_SECONDS';
  /** Optional: timeout of one API call in seconds (default 10). */
  public static readonly ENV_TIMEOUT_SECONDS: string = 'PGAAS_TIMEOUT_SECONDS';
  /** Key of the role name in a generated Secret. */
  public static readonly USERNAME_KEY: string = 'username';
  /** Key of the password in a generated Secret. */
  public static readonly PASSWORD_KEY: string = 'password';
  /** Annotation of a Secret with alternating users whose inactive login has a new password not yet switched to. */
  public static readonly PENDING_ROTATION_ANNOTATION: string = 'cdk8s-pgaas/rotation-pending';
  /** Optional: seconds a rotation with alternating users waits for PostgreSQL to accept the new login (default 300). */
  public static readonly ENV_LOGIN_WAIT_SECONDS: string = 'PGAAS_LOGIN_WAIT_SECONDS';
  /** Annotation of a generated Secret recording the rotation its password belongs to. */
  public static readonly ROTATION_ANNOTATION: string = 'cdk8s-pgaas/rotation';
  /** Length of a generated password; its characters are [A-Za-z0-9]. */
  public static readonly PASSWORD_LENGTH: number = 64;

  /** The Python source of the script. */
  public static readonly SOURCE: string = PYTHON_SOURCE;

  /** The Python source of the script. */
  public static render(): string {
    return PYTHON_SOURCE;
  }

  /**
   * The value of the `PGAAS_CREDENTIAL_SPECS` environment variable for these Secrets. It renders any
   * list: check it with `generatedSecretsProblems` first (the script rejects what that reports).
   */
  public static secretsEnvValue(secrets: GeneratedSecretSpec[]): string {
    return JSON.stringify(secrets.map((spec) => ({
      name: spec.name,
      username: spec.username,
      ...(spec.labels && Object.keys(spec.labels).length > 0 ? { labels: { ...spec.labels } } : {}),
      ...(spec.annotations && Object.keys(spec.annotations).length > 0 ? { annotations: { ...spec.annotations } } : {}),
      // Rotation 0 is the default: leaving it out keeps the Job (and its hash) of clusters that never rotate.
      ...(spec.rotation ? { rotation: spec.rotation } : {}),
      ...(spec.alternatingUsers ? { alternatingUsers: { host: spec.alternatingUsers.host, port: spec.alternatingUsers.port } } : {}),
    })));
  }

  private constructor() {}
}

/**
 * The problems of a list of Secrets for `PGAAS_CREDENTIAL_SPECS`, by the rules the script applies (so
 * that a bad name fails at synthesis rather than in the cluster): each Secret's `name` and `username`,
 * a name listed twice, an empty list. Properties are `secrets` and `secrets[<i>].name|username`.
 */
export function generatedSecretsProblems(secrets: GeneratedSecretSpec[]): Problem[] {
  const problems: Problem[] = check('secrets', secrets, secrets.length === 0 ? 'needs at least one secret' : undefined);
  const seen = new Set<string>();
  secrets.forEach((spec, i) => {
    const bytes = Buffer.byteLength(spec.username, 'utf8');
    // Alternating users append "_a"/"_b" to the role name.
    const maxBytes = spec.alternatingUsers ? MAX_IDENTIFIER_BYTES - 2 : MAX_IDENTIFIER_BYTES;
    problems.push(
      ...check(`secrets[${i}].name`, spec.name, secretNameProblem(spec.name) ?? (seen.has(spec.name) ? 'is listed twice' : undefined)),
      ...check(`secrets[${i}].username`, spec.username, bytes === 0 || bytes > maxBytes || spec.username.includes('\u0000')
        ? `must be a PostgreSQL role name of 1 to ${maxBytes} bytes${spec.alternatingUsers ? ' (with alternating users, its logins add "_a" and "_b")' : ''}` : undefined),
      ...(spec.alternatingUsers ? check(`secrets[${i}].alternatingUsers`, spec.alternatingUsers, alternatingUsersProblem(spec.alternatingUsers)) : []),
      ...(spec.rotation === undefined ? [] : check(`secrets[${i}].rotation`, spec.rotation, rotationProblem(spec.rotation))),
    );
    seen.add(spec.name);
  });
  return problems;
}

/** The script's rule for Secret names (its SECRET_NAME pattern): a DNS-1123 subdomain. */
function secretNameProblem(name: string): string | undefined {
  return Rules.dns1123Subdomain(name) === undefined ? undefined
    : "must be a Secret name, and it is not a DNS-1123 subdomain (at most 253 characters: lowercase letters, digits, '-' and '.', each part starting and ending with a letter or digit)";
}

/** The rule for a rotation generation: a whole number from 0 (the script's rule too). */
export function rotationProblem(rotation: number): string | undefined {
  return Number.isSafeInteger(rotation) && rotation >= 0 ? undefined
    : 'must be a whole number >= 0 (raise it by one to rotate the password)';
}

/** The script's rule for alternating users' login check: a host and a TCP port. */
function alternatingUsersProblem(at: AlternatingUsersSpec): string | undefined {
  return typeof at.host === 'string' && at.host !== '' && Number.isInteger(at.port) && at.port >= 1 && at.port <= 65535 ? undefined
    : 'must be {host, port}: a non-empty host and a port from 1 to 65535';
}
