import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { BootstrapSql } from '../../../src/database/bootstrap-sql';
import { DatabaseBootstrapSpec } from '../../../src/database/roles';
import { PostgresServer } from '../../harness/postgres';
import { runAsService, writeServiceFile } from '../../harness/processes';
import { roleCatalog } from '../../harness/role-catalog';

const SPEC: DatabaseBootstrapSpec = {
  roles: [
    { name: 'app', memberOf: ['shop_writer'], connectionLimit: 20 },
    { name: 'analyst', memberOf: ['shop_reader', 'order_reader'] },
    { name: 'migrator', createDb: true, createRole: true, memberOf: ['shop_owner'] },
    // SQL keywords as names: everything must be quoted.
    { name: 'user', memberOf: ['order_writer'] },
    { name: 'group_only', login: false },
    { name: 'replicator', replication: true, bypassRls: true },
  ],
  databases: [
    { name: 'shop', prepared: true, defaultUsers: true, schemas: ['data', 'order'], extensions: ['pgcrypto', 'uuid-ossp'] },
    { name: 'order', prepared: true, encoding: 'UTF8', locale: 'C.UTF-8' },
    { name: 'legacy', owner: 'app', schemas: ['user'], extensions: ['citext'] },
  ],
  poolerRole: BootstrapSql.DEFAULT_POOLER_ROLE,
};

/** Unique tokens make "the output never contains a password" a meaningful assertion. */
const TOKENS = new Map<string, string>();
const PASSWORDS: Record<string, string> = {};
for (const { role } of BootstrapSql.loginRoles(SPEC)) {
  const token = randomBytes(12).toString('hex');
  TOKENS.set(role, token);
  // Quotes, backslashes, dollars, colons and spaces must survive psql and SQL quoting.
  PASSWORDS[role] = `${token} it's "q" \\ $$ :x %s`;
}
const PASSWORD_ENV = Object.fromEntries(BootstrapSql.loginRoles(SPEC).map((l) => [l.passwordEnv, PASSWORDS[l.role]]));

let server: PostgresServer;
const SQL = BootstrapSql.render(SPEC);
const DATABASES = ['postgres', ...(SPEC.databases ?? []).map((d) => d.name)];

/** Runs the script exactly as the bootstrap Job does: same command line, superuser, passwords from the environment. */
function runBootstrap(env: Record<string, string> = PASSWORD_ENV, sql = SQL) {
  const file = path.join(server.dir, 'bootstrap.sql');
  writeServiceFile(file, sql);
  const [command, ...args] = BootstrapSql.psqlCommand(file);
  return runAsService(command, args, {
    env: { PGHOST: server.dir, PGPORT: String(server.port), PGUSER: 'postgres', PGDATABASE: 'postgres', ...env },
  });
}

function expectNoPassword(text: string): void {
  for (const token of TOKENS.values()) expect(text).not.toContain(token);
}

function as(role: string, database: string, sql: string) {
  return server.psql(sql, { user: role, password: PASSWORDS[role], database });
}

function expectDenied(result: { status: number | null; stderr: string }, pattern = /permission denied/): void {
  expect(result.status).not.toBe(0);
  expect(result.stderr).toMatch(pattern);
}

/** Catalog state the bootstrap manages (roleCatalog), plus the extensions and the pooler's functions. */
function snapshot(): Record<string, string> {
  const cluster = roleCatalog(server, DATABASES);
  for (const db of DATABASES) {
    cluster[`${db}.extensions`] = server.query('SELECT extname, extversion, extnamespace::regnamespace, xmin FROM pg_extension ORDER BY 1', { database: db });
    cluster[`${db}.poolerFunctions`] = server.query(`SELECT oid::regprocedure, proowner::regrole, prosrc, proconfig, proacl, prosecdef, xmin
      FROM pg_proc WHERE pronamespace IN (SELECT oid FROM pg_namespace WHERE nspname = 'pgaas_pooler') ORDER BY 1`, { database: db });
  }
  return cluster;
}

beforeAll(async () => {
  // Log every statement, to prove the script keeps passwords out of the server log.
  server = await PostgresServer.start({ parameters: { log_statement: "'all'", log_min_error_statement: "'error'" } });
});

afterAll(() => {
  server?.stop();
});

describe('bootstrap SQL against PostgreSQL 15', () => {
  let first: ReturnType<typeof runBootstrap>;
  let afterFirst: Record<string, string>;

  test('the first run succeeds silently', () => {
    first = runBootstrap();
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toBe('');
    afterFirst = snapshot();
  });

  test('a second run succeeds and changes nothing', () => {
    const second = runBootstrap();
    expect(second.stderr).toBe('');
    expect(second.status).toBe(0);
    expect(snapshot()).toEqual(afterFirst);
  });

  test('no password appears in the output or the server log', () => {
    expectNoPassword(first.stdout + first.stderr);
    expectNoPassword(fs.readFileSync(path.join(server.dir, 'server.log'), 'utf8'));
  });

  test('roles carry the declared attributes and memberships', () => {
    expect(server.query(`SELECT rolname, rolcanlogin, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolconnlimit
      FROM pg_roles WHERE rolname IN ('app', 'migrator', 'user', 'group_only', 'replicator', 'shop_owner') ORDER BY 1`).split('\n')).toEqual([
      'app|t|f|f|f|f|20',
      'group_only|f|f|f|f|f|-1',
      'migrator|t|t|t|f|f|-1',
      'replicator|t|f|f|t|t|-1',
      'shop_owner|f|f|f|f|f|-1',
      'user|t|f|f|f|f|-1',
    ]);
    expect(server.query(`SELECT pg_has_role('user', 'order_reader', 'USAGE'), pg_has_role('app', 'shop_reader', 'USAGE'),
      pg_has_role('app', 'shop_owner', 'USAGE')`)).toBe('t|t|f');
    expect(server.query('SELECT datname, datdba::regrole, datcollate FROM pg_database WHERE datname IN (\'shop\', \'order\', \'legacy\') ORDER BY 1').split('\n'))
      .toEqual(['legacy|app|C.UTF-8', 'order|order_owner|C.UTF-8', 'shop|shop_owner|C.UTF-8']);
    expect(server.query("SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'user'", { database: 'legacy' })).toBe('app');
    expect(server.query("SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1", { database: 'shop' })).toBe('pgcrypto\nuuid-ossp');
  });

  test('passwords are stored as SCRAM and work; NOLOGIN roles cannot log in', () => {
    expect(server.query(`SELECT count(*) FROM pg_authid WHERE rolcanlogin AND rolname <> 'postgres'
      AND rolpassword IS NOT NULL AND rolpassword LIKE 'SCRAM-SHA-256$%'`)).toBe(String(BootstrapSql.loginRoles(SPEC).length));
    expect(server.query('SELECT current_user', { user: 'user', password: PASSWORDS.user })).toBe('user');
    expect(server.psql('SELECT 1', { user: 'app', password: 'wrong' }).status).not.toBe(0);
    for (const role of ['group_only', 'shop_reader', 'shop_owner']) {
      expectDenied(server.psql('SELECT 1', { user: role }), /is not permitted to log in/);
    }
  });

  test('objects the owner creates after the bootstrap follow the reader/writer model', () => {
    // shop_owner_user acts as shop_owner in shop (role setting), so its tables belong to shop_owner.
    as('shop_owner_user', 'shop', 'CREATE TABLE data.items (id serial PRIMARY KEY, name text); CREATE TABLE "order".lines (id bigint GENERATED ALWAYS AS IDENTITY, item int)');
    // Any member of shop_owner that switches role is covered too.
    server.query('SET ROLE shop_owner; CREATE TABLE data.prices (item int, cents int)', { user: 'migrator', password: PASSWORDS.migrator, database: 'shop' });
    expect(server.query("SELECT string_agg(tableowner, ',') FROM pg_tables WHERE tablename IN ('items', 'lines', 'prices')", { database: 'shop' }))
      .toBe('shop_owner,shop_owner,shop_owner');

    for (const writer of ['app', 'shop_writer_user']) {
      expect(as(writer, 'shop', "INSERT INTO data.items (name) VALUES ('x'); UPDATE data.items SET name = 'y'; INSERT INTO \"order\".lines (item) VALUES (1); INSERT INTO data.prices VALUES (1, 2)").status).toBe(0);
      expectDenied(as(writer, 'shop', 'CREATE TABLE data.evil (x int)'));
      expectDenied(as(writer, 'shop', 'CREATE TABLE "order".evil (x int)'));
      expectDenied(as(writer, 'shop', 'TRUNCATE data.items'));
    }
    expect(as('app', 'shop', 'DELETE FROM data.prices').status).toBe(0);

    for (const reader of ['analyst', 'shop_reader_user']) {
      expect(server.query('SELECT count(*) FROM data.items', { user: reader, password: PASSWORDS[reader], database: 'shop' })).toBe('2');
      expect(as(reader, 'shop', 'SELECT last_value FROM data.items_id_seq').status).toBe(0);
      expectDenied(as(reader, 'shop', "INSERT INTO data.items (name) VALUES ('z')"));
      expectDenied(as(reader, 'shop', 'CREATE TABLE data.evil (x int)'));
    }
    // Writer of another database has nothing here.
    expectDenied(as('user', 'shop', 'SELECT * FROM data.items'));
    expect(as('shop_owner_user', 'shop', 'DROP TABLE data.prices').status).toBe(0);
  });

  test('the default schema of a prepared database, and a keyword role as writer', () => {
    server.query('CREATE TABLE data.t (x int)', { database: 'order' }); // superuser-created, before a re-run
    server.query('SET ROLE order_owner; CREATE TABLE data.u (x int)', { database: 'order' });
    expect(runBootstrap().status).toBe(0); // existing objects get the grants
    expect(as('user', 'order', 'INSERT INTO data.t VALUES (1); INSERT INTO data.u VALUES (1)').status).toBe(0);
    expect(server.query('SELECT (SELECT count(*) FROM data.t) + (SELECT count(*) FROM data.u)', { user: 'analyst', password: PASSWORDS.analyst, database: 'order' })).toBe('2');
  });

  test('re-running with application objects in place still changes nothing', () => {
    const before = snapshot();
    const run = runBootstrap();
    expect(run.status).toBe(0);
    expect(run.stdout + run.stderr).toBe('');
    expect(snapshot()).toEqual(before);
  });

  test('the pooler can look up SCRAM verifiers through the SECURITY DEFINER function only', () => {
    for (const db of DATABASES) {
      const row = server.query("SELECT usename, passwd FROM pgaas_pooler.user_lookup('app')", { user: 'pooler', password: PASSWORDS.pooler, database: db });
      expect(row).toMatch(/^app\|SCRAM-SHA-256\$/);
      expect(server.query("SELECT count(*) FROM pgaas_pooler.user_lookup('postgres')", { user: 'pooler', password: PASSWORDS.pooler, database: db })).toBe('0');
      expectDenied(as('app', db, "SELECT * FROM pgaas_pooler.user_lookup('app')"));
      expectDenied(as('app', db, 'SELECT passwd FROM pg_shadow'));
      expectDenied(as('pooler', db, 'SELECT passwd FROM pg_shadow'));
      expectDenied(as('app', db, 'CREATE TABLE pgaas_pooler.x (y int)'));
      expectDenied(as('pooler', db, 'CREATE FUNCTION pgaas_pooler.f() RETURNS int LANGUAGE sql AS $$SELECT 1$$'));
      expect(server.query(`SELECT prosecdef, proconfig, proowner::regrole, has_schema_privilege('public', nspname, 'CREATE'),
        has_function_privilege('public', p.oid, 'EXECUTE') FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE nspname = 'pgaas_pooler'`, { database: db })).toBe('t|{"search_path=pg_catalog, pg_temp"}|postgres|f|f');
    }
  });

  test('a missing or empty password variable stops the run without leaking the others', () => {
    const { PGAAS_PASSWORD_APP: _, ...withoutApp } = PASSWORD_ENV;
    for (const env of [withoutApp, { ...PASSWORD_ENV, PGAAS_PASSWORD_APP: '' }]) {
      const run = runBootstrap(env);
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain('environment variable PGAAS_PASSWORD_APP is empty or not set');
      expectNoPassword(run.stdout + run.stderr);
    }
  });
});
