import { Credentials, CredentialsSource, ResolvedCredentials } from '../credentials/credentials';
import { BootstrapSql } from '../database/bootstrap-sql';
import { DatabaseBootstrapSpec } from '../database/roles';
import { ClusterNames } from '../private/names';
import { Rules } from '../private/validation';

export const SUPERUSER = 'postgres';
export const REPLICATION_USER = 'standby';

/** Every login user of a cluster and its credentials, in a stable order (superuser, replication, declared). */
export function resolveClusterCredentials(
  names: ClusterNames,
  superuser: Credentials | undefined,
  replication: Credentials | undefined,
  spec: DatabaseBootstrapSpec,
  overrides: Record<string, Credentials>,
  problems: Array<[string, unknown, string]>,
  clusterNameValid: boolean,
): Map<string, ResolvedCredentials> {
  const result = new Map<string, ResolvedCredentials>();
  // Names derived from an invalid cluster name are reported once, as the name; derived names from a
  // valid cluster name can still be invalid through the user name (a role "app_" gives "app-.<cluster>...").
  const checkedNames = new Set<string>();
  const resolve = (user: string, credentials: Credentials | undefined) => {
    if (credentials?.secretName !== undefined || clusterNameValid) checkedNames.add(user);
    return (credentials ?? Credentials.generated()).resolve(names.credentialsSecret(user));
  };
  result.set(SUPERUSER, resolve(SUPERUSER, superuser));
  result.set(REPLICATION_USER, resolve(REPLICATION_USER, replication));
  const specProblems = BootstrapSql.validate(spec);
  for (const message of specProblems) problems.push(['roles/databases', undefined, message]);
  const loginRoles = specProblems.length === 0 ? BootstrapSql.loginRoles(spec).map((l) => l.role) : [];
  for (const role of loginRoles) result.set(role, resolve(role, overrides[role]));
  for (const role of Object.keys(overrides)) {
    if (!result.has(role) || role === SUPERUSER || role === REPLICATION_USER) {
      problems.push([`roleCredentials.${role}`, role, `must name a login role declared in roles or created for a prepared database (login roles: ${loginRoles.join(', ') || 'none'}); use superuserCredentials/replicationCredentials for ${SUPERUSER}/${REPLICATION_USER}`]);
    }
  }
  const owners = new Map<string, string>();
  for (const [user, credentials] of result) {
    const property = user === SUPERUSER ? 'superuserCredentials' : user === REPLICATION_USER ? 'replicationCredentials' : `roleCredentials.${user}`;
    const nameProblem = checkedNames.has(user) ? Rules.dns1123Subdomain(credentials.secretName) : undefined;
    const explicit = (user === SUPERUSER ? superuser : user === REPLICATION_USER ? replication : overrides[user])?.secretName !== undefined;
    if (nameProblem) {
      problems.push(explicit
        ? [`${property}.secretName`, credentials.secretName, nameProblem]
        : [`roles (the Secret name derived from role "${user}")`, credentials.secretName, `${nameProblem}; rename the role or give it roleCredentials with a valid secretName`]);
    }
    for (const key of [credentials.usernameKey, credentials.passwordKey]) {
      if (!/^[-._a-zA-Z0-9]+$/.test(key)) problems.push([`${property} key`, key, "must be a Secret key: alphanumerics, '-', '_' or '.'"]);
    }
    const owner = owners.get(credentials.secretName);
    if (owner !== undefined) problems.push([`${property}.secretName`, credentials.secretName, `is already the Secret of user "${owner}": every user needs its own password`]);
    owners.set(credentials.secretName, user);
    if (credentials.source === CredentialsSource.EXTERNAL_SECRET && credentials.external) {
      const store = credentials.external.secretStoreName;
      const storeProblem = Rules.dns1123Subdomain(store);
      if (storeProblem) problems.push([`${property}.secretStoreName`, store, storeProblem]);
      if (credentials.external.remoteKey.trim() === '') problems.push([`${property}.remoteKey`, credentials.external.remoteKey, 'must not be empty']);
    }
  }
  return result;
}
