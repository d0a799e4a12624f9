// Internal helpers: not part of the jsii API (do not re-export from src/index.ts).

/** Postgres truncates longer identifiers silently, which would make two names collide. */
export const MAX_IDENTIFIER_BYTES = 63;

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** Names Spilo, Patroni or PostgreSQL itself create or treat specially. */
export const RESERVED_ROLES: readonly string[] = [
  'postgres', // superuser
  'standby', // Patroni replication user
  'admin', // Spilo post_init.sh
  'cron_admin', // Spilo post_init.sh
  'zalandos', // Spilo post_init.sh (default HUMAN_ROLE)
  'robot_zmon', // Spilo post_init.sh
  'public', // keywords that cannot name a role
  'none',
  'current_user',
  'current_role',
  'session_user',
];

export const RESERVED_DATABASES: readonly string[] = ['postgres', 'template0', 'template1'];

/** Schema of the pooler lookup function. */
export const POOLER_SCHEMA = 'pgaas_pooler';

export const RESERVED_SCHEMAS: readonly string[] = [
  'information_schema',
  POOLER_SCHEMA,
  // Spilo installs these in every database.
  'metric_helpers',
  'user_management',
  'zmon_utils',
  'cron',
];

/**
 * The one PostgreSQL identifier rule of the library (roles, databases, schemas, users): a rule text
 * that reads after "is invalid: ", or undefined when the name is fine.
 */
export function identifierProblem(value: string): string | undefined {
  if (!IDENTIFIER.test(value)) {
    return 'must use only lowercase letters, digits and underscores, starting with a letter or underscore (anything else is not a valid identifier here, so that names never depend on quoting)';
  }
  if (Buffer.byteLength(value, 'utf8') > MAX_IDENTIFIER_BYTES) {
    return `must not be longer than ${MAX_IDENTIFIER_BYTES} bytes, which PostgreSQL would silently truncate`;
  }
  return undefined;
}

export function isValidIdentifier(value: string): boolean {
  return identifierProblem(value) === undefined;
}

/** Double-quotes an identifier, so keywords such as `user` or `order` work. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A standard-conforming string literal (the session sets standard_conforming_strings). */
export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A libpq conninfo value, quoted for use as a single-quoted psql meta-command argument. */
export function psqlConninfoArg(key: string, value: string): string {
  const conninfo = `${key}='${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return `'${conninfo.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** A guarded change: psql runs the statement(s) the query returns, so a query that returns no row changes nothing. */
export function gexec(query: string): string {
  return `${query}\n\\gexec`;
}

/** The oid of a role by name (NULL when it does not exist), as an SQL expression. */
export function roleOid(name: string): string {
  return `(SELECT oid FROM pg_catalog.pg_roles WHERE rolname = ${literal(name)})`;
}
