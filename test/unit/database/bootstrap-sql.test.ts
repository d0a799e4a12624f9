import * as fc from 'fast-check';
import { BootstrapSql } from '../../../src/database/bootstrap-sql';
import { DatabaseBootstrapSpec } from '../../../src/database/roles';

const SPEC: DatabaseBootstrapSpec = {
  roles: [
    { name: 'app', memberOf: ['shop_writer'] },
    { name: 'user', memberOf: ['order_reader'] },
    { name: 'group_only', login: false },
  ],
  databases: [
    { name: 'shop', prepared: true, defaultUsers: true, schemas: ['data', 'order'] },
    { name: 'order', prepared: true },
    { name: 'select', owner: 'app', schemas: ['user'], extensions: ['uuid-ossp'] },
  ],
  poolerRole: BootstrapSql.DEFAULT_POOLER_ROLE,
};

describe('psqlCommand', () => {
  test('is the exact command line of the bootstrap Job', () => {
    expect(BootstrapSql.psqlCommand()).toEqual(['psql', '-X', '-w', '-q', '-v', 'ON_ERROR_STOP=1', '-f', '/sql/bootstrap.sql']);
    expect(BootstrapSql.psqlCommand('/tmp/x.sql').slice(-1)).toEqual(['/tmp/x.sql']);
  });
});

describe('passwordEnvName', () => {
  test('prefixes the uppercased role name', () => {
    expect(BootstrapSql.passwordEnvName('app')).toBe('PGAAS_PASSWORD_APP');
    expect(BootstrapSql.passwordEnvName('shop_owner_user')).toBe('PGAAS_PASSWORD_SHOP_OWNER_USER');
    expect(BootstrapSql.passwordEnvName('_x1')).toBe('PGAAS_PASSWORD__X1');
  });

  test('refuses names outside the identifier rule', () => {
    expect(() => BootstrapSql.passwordEnvName('App')).toThrow(/invalid role name "App"/);
    expect(() => BootstrapSql.passwordEnvName('a-b')).toThrow(/invalid role name/);
  });

  const roleName = fc.stringMatching(/^[a-z_][a-z0-9_]{0,62}$/);

  test('is always a valid environment variable name', () => {
    fc.assert(fc.property(roleName, (name) => /^[A-Z_][A-Z0-9_]*$/.test(BootstrapSql.passwordEnvName(name))));
  });

  test('never maps two role names to the same variable', () => {
    fc.assert(fc.property(roleName, roleName, (a, b) => a === b || BootstrapSql.passwordEnvName(a) !== BootstrapSql.passwordEnvName(b)));
  });
});

describe('loginRoles', () => {
  test('lists declared login roles, default users and the pooler, not NOLOGIN roles', () => {
    expect(BootstrapSql.loginRoles(SPEC)).toEqual([
      { role: 'app', passwordEnv: 'PGAAS_PASSWORD_APP' },
      { role: 'user', passwordEnv: 'PGAAS_PASSWORD_USER' },
      { role: 'shop_owner_user', passwordEnv: 'PGAAS_PASSWORD_SHOP_OWNER_USER' },
      { role: 'shop_reader_user', passwordEnv: 'PGAAS_PASSWORD_SHOP_READER_USER' },
      { role: 'shop_writer_user', passwordEnv: 'PGAAS_PASSWORD_SHOP_WRITER_USER' },
      { role: 'pooler', passwordEnv: 'PGAAS_PASSWORD_POOLER' },
    ]);
    expect(BootstrapSql.loginRoles({})).toEqual([]);
  });
});

describe('render', () => {
  const sql = BootstrapSql.render(SPEC);

  test('is deterministic', () => {
    expect(BootstrapSql.render(SPEC)).toBe(sql);
  });

  test('quotes every identifier, keywords included', () => {
    expect(sql).toContain('CREATE ROLE "user" WITH LOGIN');
    expect(sql).toContain('CREATE DATABASE "select" OWNER "app"');
    expect(sql).toContain('CREATE SCHEMA IF NOT EXISTS "order" AUTHORIZATION "shop_owner";');
    expect(sql).toContain('CREATE SCHEMA IF NOT EXISTS "user" AUTHORIZATION "app";');
    expect(sql).toContain('CREATE EXTENSION IF NOT EXISTS "uuid-ossp" CASCADE;');
    expect(sql).toContain("\\connect -reuse-previous=on 'dbname=''select'''");
    // No role is ever named unquoted in generated DDL.
    expect(sql).not.toMatch(/(ROLE|TO|OWNER|AUTHORIZATION) (app|user|shop_owner|shop_reader|shop_writer|pooler)\b/);
  });

  test('reads passwords only from the environment, drops nothing without an absent role, revokes only recorded memberships', () => {
    for (const { passwordEnv } of BootstrapSql.loginRoles(SPEC)) expect(sql).toContain(`\\getenv pgaas_password ${passwordEnv}\n`);
    expect(sql).not.toContain('PGAAS_PASSWORD_GROUP_ONLY');
    expect(sql).not.toMatch(/\bDROP\b/);
    expect(sql).not.toMatch(/REVOKE (?!ALL ON (SCHEMA|FUNCTION) "pgaas_pooler"|%I FROM %I)/);
    expect(sql).toMatch(/format\('REVOKE %I FROM %I', g.rolname, m.rolname\) FROM "pgaas_bootstrap"."managed_memberships"/);
    expect(sql).not.toMatch(/\\set ECHO (all|queries|errors)/);
  });

  test('sets SCRAM before any password', () => {
    expect(sql.indexOf("SET password_encryption = 'scram-sha-256';")).toBeLessThan(sql.indexOf('PASSWORD %L'));
  });

  test('a prepared database defaults to a "data" schema and has default privileges for its owner', () => {
    const order = BootstrapSql.render({ databases: [{ name: 'order', prepared: true }] });
    expect(order).toContain('CREATE SCHEMA IF NOT EXISTS "data" AUTHORIZATION "order_owner";');
    expect(order).toContain('ALTER DEFAULT PRIVILEGES FOR ROLE "order_owner" IN SCHEMA "data" GRANT SELECT ON TABLES TO "order_reader"');
    expect(order).toContain('ALTER DEFAULT PRIVILEGES FOR ROLE "order_owner" IN SCHEMA "data" GRANT INSERT, UPDATE, DELETE ON TABLES TO "order_writer"');
    expect(order).not.toContain('pgaas_pooler');
  });

  test('encoding or locale creates from template0', () => {
    expect(BootstrapSql.render({ databases: [{ name: 'x', encoding: 'UTF8' }] }))
      .toContain("CREATE DATABASE \"x\" ENCODING ''UTF8'' TEMPLATE template0");
    expect(BootstrapSql.render({ databases: [{ name: 'x' }] })).toContain("SELECT 'CREATE DATABASE \"x\"' WHERE NOT EXISTS");
  });
});
