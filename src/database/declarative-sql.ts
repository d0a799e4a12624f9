// Internal: the parts of the bootstrap SQL that take away what the declaration no longer holds
// (memberships, roles declared absent), and the record of what the library manages that makes
// taking away safe: it never revokes a membership nor drops a role it did not grant or create.
import { gexec, ident, literal, roleOid } from './identifiers';
import { AbsentRole, ResolvedRole } from './model';

/** Schema, in the database the bootstrap connects to first (`postgres`), of the library's own records. */
export const TRACKING_SCHEMA = 'pgaas_bootstrap';
const MANAGED_ROLES = `${ident(TRACKING_SCHEMA)}.${ident('managed_roles')}`;
const MANAGED_MEMBERSHIPS = `${ident(TRACKING_SCHEMA)}.${ident('managed_memberships')}`;

const inList = (names: readonly string[]): string => names.map(literal).join(', ');

/**
 * Roles and memberships are recorded by oid: a role dropped and re-created by hand under the same
 * name is a different role, and no longer the library's. Only the superuser can read or write them.
 */
export function trackingTables(): string[] {
  return [
    '-- what the library manages (created or adopted roles, granted memberships)',
    `CREATE SCHEMA IF NOT EXISTS ${ident(TRACKING_SCHEMA)};`,
    `CREATE TABLE IF NOT EXISTS ${MANAGED_ROLES} (role oid PRIMARY KEY);`,
    `CREATE TABLE IF NOT EXISTS ${MANAGED_MEMBERSHIPS} (roleid oid, member oid, PRIMARY KEY (roleid, member));`,
    // Records of roles and memberships someone else removed.
    `DELETE FROM ${MANAGED_ROLES} t WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.oid = t.role);`,
    `DELETE FROM ${MANAGED_MEMBERSHIPS} t WHERE NOT EXISTS`
      + ' (SELECT FROM pg_catalog.pg_auth_members a WHERE a.roleid = t.roleid AND a.member = t.member);',
  ];
}

/** Every declared role is the library's from now on (created now, or adopted when it existed). */
export function trackRoles(roles: readonly ResolvedRole[]): string[] {
  if (roles.length === 0) return [];
  return [`INSERT INTO ${MANAGED_ROLES} (role) SELECT oid FROM pg_catalog.pg_roles`
    + ` WHERE rolname IN (${inList(roles.map((r) => r.name))}) ON CONFLICT DO NOTHING;`];
}

const declaredPairs = (roles: readonly ResolvedRole[]): string[] =>
  roles.flatMap((r) => r.memberOf.map((group) => `(${literal(group)}, ${literal(r.name)})`));

/**
 * Records the declared memberships (they were just granted, or existed already), then revokes
 * each recorded membership of a declared role that the declaration no longer lists. Memberships
 * granted by hand, and those of roles no longer declared, are left alone.
 */
export function convergeMemberships(roles: readonly ResolvedRole[]): string[] {
  if (roles.length === 0) return [];
  const pairs = declaredPairs(roles);
  const members = inList(roles.map((r) => r.name));
  const statements: string[] = [];
  if (pairs.length > 0) {
    statements.push(`INSERT INTO ${MANAGED_MEMBERSHIPS} (roleid, member) SELECT DISTINCT a.roleid, a.member`
      + ' FROM (VALUES ' + pairs.join(', ') + ') AS d (grp, member)'
      + ' JOIN pg_catalog.pg_roles g ON g.rolname = d.grp JOIN pg_catalog.pg_roles m ON m.rolname = d.member'
      + ' JOIN pg_catalog.pg_auth_members a ON a.roleid = g.oid AND a.member = m.oid ON CONFLICT DO NOTHING;');
  }
  const undeclared = pairs.length > 0 ? ` AND (g.rolname, m.rolname) NOT IN (VALUES ${pairs.join(', ')})` : '';
  statements.push(
    gexec('SELECT pg_catalog.format(\'REVOKE %I FROM %I\', g.rolname, m.rolname)'
      + ` FROM ${MANAGED_MEMBERSHIPS} t JOIN pg_catalog.pg_roles g ON g.oid = t.roleid JOIN pg_catalog.pg_roles m ON m.oid = t.member`
      + ` WHERE m.rolname IN (${members})${undeclared} ORDER BY g.rolname, m.rolname`),
    `DELETE FROM ${MANAGED_MEMBERSHIPS} t WHERE NOT EXISTS`
      + ' (SELECT FROM pg_catalog.pg_auth_members a WHERE a.roleid = t.roleid AND a.member = t.member);',
  );
  return statements;
}

const AUTHID = "'pg_catalog.pg_authid'::pg_catalog.regclass";
const DEFAULT_ACL = "'pg_catalog.pg_default_acl'::pg_catalog.regclass";

/**
 * Refuses, before the role changes at all, to drop a role the library does not manage, a role with
 * objects or privileges in a database the bootstrap does not visit (it could not release them),
 * or a role that owns objects when no `reassignOwnedTo` is declared. Default privileges the role
 * defined do not count as owned: they only concern its own future objects and go with it.
 */
export function absentRoleChecks(role: AbsentRole, databases: readonly string[]): string {
  const prefix = `cannot drop role ${role.name} (${role.source} is absent)`;
  const ownerCheck = role.reassignOwnedTo !== undefined ? [] : [
    '  SELECT pg_catalog.string_agg(pg_catalog.format(\'%s in %s\', n, place), \', \' ORDER BY place) INTO owned FROM (',
    '    SELECT count(*) AS n, coalesce(d.datname, \'the cluster (databases, tablespaces)\') AS place',
    '    FROM pg_catalog.pg_shdepend s LEFT JOIN pg_catalog.pg_database d ON d.oid = s.dbid',
    `    WHERE s.refclassid = ${AUTHID} AND s.refobjid = target AND s.deptype = 'o' AND s.classid <> ${DEFAULT_ACL}`,
    '    GROUP BY d.datname) AS o;',
    '  IF owned IS NOT NULL THEN',
    `    RAISE EXCEPTION '${prefix}: it owns objects (%); declare reassignOwnedTo, or drop or reassign them by hand', owned;`,
    '  END IF;',
  ];
  return [
    `-- ${role.source}: role ${role.name} is declared absent: refuse, before touching it, what cannot be dropped safely`,
    'DO $pgaas$',
    'DECLARE',
    `  target oid := ${roleOid(role.name)};`,
    '  elsewhere text;',
    '  owned text;',
    'BEGIN',
    '  IF target IS NULL THEN RETURN; END IF;',
    `  IF NOT EXISTS (SELECT FROM ${MANAGED_ROLES} WHERE role = target) THEN`,
    `    RAISE EXCEPTION '${prefix}: cdk8s-pgaas did not create it and does not manage it; drop it by hand, or remove it from the declaration';`,
    '  END IF;',
    '  SELECT pg_catalog.string_agg(DISTINCT d.datname, \', \') INTO elsewhere',
    '  FROM pg_catalog.pg_shdepend s JOIN pg_catalog.pg_database d ON d.oid = s.dbid',
    `  WHERE s.refclassid = ${AUTHID} AND s.refobjid = target`,
    `  AND d.datname <> pg_catalog.current_database()${databases.length > 0 ? ` AND d.datname NOT IN (${inList(databases)})` : ''};`,
    '  IF elsewhere IS NOT NULL THEN',
    `    RAISE EXCEPTION '${prefix}: it owns objects or holds privileges in databases the bootstrap does not manage (%); REASSIGN OWNED BY and DROP OWNED BY ${ident(role.name)} there by hand', elsewhere;`,
    '  END IF;',
    ...ownerCheck,
    'END',
    '$pgaas$;',
  ].join('\n');
}

/** No new sessions, and the open ones end: nothing can create objects while the role is released. */
export function disableAbsentRole(role: AbsentRole): string[] {
  return [
    gexec(`SELECT ${literal(`ALTER ROLE ${ident(role.name)} NOLOGIN`)} FROM pg_catalog.pg_roles WHERE rolname = ${literal(role.name)} AND rolcanlogin`),
    'SELECT count(pg_catalog.pg_terminate_backend(pid)) AS pgaas_terminated FROM pg_catalog.pg_stat_activity'
      + ` WHERE usename = ${literal(role.name)} \\gset`,
  ];
}

/**
 * In the current database: hands what the role owns to `reassignOwnedTo`, then removes its
 * privileges and default privileges (DROP OWNED BY). DROP OWNED would also drop objects, so it
 * only runs once the role owns nothing here; otherwise DROP ROLE later fails with PostgreSQL's
 * own list of what depends on the role.
 */
export function releaseAbsentRole(role: AbsentRole): string[] {
  const exists = `EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = ${literal(role.name)})`;
  const ownsNothingHere = 'NOT EXISTS (SELECT FROM pg_catalog.pg_shdepend s'
    + ` WHERE s.refclassid = ${AUTHID} AND s.refobjid = ${roleOid(role.name)} AND s.deptype = 'o' AND s.classid <> ${DEFAULT_ACL}`
    + ' AND s.dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()))';
  const reassign = role.reassignOwnedTo === undefined ? []
    : [gexec(`SELECT ${literal(`REASSIGN OWNED BY ${ident(role.name)} TO ${ident(role.reassignOwnedTo)}`)} WHERE ${exists}`)];
  return [...reassign, gexec(`SELECT ${literal(`DROP OWNED BY ${ident(role.name)}`)} WHERE ${exists} AND ${ownsNothingHere}`)];
}

export function dropAbsentRole(role: AbsentRole): string[] {
  return [
    gexec(`SELECT ${literal(`DROP ROLE ${ident(role.name)}`)} WHERE EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = ${literal(role.name)})`),
    `DELETE FROM ${MANAGED_ROLES} t WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.oid = t.role);`,
  ];
}
