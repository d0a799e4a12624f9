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
}

/**
 * The libpq environment (PGHOST, PGPORT, PGUSER and PGPASSWORD from the user's Secret, PGSSLMODE,
 * optionally PGDATABASE): the one builder behind every connection helper of the bundle.
 */
export function libpqEnv(input: LibpqEnvInput): k8s.EnvVar[] {
  const { secretName, usernameKey, passwordKey } = input.credentials;
  return [
    { name: 'PGHOST', value: input.host },
    { name: 'PGPORT', value: String(input.port) },
    { name: 'PGUSER', valueFrom: { secretKeyRef: { name: secretName, key: usernameKey } } },
    { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: secretName, key: passwordKey } } },
    { name: 'PGSSLMODE', value: input.sslMode },
    ...input.database ? [{ name: 'PGDATABASE', value: input.database }] : [],
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

function secretHandle(scope: Construct, name: string): kplus.ISecret {
  const id = `SecretRef-${name}`;
  return (scope.node.tryFindChild(id) as kplus.ISecret | undefined) ?? kplus.Secret.fromSecretName(scope, id, name);
}
