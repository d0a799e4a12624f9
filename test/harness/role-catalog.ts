import { PostgresServer } from './postgres';

/**
 * The catalogs the bootstrap converges (roles, memberships, databases, role settings, and per
 * database the owners, ACLs and default privileges), as text. xmin is included where PostgreSQL
 * only changes it through a real UPDATE, so even a no-op rewrite of a row shows as a difference.
 */
const CLUSTER_CATALOGS: Record<string, string> = {
  pg_roles: `SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication,
    rolbypassrls, rolconnlimit, rolvaliduntil, rolpassword, xmin FROM pg_authid ORDER BY 1`,
  pg_auth_members: `SELECT roleid::regrole, member::regrole, grantor::regrole, admin_option, xmin
    FROM pg_auth_members ORDER BY 1, 2, 3`,
  pg_database: `SELECT datname, datdba::regrole, pg_encoding_to_char(encoding), datcollate, datctype, datacl,
    datconnlimit, xmin FROM pg_database ORDER BY 1`,
  pg_db_role_setting: `SELECT d.datname, s.setrole::regrole, s.setconfig, s.xmin FROM pg_db_role_setting s
    LEFT JOIN pg_database d ON d.oid = s.setdatabase ORDER BY 1, 2`,
};

const DATABASE_CATALOGS: Record<string, string> = {
  pg_namespace: 'SELECT nspname, nspowner::regrole, nspacl, xmin FROM pg_namespace ORDER BY 1',
  pg_default_acl: `SELECT defaclrole::regrole, defaclnamespace::regnamespace, defaclobjtype, defaclacl, xmin
    FROM pg_default_acl ORDER BY 1, 2, 3`,
  pg_class: `SELECT c.oid::regclass, c.relowner::regrole, c.relacl, c.xmin FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1`,
};

/** Every catalog query, keyed like the dump: the cluster-wide ones, then `<database>.<catalog>` per database. */
function catalogQueries(databases: readonly string[]): Array<{ key: string; sql: string; database: string }> {
  return [
    ...Object.entries(CLUSTER_CATALOGS).map(([key, sql]) => ({ key, sql, database: 'postgres' })),
    ...databases.flatMap((database) => Object.entries(DATABASE_CATALOGS).map(([name, sql]) => ({ key: `${database}.${name}`, sql, database }))),
  ];
}

export function roleCatalog(server: PostgresServer, databases: readonly string[]): Record<string, string> {
  return Object.fromEntries(catalogQueries(databases).map(({ key, sql, database }) => [key, server.query(sql, { database })]));
}

/** The same dump through an asynchronous query function (a Patroni member's socket, for example). */
export async function roleCatalogVia(
  query: (sql: string, database: string) => Promise<string>, databases: readonly string[],
): Promise<Record<string, string>> {
  const entries = await Promise.all(catalogQueries(databases).map(async ({ key, sql, database }) => [key, await query(sql, database)] as const));
  return Object.fromEntries(entries);
}
