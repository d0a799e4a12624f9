import { ChildProcess } from 'child_process';
import * as path from 'path';
import { BootstrapSql } from '../../../src/database/bootstrap-sql';
import { DatabaseBootstrapSpec } from '../../../src/database/roles';
import { PostgresServer } from '../../harness/postgres';
import { runAsService, spawnAsService, waitFor, writeServiceFile } from '../../harness/processes';
import { roleCatalog } from '../../harness/role-catalog';

/*
 * Day 2 of the declared roles and databases, revision after revision: each revision's SQL is
 * rendered by BootstrapSql and run exactly as the bootstrap Job runs it (same psql command line,
 * superuser, passwords from the environment) against PostgreSQL 15; between revisions the test
 * plays the applications (objects, privileges, default privileges, open sessions) and a human
 * (a grant and a role made by hand).
 */

const REVISION_1: DatabaseBootstrapSpec = {
  roles: [
    { name: 'app', memberOf: ['shop_writer', 'reporting'] },
    { name: 'reporting', login: false },
    { name: 'old_app', memberOf: ['shop_reader'] },
    { name: 'temp_user' },
    { name: 'leaving', login: false },
    { name: 'batch', inherit: false, createDb: true, createRole: true, replication: true, bypassRls: true, connectionLimit: 5, validUntil: '2030-01-31T12:00:00+01:00' },
    { name: 'ops' },
  ],
  databases: [
    { name: 'shop', prepared: true },
    { name: 'legacy', owner: 'app', schemas: ['archive'] },
    { name: 'scratch', owner: 'temp_user' },
  ],
};

const REVISION_2: DatabaseBootstrapSpec = {
  roles: [
    { name: 'app', memberOf: ['shop_writer'] }, // reporting removed: revoked
    { name: 'reporting', login: false },
    { name: 'old_app', absent: true, reassignOwnedTo: 'app' }, // owns objects: they go to app
    { name: 'temp_user', absent: true }, // owns nothing once scratch is kept without owner
    { name: 'batch' }, // every attribute removed: back to the defaults
    { name: 'ops', superuser: true, validUntil: 'infinity' },
    // leaving is no longer declared: kept as it is
  ],
  databases: [
    { name: 'shop', prepared: true },
    { name: 'legacy', owner: 'reporting', schemas: ['archive'] }, // owner follows
    { name: 'scratch' }, // owner removed: back to the superuser
    // nothing else removed: a database removed from the declaration is kept (see the last test)
  ],
};

const DATABASES = ['postgres', 'shop', 'legacy', 'scratch'];
const password = (role: string) => `pw-${role}-day2`;
let server: PostgresServer;

function passwordEnv(spec: DatabaseBootstrapSpec): Record<string, string> {
  return Object.fromEntries(BootstrapSql.loginRoles(spec).map((l) => [l.passwordEnv, password(l.role)]));
}

/** Runs one revision's SQL as the bootstrap Job does. */
function apply(spec: DatabaseBootstrapSpec): { status: number | null; stdout: string; stderr: string } {
  const file = path.join(server.dir, 'bootstrap.sql');
  writeServiceFile(file, BootstrapSql.render(spec));
  const [command, ...args] = BootstrapSql.psqlCommand(file);
  const run = runAsService(command, args, {
    env: { PGHOST: server.dir, PGPORT: String(server.port), PGUSER: 'postgres', PGDATABASE: 'postgres', ...passwordEnv(spec) },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function applyOk(spec: DatabaseBootstrapSpec): void {
  const run = apply(spec);
  expect({ status: run.status, stderr: run.stderr, stdout: run.stdout }).toEqual({ status: 0, stderr: '', stdout: '' });
}

const catalog = () => roleCatalog(server, DATABASES);
const rows = (sql: string, database = 'postgres') => server.query(sql, { database }).split('\n').filter((l) => l !== '');
const members = () => rows(`SELECT roleid::regrole || ' > ' || member::regrole FROM pg_auth_members
  WHERE member::regrole::text NOT LIKE 'pg\\_%' ORDER BY 1`);
const roleExists = (role: string) => server.query(`SELECT count(*) FROM pg_roles WHERE rolname = '${role}'`) === '1';

beforeAll(async () => {
  server = await PostgresServer.start();
});
afterAll(() => server?.stop());

describe('roles and databases follow the declaration, revision after revision (PostgreSQL 15)', () => {
  let session: ChildProcess | undefined;
  afterAll(() => {
    if (session?.exitCode === null) session.kill('SIGKILL');
  });

  test('revision 1 applies, and a second run changes no catalog', () => {
    applyOk(REVISION_1);
    const first = catalog();
    applyOk(REVISION_1);
    expect(catalog()).toEqual(first);
    expect(rows(`SELECT rolname, rolinherit, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolconnlimit,
      rolvaliduntil AT TIME ZONE 'UTC' FROM pg_roles WHERE rolname = 'batch'`)).toEqual(['batch|f|t|t|t|t|5|2030-01-31 11:00:00']);
    expect(members()).toEqual(['reporting > app', 'shop_reader > old_app', 'shop_reader > shop_writer', 'shop_writer > app']);
  });

  test('between revisions: the applications and a human act', async () => {
    // old_app owns objects in two databases the bootstrap manages, holds privileges, and defined default privileges.
    server.query('CREATE TABLE public.old_things (x int); ALTER TABLE public.old_things OWNER TO old_app', { database: 'shop' });
    server.query(`SET ROLE shop_owner; CREATE TABLE data.items (id int);
      ALTER DEFAULT PRIVILEGES FOR ROLE shop_owner IN SCHEMA data GRANT SELECT ON TABLES TO old_app`, { database: 'shop' });
    server.query(`GRANT INSERT ON data.items TO old_app;
      ALTER DEFAULT PRIVILEGES FOR ROLE old_app IN SCHEMA public GRANT SELECT ON TABLES TO reporting`, { database: 'shop' });
    server.query('CREATE TABLE public.old_notes (x int); ALTER TABLE public.old_notes OWNER TO old_app');
    // A human grants a membership the library does not declare, and creates a role by hand.
    server.query('GRANT reporting TO batch; CREATE ROLE handmade LOGIN');
    // old_app has an open session.
    session = spawnAsService('psql', ['-X', '-c', 'SELECT pg_sleep(300)'], path.join(server.dir, 'old_app-session.log'),
      { env: server.tcpEnv('old_app', password('old_app'), 'shop') });
    await waitFor('the session of old_app', () => server.query("SELECT count(*) FROM pg_stat_activity WHERE usename = 'old_app'") === '1', 10_000);
  });

  test('revision 2: memberships revoked, absent roles dropped, attributes and owners follow', async () => {
    applyOk(REVISION_2);

    // Only the membership the library had granted is revoked; the hand-made one stays.
    expect(members()).toEqual(['reporting > batch', 'shop_reader > shop_writer', 'shop_writer > app']);
    // Dropped, their session ended; the undeclared role and the hand-made one are untouched.
    expect(roleExists('old_app')).toBe(false);
    expect(roleExists('temp_user')).toBe(false);
    expect(roleExists('leaving')).toBe(true);
    expect(roleExists('handmade')).toBe(true);
    await waitFor('the session of old_app to end', () => session?.exitCode !== null, 10_000);
    expect(session?.exitCode).not.toBe(0);
    // What old_app owned is app's now, in every database; its privileges and default privileges are gone.
    expect(server.query("SELECT tableowner FROM pg_tables WHERE tablename = 'old_things'", { database: 'shop' })).toBe('app');
    expect(server.query("SELECT tableowner FROM pg_tables WHERE tablename = 'old_notes'")).toBe('app');
    expect(server.query("SELECT relacl::text FROM pg_class WHERE relname = 'items'", { database: 'shop' })).not.toMatch(/old_app/);
    expect(rows('SELECT defaclrole::regrole || \' \' || defaclacl::text FROM pg_default_acl ORDER BY 1', 'shop').join('\n')).not.toMatch(/old_app|^app /m);
    // Removed attributes are back to their defaults; ops became a superuser.
    expect(rows(`SELECT rolname, rolcanlogin, rolsuper, rolinherit, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls,
      rolconnlimit, rolvaliduntil FROM pg_roles WHERE rolname IN ('batch', 'ops') ORDER BY 1`))
      .toEqual(['batch|t|f|t|f|f|f|f|-1|infinity', 'ops|t|t|t|f|f|f|f|-1|infinity']);
    // Database owners follow, back to the superuser when the owner is removed; the declared schema follows too.
    expect(rows("SELECT datname || ' ' || datdba::regrole FROM pg_database WHERE datname IN ('legacy', 'scratch') ORDER BY 1"))
      .toEqual(['legacy reporting', 'scratch postgres']);
    expect(server.query("SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'archive'", { database: 'legacy' })).toBe('reporting');
  });

  test('revision 2 again changes no catalog', () => {
    const before = catalog();
    applyOk(REVISION_2);
    expect(catalog()).toEqual(before);
  });

  test('a memberOf entry put back is granted again, and removing it again revokes it again', () => {
    const back = { ...REVISION_2, roles: REVISION_2.roles!.map((r) => (r.name === 'app' ? { name: 'app', memberOf: ['shop_writer', 'reporting'] } : r)) };
    applyOk(back);
    expect(members()).toContain('reporting > app');
    applyOk(REVISION_2);
    expect(members()).not.toContain('reporting > app');
  });
});

describe('dropping a role is refused, before any change, with the reason', () => {
  function expectRefused(spec: DatabaseBootstrapSpec, reason: RegExp): void {
    const before = catalog();
    const run = apply(spec);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(reason);
    expect(catalog()).toEqual(before);
  }
  const withRoles = (...roles: NonNullable<DatabaseBootstrapSpec['roles']>) => ({ ...REVISION_2, roles: [...REVISION_2.roles!, ...roles] });

  test('a role the library did not create', () => {
    expectRefused(withRoles({ name: 'handmade', absent: true }),
      /ERROR: {2}cannot drop role handmade \(roles\[6\] is absent\): cdk8s-pgaas did not create it and does not manage it/);
    expect(roleExists('handmade')).toBe(true);
  });

  test('a role that owns objects, without reassignOwnedTo', () => {
    applyOk(withRoles({ name: 'owner2' }));
    server.query('CREATE TABLE public.t2 (x int); ALTER TABLE public.t2 OWNER TO owner2', { database: 'legacy' });
    expectRefused(withRoles({ name: 'owner2', absent: true }),
      /cannot drop role owner2 \(roles\[6\] is absent\): it owns objects \(1 in legacy\); declare reassignOwnedTo/);
    // Declared with a receiver, it goes.
    applyOk(withRoles({ name: 'owner2', absent: true, reassignOwnedTo: 'reporting' }));
    expect(roleExists('owner2')).toBe(false);
    expect(server.query("SELECT tableowner FROM pg_tables WHERE tablename = 't2'", { database: 'legacy' })).toBe('reporting');
  });

  test('a role with objects or privileges in a database the bootstrap does not manage', () => {
    applyOk(withRoles({ name: 'wanderer' }));
    server.query('CREATE DATABASE elsewhere');
    server.query('CREATE TABLE t (x int); GRANT SELECT ON t TO wanderer', { database: 'elsewhere' });
    expectRefused(withRoles({ name: 'wanderer', absent: true, reassignOwnedTo: 'reporting' }),
      /cannot drop role wanderer \(roles\[6\] is absent\): it owns objects or holds privileges in databases the bootstrap does not manage \(elsewhere\)/);
    expect(roleExists('wanderer')).toBe(true);
  });
});

describe('databases removed from the declaration', () => {
  test('are kept with their data: the bootstrap never drops a database', () => {
    server.query('CREATE TABLE keep (x int); INSERT INTO keep VALUES (42)', { database: 'scratch' });
    applyOk({ ...REVISION_2, databases: REVISION_2.databases!.filter((db) => db.name !== 'scratch') });
    expect(server.query('SELECT x FROM keep', { database: 'scratch' })).toBe('42');
  });
});
