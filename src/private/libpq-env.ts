import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ResolvedCredentials } from '../credentials/credentials';

/** What a libpq client needs to reach one endpoint (database Service or pooler) as one user. */
export interface LibpqEnvInput {
  readonly host: string;
  readonly port: number;
  readonly credentials: ResolvedCredentials;
  readonly sslMode: string;
  readonly database?: string;
  /** The CA file that verifies the server (PGSSLROOTCERT), with `verify-full`. */
  readonly sslRootCert?: string;
  /** Prefix of every variable name, for apps connecting to several databases. */
  readonly prefix?: string;
  /** Also DATABASE_URL and JDBC_DATABASE_URL, for clients that take a URL. */
  readonly urls?: boolean;
}

/**
 * The libpq environment (PGHOST, PGPORT, PGUSER and PGPASSWORD from the user's Secret, PGSSLMODE,
 * optionally PGSSLROOTCERT and PGDATABASE), and with `urls` a URI and a JDBC URL: the one builder
 * behind every connection helper of the bundle.
 *
 * The URLs never contain the password: they reference PGUSER and PGPASSWORD with Kubernetes'
 * `$(VAR)` expansion, which the kubelet resolves when the container starts (both are defined
 * before them). Generated passwords are letters and digits, so they need no URL encoding.
 */
export function libpqEnv(input: LibpqEnvInput): k8s.EnvVar[] {
  const { secretName, usernameKey, passwordKey } = input.credentials;
  const name = (variable: string) => `${input.prefix ?? ''}${variable}`;
  const query = `sslmode=${input.sslMode}${input.sslRootCert ? `&sslrootcert=${input.sslRootCert}` : ''}`;
  const address = `${input.host}:${input.port}/${input.database ?? ''}`;
  const [user, password] = [`$(${name('PGUSER')})`, `$(${name('PGPASSWORD')})`];
  return [
    { name: name('PGHOST'), value: input.host },
    { name: name('PGPORT'), value: String(input.port) },
    { name: name('PGUSER'), valueFrom: { secretKeyRef: { name: secretName, key: usernameKey } } },
    { name: name('PGPASSWORD'), valueFrom: { secretKeyRef: { name: secretName, key: passwordKey } } },
    { name: name('PGSSLMODE'), value: input.sslMode },
    ...input.sslRootCert ? [{ name: name('PGSSLROOTCERT'), value: input.sslRootCert }] : [],
    ...input.database ? [{ name: name('PGDATABASE'), value: input.database }] : [],
    ...input.urls ? [
      { name: name('DATABASE_URL'), value: `postgresql://${user}:${password}@${address}?${query}` },
      { name: name('JDBC_DATABASE_URL'), value: `jdbc:postgresql://${address}?${query}&user=${user}&password=${password}` },
    ] : [],
  ];
}

/** Plain env entries as cdk8s-plus values; Secret handles are created once per Secret under `scope`. */
export function plusEnv(scope: Construct, variables: k8s.EnvVar[]): Record<string, kplus.EnvValue> {
  const result: Record<string, kplus.EnvValue> = {};
  for (const variable of variables) {
    const ref = variable.valueFrom?.secretKeyRef;
    result[variable.name] = ref
      ? kplus.EnvValue.fromSecretValue({ secret: secretHandle(scope, ref.name!), key: ref.key })
      : kplus.EnvValue.fromValue(variable.value!);
  }
  return result;
}

export function secretHandle(scope: Construct, name: string): kplus.ISecret {
  const id = `SecretRef-${name}`;
  return (scope.node.tryFindChild(id) as kplus.ISecret | undefined) ?? kplus.Secret.fromSecretName(scope, id, name);
}
