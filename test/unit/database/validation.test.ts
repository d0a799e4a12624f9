import { BootstrapSql } from '../../../src/database/bootstrap-sql';
import { DatabaseBootstrap } from '../../../src/database/database-bootstrap';
import { DatabaseBootstrapSpec, DatabaseProps, RoleProps } from '../../../src/database/roles';
import { formatProblem } from '../../../src/private/validation';
import { built as validatedTree, testChart } from '../../harness/synth';

const validate = (spec: DatabaseBootstrapSpec) => BootstrapSql.problems(spec).map(formatProblem);
const roles = (...r: RoleProps[]) => validate({ roles: r });
const dbs = (...d: DatabaseProps[]) => validate({ databases: d });

/** Exactly one error, naming the property path, the bad value (JSON) and the rule. */
function expectOneError(errors: string[], path: string, value: unknown, rule: RegExp): void {
  expect(errors).toHaveLength(1);
  expect(errors[0].startsWith(`${path}: ${JSON.stringify(value)} `) || errors[0].startsWith(`${path}:`)).toBe(true);
  expect(errors[0]).toContain(JSON.stringify(value));
  expect(errors[0]).toMatch(rule);
}

describe('a valid spec', () => {
  test('has no errors, including SQL keywords as names', () => {
    expect(validate({
      roles: [
        { name: 'app', memberOf: ['shop_writer'], connectionLimit: 0 },
        { name: 'user', memberOf: ['order_reader', 'app'] },
        { name: '_private', login: false, createDb: true, createRole: true, replication: true, bypassRls: true },
      ],
      databases: [
        { name: 'shop', prepared: true, defaultUsers: true, schemas: ['order', 'public'], extensions: ['uuid-ossp', 'pg_trgm'] },
        { name: 'order', prepared: true, owner: 'order_owner', encoding: 'UTF8', locale: 'en_US.UTF-8' },
        { name: 'legacy', owner: 'shop_owner', encoding: 'LATIN1', locale: 'de_DE@euro' },
        { name: 'plain' },
      ],
      poolerRole: 'pooler',
    })).toEqual([]);
    expect(validate({})).toEqual([]);
  });
});

describe('role names', () => {
  test.each([
    ['App', /lowercase letters/],
    ['my-app', /lowercase letters/],
    ['1app', /starting with a letter or underscore/],
    ['', /not a valid identifier/],
    ['app$', /not a valid identifier/],
    ['a'.repeat(64), /longer than 63 bytes/],
  ])('%j is rejected as an identifier', (name, rule) => {
    expectOneError(roles({ name }), 'roles[0].name', name, rule);
  });

  test('63 bytes is the maximum', () => {
    expect(roles({ name: 'a'.repeat(63) })).toEqual([]);
  });

  test.each(['postgres', 'standby', 'admin', 'cron_admin', 'zalandos', 'robot_zmon', 'public', 'none', 'current_user', 'session_user', 'current_role'])(
    'reserved name %j is rejected', (name) => {
      expectOneError(roles({ name }), 'roles[0].name', name, /is reserved: PostgreSQL, Patroni or Spilo use it/);
    });

  test('names starting with pg_ are reserved', () => {
    expectOneError(roles({ name: 'pg_app' }), 'roles[0].name', 'pg_app', /starting with "pg_" belong to PostgreSQL/);
  });

  test('duplicate declared roles', () => {
    expectOneError(roles({ name: 'app' }, { name: 'app', login: false }), 'roles[1].name', 'app', /already used by roles\[0\]\.name; role names must be unique/);
  });

  test.each([
    ['shop_owner'], ['shop_reader'], ['shop_writer'], ['shop_owner_user'], ['shop_reader_user'], ['shop_writer_user'],
  ])('declared role %j collides with a generated prepared-database role', (name) => {
    const errors = validate({ roles: [{ name }], databases: [{ name: 'shop', prepared: true, defaultUsers: true }] });
    expectOneError(errors, 'databases[0].name (generated)', name, /already used by roles\[0\]\.name/);
  });

  test('the pooler role collides with a declared role', () => {
    expectOneError(validate({ roles: [{ name: 'pooler' }], poolerRole: 'pooler' }), 'poolerRole (generated)', 'pooler', /already used by roles\[0\]\.name/);
  });

  test('pooler role name follows the role rules', () => {
    expectOneError(validate({ poolerRole: 'admin' }), 'poolerRole', 'admin', /reserved/);
    expectOneError(validate({ poolerRole: 'Pooler' }), 'poolerRole', 'Pooler', /lowercase/);
  });
});

describe('role attributes and membership', () => {
  test.each([[-2], [1.5], [Number.NaN]])('connectionLimit %p is rejected', (limit) => {
    expectOneError(roles({ name: 'app', connectionLimit: limit }), 'roles[0].connectionLimit', limit, /integer >= -1/);
  });

  test('membership in an undeclared role', () => {
    expectOneError(roles({ name: 'app', memberOf: ['ghost'] }), 'roles[0].memberOf[0]', 'ghost', /not a declared role nor a role generated/);
  });

  test('membership in itself', () => {
    expectOneError(roles({ name: 'app', memberOf: ['app'] }), 'roles[0].memberOf[0]', 'app', /cannot be a member of itself/);
  });

  test('a role listed twice in memberOf', () => {
    expectOneError(roles({ name: 'g', login: false }, { name: 'app', memberOf: ['g', 'g'] }), 'roles[1].memberOf', 'g', /listed more than once/);
  });

  test('membership cycles', () => {
    const errors = roles({ name: 'a', memberOf: ['b'] }, { name: 'b', memberOf: ['c'] }, { name: 'c', memberOf: ['a'] });
    expectOneError(errors, 'roles[0].memberOf', 'a -> b -> c -> a', /membership cycle/);
  });
});

describe('databases', () => {
  test.each([['Shop'], ['my-db'], ['9db'], ['d'.repeat(64)]])('invalid name %j', (name) => {
    expectOneError(dbs({ name }), 'databases[0].name', name, /not a valid identifier|longer than 63 bytes/);
  });

  test.each([['postgres'], ['template0'], ['template1']])('reserved name %j', (name) => {
    expectOneError(dbs({ name }), 'databases[0].name', name, /is reserved: it exists in every cluster/);
  });

  test('duplicate database names', () => {
    expectOneError(dbs({ name: 'shop' }, { name: 'shop' }), 'databases[1].name', 'shop', /already used by databases\[0\]\.name/);
  });

  test('a prepared database whose generated role names would be too long', () => {
    const name = 'd'.repeat(57); // 57 + "_writer" = 64 bytes
    expectOneError(dbs({ name, prepared: true }), 'databases[0].name', name, /too long for a prepared database: the generated role .* longer than 63 bytes/);
    expect(dbs({ name: 'd'.repeat(56), prepared: true })).toEqual([]);
    expectOneError(dbs({ name: 'd'.repeat(52), prepared: true, defaultUsers: true }), 'databases[0].name', 'd'.repeat(52), /_writer_user/);
  });

  test('a prepared database named pg_*', () => {
    expectOneError(dbs({ name: 'pg_shop', prepared: true }), 'databases[0].name', 'pg_shop', /would start with "pg_"/);
  });

  test('defaultUsers requires prepared', () => {
    expectOneError(dbs({ name: 'shop', defaultUsers: true }), 'databases[0].defaultUsers', true, /requires prepared: true/);
  });

  test('an owner that is not declared', () => {
    expectOneError(dbs({ name: 'shop', owner: 'ghost' }), 'databases[0].owner', 'ghost', /not a declared role nor the <db>_owner role of a prepared database/);
  });

  test('only the owner role of a prepared database may own another database', () => {
    expectOneError(validate({ databases: [{ name: 'a', prepared: true }, { name: 'b', owner: 'a_reader' }] }), 'databases[1].owner', 'a_reader', /not a declared role nor the <db>_owner/);
    expect(validate({ databases: [{ name: 'a', prepared: true }, { name: 'b', owner: 'a_owner' }] })).toEqual([]);
  });

  test('a prepared database is owned by its own owner role', () => {
    const errors = validate({ roles: [{ name: 'app' }], databases: [{ name: 'shop', prepared: true, owner: 'app' }] });
    expectOneError(errors, 'databases[0].owner', 'app', /always owned by "shop_owner"; make the role a member of it instead/);
  });

  test('an owner that is not an identifier', () => {
    expectOneError(dbs({ name: 'shop', owner: 'App' }), 'databases[0].owner', 'App', /not a valid identifier/);
  });

  test.each([['UTF 8'], ['8bit'], ["UTF8'; DROP"], ['x'.repeat(40)]])('invalid encoding %j', (encoding) => {
    expectOneError(dbs({ name: 'shop', encoding }), 'databases[0].encoding', encoding, /not a valid encoding name/);
  });

  test.each([['en US'], ['.UTF-8'], ["C'"], ['en_US.UTF-8;'], ['de@']])('invalid locale %j', (locale) => {
    expectOneError(dbs({ name: 'shop', locale }), 'databases[0].locale', locale, /not a valid locale name/);
  });

  test.each([['C'], ['POSIX'], ['C.UTF-8'], ['en_US.utf8'], ['sr_RS.UTF-8@latin']])('valid locale %j', (locale) => {
    expect(dbs({ name: 'shop', locale })).toEqual([]);
  });

  test.each([['PgCrypto'], ['uuid ossp'], ['-x'], ['x;y']])('invalid extension %j', (ext) => {
    expectOneError(dbs({ name: 'shop', extensions: [ext] }), 'databases[0].extensions[0]', ext, /not a valid extension name/);
  });

  test('duplicate extension', () => {
    expectOneError(dbs({ name: 'shop', extensions: ['citext', 'citext'] }), 'databases[0].extensions', 'citext', /listed more than once/);
  });

  test.each([['Data'], ['my-schema'], ['s'.repeat(64)]])('invalid schema %j', (schema) => {
    expectOneError(dbs({ name: 'shop', schemas: [schema] }), 'databases[0].schemas[0]', schema, /not a valid identifier|longer than 63/);
  });

  test.each([['pg_data'], ['information_schema'], ['pgaas_pooler'], ['metric_helpers'], ['user_management'], ['zmon_utils'], ['cron']])(
    'reserved schema %j', (schema) => {
      expectOneError(dbs({ name: 'shop', schemas: [schema] }), 'databases[0].schemas[0]', schema, /is reserved/);
    });

  test('duplicate schema', () => {
    expectOneError(dbs({ name: 'shop', schemas: ['data', 'data'] }), 'databases[0].schemas', 'data', /listed more than once/);
  });
});

test('render refuses an invalid spec and lists every error', () => {
  expect(() => BootstrapSql.render({ roles: [{ name: 'Admin' }], databases: [{ name: 'postgres' }] }))
    .toThrow(/invalid database bootstrap spec:\n- roles\[0\]\.name: "Admin" .*\n- databases\[0\]\.name: "postgres" is reserved/);
});

describe('problems', () => {
  test('name the property, the value and the rule separately', () => {
    const spec = { roles: [{ name: 'App' }], databases: [{ name: 'postgres' }] };
    const problems = BootstrapSql.problems(spec);
    expect(problems.map((p) => [p.property, p.value])).toEqual([['roles[0].name', 'App'], ['databases[0].name', 'postgres']]);
    expect(problems[1].rule).toMatch(/^is reserved: it exists in every cluster/);
  });

  test('DatabaseBootstrap reports the spec\'s problems under spec, and login roles without a password Secret', () => {
    const image = 'spilo:1';
    const base = { name: 'b', image, host: 'h', port: 5432, superuserUsername: { secretName: 's', key: 'u' }, superuserPassword: { secretName: 's', key: 'p' } };
    expect(() => validatedTree(new DatabaseBootstrap(testChart('x'), 'B', { ...base, spec: { roles: [{ name: 'App' }] }, passwords: {} })))
      .toThrow(/DatabaseBootstrap .* has 1 invalid property:\n {2}- spec\.roles\[0\]\.name: "App" is invalid: must use only lowercase letters/);
    expect(() => validatedTree(new DatabaseBootstrap(testChart('y'), 'B', { ...base, spec: { roles: [{ name: 'app' }] }, passwords: {} })))
      .toThrow(/passwords\.app: undefined is invalid: needs the password Secret of login role "app"/);
  });
});
