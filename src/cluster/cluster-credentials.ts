import { Spilo } from './spilo-contract';
import { Credentials, CredentialsSource, ResolvedCredentials } from '../credentials/credentials';
import { BootstrapSql } from '../database/bootstrap-sql';
import { DatabaseBootstrapSpec } from '../database/roles';
import { ClusterNames } from '../private/names';
import { problem, Problem, Rules, Validated } from '../private/validation';

export const SUPERUSER = Spilo.SUPERUSER;
export const REPLICATION_USER = Spilo.REPLICATION_USER;

/** The credentials props of a cluster. */
export interface ClusterCredentialsInput {
  readonly names: ClusterNames;
  readonly superuser?: Credentials;
  readonly replication?: Credentials;
  readonly spec: DatabaseBootstrapSpec;
  readonly overrides: Record<string, Credentials>;
  /** Names derived from an invalid cluster name are reported once, as the name. */
  readonly clusterNameValid: boolean;
}

/** Every login user of a cluster and its credentials, in a stable order (superuser, replication, declared). */
export function resolveClusterCredentials(input: ClusterCredentialsInput): Validated<Map<string, ResolvedCredentials>> {
  const { names, superuser, replication, spec, overrides, clusterNameValid } = input;
  const problems: Problem[] = [];
  const result = new Map<string, ResolvedCredentials>();
  // Derived names from a valid cluster name can still be invalid through the user name (a role "app_" gives "app-.<cluster>...").
  const checkedNames = new Set<string>();
  const resolve = (user: string, credentials: Credentials | undefined) => {
    if (credentials?.secretName !== undefined || clusterNameValid) checkedNames.add(user);
    return (credentials ?? Credentials.generated()).resolve(names.credentialsSecret(user));
  };
  result.set(SUPERUSER, resolve(SUPERUSER, superuser));
  result.set(REPLICATION_USER, resolve(REPLICATION_USER, replication));
  const specProblems = BootstrapSql.problems(spec);
  problems.push(...specProblems);
  const loginRoles = specProblems.length === 0 ? BootstrapSql.loginRoles(spec).map((l) => l.role) : [];
  for (const role of loginRoles) result.set(role, resolve(role, overrides[role]));
  for (const role of Object.keys(overrides)) {
    if (!result.has(role) || role === SUPERUSER || role === REPLICATION_USER) {
      problems.push(problem(`roleCredentials.${role}`, role, `must name a login role declared in roles or created for a prepared database (login roles: ${loginRoles.join(', ') || 'none'}); use superuserCredentials/replicationCredentials for ${SUPERUSER}/${REPLICATION_USER}`));
    }
  }
  const owners = new Map<string, string>();
  for (const [user, credentials] of result) {
    const property = user === SUPERUSER ? 'superuserCredentials' : user === REPLICATION_USER ? 'replicationCredentials' : `roleCredentials.${user}`;
    const nameProblem = checkedNames.has(user) ? Rules.dns1123Subdomain(credentials.secretName) : undefined;
    const explicit = (user === SUPERUSER ? superuser : user === REPLICATION_USER ? replication : overrides[user])?.secretName !== undefined;
    if (nameProblem) {
      problems.push(explicit
        ? problem(`${property}.secretName`, credentials.secretName, nameProblem)
        : problem(`roles (the Secret name derived from role "${user}")`, credentials.secretName, `${nameProblem}; rename the role or give it roleCredentials with a valid secretName`));
    }
    for (const key of [credentials.usernameKey, credentials.passwordKey]) {
      if (!/^[-._a-zA-Z0-9]+$/.test(key)) problems.push(problem(`${property} key`, key, "must be a Secret key: alphanumerics, '-', '_' or '.'"));
    }
    const owner = owners.get(credentials.secretName);
    if (owner !== undefined) problems.push(problem(`${property}.secretName`, credentials.secretName, `is already the Secret of user "${owner}": every user needs its own password`));
    owners.set(credentials.secretName, user);
    if (credentials.source === CredentialsSource.EXTERNAL_SECRET && credentials.external) {
      const store = credentials.external.secretStoreName;
      const storeProblem = Rules.dns1123Subdomain(store);
      if (storeProblem) problems.push(problem(`${property}.secretStoreName`, store, storeProblem));
      if (credentials.external.remoteKey.trim() === '') problems.push(problem(`${property}.remoteKey`, credentials.external.remoteKey, 'must not be empty'));
    }
  }
  return { value: result, problems };
}
