import { PostgresClusterProps } from './props';
import { Spilo } from './spilo-contract';
import { Credentials, CredentialsBinding } from '../credentials/credentials';
import { alternatingLoginNames, ALTERNATING_SUFFIXES } from '../database/alternating-logins';
import { BootstrapSql } from '../database/bootstrap-sql';
import { DatabaseBootstrapSpec } from '../database/roles';
import { ClusterNames } from '../private/names';
import { problem, Problem, Rules, Validated } from '../private/validation';

const SUPERUSER = Spilo.SUPERUSER;
const REPLICATION_USER = Spilo.REPLICATION_USER;

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
export function resolveClusterCredentials(input: ClusterCredentialsInput): Validated<Map<string, CredentialsBinding>> {
  const { names, superuser, replication, spec, overrides, clusterNameValid } = input;
  const problems: Problem[] = [];
  const result = new Map<string, CredentialsBinding>();
  const given = new Map<string, Credentials | undefined>();
  const ownProblems = new Map<string, readonly Problem[]>();
  const loginCheck = { host: names.primaryService, port: Spilo.POSTGRES_PORT };
  const bind = (user: string, credentials: Credentials | undefined) => {
    const bound = (credentials ?? Credentials.generated())._bind(user, names.credentialsSecret(user), { loginCheck });
    given.set(user, credentials);
    ownProblems.set(user, bound.problems);
    result.set(user, bound.value);
  };
  bind(SUPERUSER, superuser);
  bind(REPLICATION_USER, replication);
  const specProblems = BootstrapSql.problems(spec);
  problems.push(...specProblems);
  // Alternating users: the declared role's Secret serves its two logins too (their own keys in it).
  const alternating = specProblems.length === 0 ? spec.alternatingLogins ?? [] : [];
  const logins = new Map(alternating.flatMap((role) =>
    alternatingLoginNames(role).map((login, i) => [login, { role, suffix: ALTERNATING_SUFFIXES[i] }] as const)));
  const loginRoles = specProblems.length === 0 ? [...alternating, ...BootstrapSql.loginRoles(spec).map((l) => l.role)] : [];
  for (const role of loginRoles) {
    const login = logins.get(role);
    if (!login) {
      bind(role, overrides[role]);
    } else {
      const secretName = result.get(login.role)!.credentials.secretName;
      result.set(role, { credentials: { secretName, usernameKey: `username-${login.suffix}`, passwordKey: `password-${login.suffix}` } });
      ownProblems.set(role, []);
    }
  }
  for (const role of Object.keys(overrides)) {
    if (!result.has(role) || logins.has(role) || role === SUPERUSER || role === REPLICATION_USER) {
      problems.push(problem(`roleCredentials.${role}`, role, `must name a login role declared in roles or created for a prepared database (login roles: ${loginRoles.join(', ') || 'none'}); use superuserCredentials/replicationCredentials for ${SUPERUSER}/${REPLICATION_USER}`));
    }
  }
  const owners = new Map<string, string>();
  for (const [user, { credentials }] of result) {
    const property = user === SUPERUSER ? 'superuserCredentials' : user === REPLICATION_USER ? 'replicationCredentials' : `roleCredentials.${user}`;
    const explicit = given.get(user);
    // The Credentials' own rules (an explicit Secret name, keys, the external store).
    problems.push(...ownProblems.get(user)!.map((p) => ({ ...p, property: `${property}.${p.property}` })));
    // A derived name from a valid cluster name can still be invalid through the user name (a role "app_" gives "app-.<cluster>...").
    const derivedProblem = explicit?.secretName === undefined && clusterNameValid ? Rules.dns1123Subdomain(credentials.secretName) : undefined;
    if (derivedProblem) {
      problems.push(problem(`roles (the Secret name derived from role "${user}")`, credentials.secretName, `${derivedProblem}; rename the role or give it roleCredentials with a valid secretName`));
    }
    const owner = owners.get(credentials.secretName);
    if (logins.has(user)) continue;
    if (owner !== undefined) problems.push(problem(`${property}.secretName`, credentials.secretName, `is already the Secret of user "${owner}": every user needs its own password`));
    owners.set(credentials.secretName, user);
  }
  return { value: result, problems };
}

/** Users whose password PostgreSQL does not follow: Spilo gives them to Patroni as environment variables. */
export const NOT_FOLLOWED_USERS: readonly string[] = [Spilo.SUPERUSER, Spilo.REPLICATION_USER];

/**
 * The rotation rules of a cluster's credentials. A `rotation` is refused where the consumer reads the
 * password from an environment variable fixed at pod start: the superuser and replication users
 * (Spilo hands them to Patroni), the Patroni REST API user, the pooler role (PgBouncer's auth_file is
 * written once by its init container) and the monitoring role (the exporter's environment). Rotating a
 * declared role needs `passwordSync`, or PostgreSQL would keep the old password.
 */
/** The suffix of the password sync's Deployment name and network group label (`<cluster>-password-sync`). */
export const PASSWORD_SYNC_SUFFIX = '-password-sync';

export function rotationProblems(props: PostgresClusterProps, poolerRole: string | undefined, monitoringRole: string | undefined): Problem[] {
  const rotation = (c: Credentials | undefined) => c?.rotation ?? 0;
  const problems: Problem[] = [];
  const refuse = (property: string, c: Credentials | undefined, why: string) => {
    if (rotation(c) > 0) problems.push(problem(`${property}.rotation`, rotation(c), `cannot be rotated declaratively: ${why}`));
  };
  const envReason = 'its consumers read it from an environment variable fixed at pod start; change its Secret and restart them instead (README, "Day 2: passwords")';
  refuse('superuserCredentials', props.superuserCredentials, `Spilo passes it to Patroni as an environment variable; ${envReason}`);
  refuse('replicationCredentials', props.replicationCredentials, `Spilo passes it to Patroni as an environment variable; ${envReason}`);
  refuse('patroniApiCredentials', props.patroniApiCredentials, envReason);
  for (const role of [poolerRole, monitoringRole]) if (role) refuse(`roleCredentials.${role}`, props.roleCredentials?.[role], envReason);
  problems.push(...alternatingUsersProblems(props, poolerRole, monitoringRole));
  const rotated = Object.entries(props.roleCredentials ?? {}).filter(([, c]) => rotation(c) > 0).map(([role]) => role);
  if (rotated.length > 0 && props.passwordSync !== true) {
    problems.push(problem('passwordSync', props.passwordSync, `must be true to rotate ${rotated.join(', ')}: without it PostgreSQL keeps the old password`));
  }
  // The sync's pods carry the label value `<name>-password-sync` (their NetworkPolicy group): at most 63 characters.
  const longest = 63 - PASSWORD_SYNC_SUFFIX.length;
  if (props.passwordSync === true && typeof props.name === 'string' && props.name.length > longest) {
    problems.push(problem('passwordSync', true, `needs a cluster name of at most ${longest} characters (this one has ${props.name.length}): `
      + `the password sync's pods carry the label value "<name>${PASSWORD_SYNC_SUFFIX}", at most 63 characters`));
  }
  return problems;
}

/**
 * The declared roles whose generated credentials rotate with alternating users: what the bootstrap spec's
 * `alternatingLogins` lists. Only declared roles qualify (the rules below report the others).
 */
export function alternatingLogins(props: PostgresClusterProps): string[] {
  const declared = new Set((props.roles ?? []).map((r) => r.name));
  return Object.entries(props.roleCredentials ?? {}).filter(([role, c]) => c?.alternatingUsers && declared.has(role)).map(([role]) => role);
}

/** The bootstrap spec of a cluster with its alternating logins. */
export function withAlternatingLogins(spec: DatabaseBootstrapSpec, props: PostgresClusterProps): DatabaseBootstrapSpec {
  const alternating = alternatingLogins(props);
  return alternating.length > 0 ? { ...spec, alternatingLogins: alternating } : spec;
}

/** Alternating users are for declared login roles: not the superuser, replication, Patroni API, pooler or monitoring users. */
function alternatingUsersProblems(props: PostgresClusterProps, poolerRole: string | undefined, monitoringRole: string | undefined): Problem[] {
  const why = 'alternating users are for roles declared in roles (their consumers read the Secret\'s username); this user is fixed';
  const fixed: Array<[string, Credentials | undefined]> = [
    ['superuserCredentials', props.superuserCredentials], ['replicationCredentials', props.replicationCredentials],
    ['patroniApiCredentials', props.patroniApiCredentials],
    ...[poolerRole, monitoringRole].filter((r): r is string => r !== undefined).map((r): [string, Credentials | undefined] => [`roleCredentials.${r}`, props.roleCredentials?.[r]]),
  ];
  return fixed.filter(([, c]) => c?.alternatingUsers).map(([property, c]) => problem(`${property}.rotationStrategy`, c!.rotationStrategy, `cannot be used here: ${why}`));
}
