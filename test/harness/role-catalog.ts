import { PostgresServer } from './postgres';

/**
 * The catalogs the bootstrap converges (roles, memberships, databases, role settings, and per
 * database the owners, ACLs and default privileges), as text. xmin is included where PostgreSQL
 * only changes it through a real UPDATE, so even a no-op rewrite of a row shows as a difference.
 */
export function roleCatalog(server: PostgresServer, databases: readonly string[]): Record<string, string> {
  const dump: Record<string, string> = {
    pg_roles: server.query(`SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication,
      rolbypassrls, rolconnlimit, rolvaliduntil, rolpassword, xmin FROM pg_authid ORDER BY 1`),
    pg_auth_members: server.query(`SELECT roleid::regrole, member::regrole, grantor::regrole, admin_option, xmin
      FROM pg_auth_members ORDER BY 1, 2, 3`),
    pg_database: server.query(`SELECT datname, datdba::regrole, pg_encoding_to_char(encoding), datcollate, datctype, datacl,
      datconnlimit, xmin FROM pg_database ORDER BY 1`),
    pg_db_role_setting: server.query(`SELECT d.datname, s.setrole::regrole, s.setconfig, s.xmin FROM pg_db_role_setting s
      LEFT JOIN pg_database d ON d.oid = s.setdatabase ORDER BY 1, 2`),
  };
  for (const db of databases) {
    dump[`${db}.pg_namespace`] = server.query('SELECT nspname, nspowner::regrole, nspacl, xmin FROM pg_namespace ORDER BY 1', { database: db });
    dump[`${db}.pg_default_acl`] = server.query(`SELECT defaclrole::regrole, defaclnamespace::regnamespace, defaclobjtype, defaclacl, xmin
      FROM pg_default_acl ORDER BY 1, 2, 3`, { database: db });
    dump[`${db}.pg_class`] = server.query(`SELECT c.oid::regclass, c.relowner::regrole, c.relacl, c.xmin FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1`, { database: db });
  }
  return dump;
}
