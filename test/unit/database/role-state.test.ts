import { Size, Testing } from 'cdk8s';
import { PostgresCluster } from '../../../src';
import { BootstrapSql } from '../../../src/database/bootstrap-sql';
import { DatabaseBootstrapSpec, RoleProps } from '../../../src/database/roles';
import { formatProblem } from '../../../src/private/validation';
import { clusterProblems, testChart } from '../../harness/synth';

const validate = (spec: DatabaseBootstrapSpec) => BootstrapSql.problems(spec).map(formatProblem);
const roles = (...r: RoleProps[]) => validate({ roles: r });

describe('role attributes', () => {
  test('SUPERUSER, INHERIT and VALID UNTIL are accepted and rendered', () => {
    const spec = { roles: [{ name: 'ops', superuser: true, inherit: false, validUntil: '2027-01-31T01:00:00+01:00' }, { name: 'app', validUntil: 'infinity' }] };
    expect(validate(spec)).toEqual([]);
    const sql = BootstrapSql.render(spec);
    expect(sql).toContain('CREATE ROLE "ops" WITH LOGIN SUPERUSER NOINHERIT NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1 VALID UNTIL \'\'2027-01-31T01:00:00+01:00\'\'');
    expect(sql).toContain('ALTER ROLE "ops" VALID UNTIL \'\'2027-01-31T01:00:00+01:00\'\'\' FROM pg_catalog.pg_roles WHERE rolname = \'ops\' AND rolvaliduntil IS DISTINCT FROM \'2027-01-31T01:00:00+01:00\'::timestamptz');
  });

  test('a role without VALID UNTIL is converged back to "never expires"', () => {
    expect(BootstrapSql.render({ roles: [{ name: 'app' }] }))
      .toContain('ALTER ROLE "app" VALID UNTIL \'\'infinity\'\'\' FROM pg_catalog.pg_roles WHERE rolname = \'app\' AND rolvaliduntil IS NOT NULL AND rolvaliduntil <> \'infinity\'');
  });

  test.each([
    ['2027-01-31', /ISO 8601 timestamp with a time zone/],
    ['2027-01-31T00:00:00', /ISO 8601 timestamp with a time zone/],
    ['tomorrow', /ISO 8601/],
    ['2027-02-30T00:00:00Z', /is not a real date and time/],
    ['2027-01-31T24:00:00Z', /is not a real date and time/],
    ["2027-01-31T00:00:00Z'; DROP ROLE x; --", /ISO 8601/],
  ])('validUntil %j is rejected', (validUntil, rule) => {
    const errors = roles({ name: 'app', validUntil });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^roles\\[0\\]\\.validUntil: ${JSON.stringify(validUntil).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is invalid: `));
    expect(errors[0]).toMatch(rule);
  });

  test('untyped callers: attributes of the wrong type are reported, not rendered', () => {
    const errors = roles({ name: 'app', superuser: 'yes' as any, inherit: 1 as any, validUntil: 20270131 as any });
    expect(errors).toEqual([
      'roles[0].superuser: "yes" is invalid: must be true or false',
      'roles[0].inherit: 1 is invalid: must be true or false',
      expect.stringMatching(/^roles\[0\]\.validUntil: 20270131 is invalid: must be "infinity" or an ISO 8601 timestamp/),
    ]);
  });
});

describe('roles declared absent', () => {
  const base: RoleProps[] = [{ name: 'app' }, { name: 'reader', login: false }];

  test('need no password, and are dropped at the end of the script', () => {
    const spec = { roles: [...base, { name: 'old', absent: true, reassignOwnedTo: 'app' }], databases: [{ name: 'shop', owner: 'app' }] };
    expect(validate(spec)).toEqual([]);
    expect(BootstrapSql.loginRoles(spec).map((l) => l.role)).toEqual(['app']);
    const sql = BootstrapSql.render(spec);
    expect(sql).not.toContain('CREATE ROLE "old"');
    const order = ['cannot drop role old (roles[2] is absent)', 'ALTER ROLE "old" NOLOGIN', 'SELECT \'REASSIGN OWNED BY "old" TO "app"\'', 'SELECT \'DROP OWNED BY "old"\'', 'SELECT \'DROP ROLE "old"\''];
    const positions = order.map((text) => sql.indexOf(text));
    expect(positions.every((p) => p > sql.indexOf("\\connect -reuse-previous=on 'dbname=''shop'''"))).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // Released in the declared database and in the initial one.
    expect(sql.split('REASSIGN OWNED BY "old" TO "app"')).toHaveLength(3);
  });

  test('without reassignOwnedTo the script checks for owned objects and never reassigns', () => {
    const sql = BootstrapSql.render({ roles: [{ name: 'old', absent: true }] });
    expect(sql).toContain('it owns objects (%); declare reassignOwnedTo');
    expect(sql).not.toContain('REASSIGN OWNED BY "old" TO');
  });

  test('carry nothing but reassignOwnedTo', () => {
    expect(roles({ name: 'old', absent: true, login: true, memberOf: ['x'], validUntil: 'infinity' })).toEqual([
      'roles[0].login: true is invalid: has no effect on a role declared absent; remove it (only reassignOwnedTo applies)',
      'roles[0].validUntil: "infinity" is invalid: has no effect on a role declared absent; remove it (only reassignOwnedTo applies)',
      'roles[0].memberOf: ["x"] is invalid: has no effect on a role declared absent; remove it (only reassignOwnedTo applies)',
    ]);
  });

  test.each([
    ['old', /is the role itself/],
    ['gone', /must be a role that stays/],
    ['nobody', /must be a role that stays/],
  ])('reassignOwnedTo %j is rejected', (target, rule) => {
    const errors = roles(...base, { name: 'gone', absent: true }, { name: 'old', absent: true, reassignOwnedTo: target });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^roles\\[3\\]\\.reassignOwnedTo: "${target}" is invalid: `));
    expect(errors[0]).toMatch(rule);
  });

  test('reassignOwnedTo only applies to an absent role', () => {
    expect(roles(...base, { name: 'old', reassignOwnedTo: 'app' }))
      .toEqual(['roles[2].reassignOwnedTo: "app" is invalid: only applies to a role declared absent (absent: true)']);
  });

  test('cannot be granted, own a database, or share a name with a role that stays', () => {
    expect(validate({
      roles: [{ name: 'app', memberOf: ['old'] }, { name: 'old', absent: true }, { name: 'shop_owner', absent: true }],
      databases: [{ name: 'legacy', owner: 'old' }, { name: 'shop', prepared: true }],
    })).toEqual([
      'roles[0].memberOf[0]: "old" is invalid: is declared absent: a role being dropped cannot be granted nor own a database',
      'roles[2].name: "shop_owner" is invalid: is already used by databases[1].name (generated); role names must be unique, including the generated <db>_owner/_reader/_writer(_user) and pooler roles',
      'databases[0].owner: "old" is invalid: is declared absent: a role being dropped cannot be granted nor own a database',
    ]);
  });

  test('PostgresCluster: an absent role gets no Secret, and problems come in the one report', () => {
    const chart = testChart('db');
    new PostgresCluster(chart, 'db', { name: 'orders-db', storage: Size.gibibytes(1), roles: [{ name: 'app' }, { name: 'old', absent: true, reassignOwnedTo: 'app' }] });
    const objects = Testing.synth(chart);
    const generator = objects.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('orders-db-secrets-'));
    const specs = generator.spec.template.spec.containers[0].env.find((e: any) => e.name === 'PGAAS_CREDENTIAL_SPECS').value as string;
    expect(specs).toContain('app.orders-db');
    expect(specs).not.toContain('old.orders-db');
    expect(clusterProblems({ roles: [{ name: 'old', absent: true, login: false }, { name: 'app', validUntil: 'never' }] })).toEqual([
      expect.stringMatching(/roles\[0\]\.login: false is invalid: has no effect on a role declared absent/),
      expect.stringMatching(/roles\[1\]\.validUntil: "never" is invalid: must be "infinity" or an ISO 8601 timestamp/),
    ]);
  });
});
