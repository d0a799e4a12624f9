import { Chart, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { PostgresCluster } from '../../../src/cluster/postgres-cluster';
import { ALL_PREDEFINED_ROLES, CATALOG_MAJORS, predefinedRoles } from '../../../src/postgres/catalog';
import { built as validatedTree } from '../../harness/synth';

function problems(postgresVersion: number, group: string): string[] {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'db' });
  try {
    validatedTree(new PostgresCluster(chart, 'db', { name: 'orders-db', postgresVersion, roles: [{ name: 'app', memberOf: [group] }] }));
    return [];
  } catch (e) {
    return (e as Error).message.split('\n').slice(1);
  }
}

// [major, role]: predefined roles that do not exist in that major.
const MISSING: [number, string][] = [
  [13, 'pg_read_all_data'], [13, 'pg_write_all_data'], [14, 'pg_checkpoint'], [15, 'pg_use_reserved_connections'],
  [15, 'pg_create_subscription'], [16, 'pg_maintain'],
];
// [major, role]: predefined roles that exist, including ones an older hand-written list rejected.
const PRESENT: [number, string][] = [
  [13, 'pg_read_server_files'], [13, 'pg_write_server_files'], [13, 'pg_execute_server_program'], [14, 'pg_read_all_data'],
  [15, 'pg_checkpoint'], [16, 'pg_create_subscription'], [16, 'pg_use_reserved_connections'], [17, 'pg_maintain'],
];

describe('predefined roles of the target major (from each major\'s pg_roles)', () => {
  test.each(MISSING)('PostgreSQL %i has no %s', (major, role) => {
    expect(problems(major, role).join()).toMatch(new RegExp(`memberOf: "${role}" is invalid: needs PostgreSQL \\d+ or later`));
  });
  test.each(PRESENT)('PostgreSQL %i has %s', (major, role) => expect(problems(major, role)).toEqual([]));

  test('pg_database_owner is not grantable (its member is implicit)', () => {
    expect(ALL_PREDEFINED_ROLES).not.toContain('pg_database_owner');
    expect(problems(17, 'pg_database_owner').join()).toMatch(/memberOf\[0\]: "pg_database_owner" is invalid/);
  });

  test('property: a role is accepted on a major exactly when that major has it', () => {
    fc.assert(fc.property(fc.constantFrom(...CATALOG_MAJORS), fc.constantFrom(...ALL_PREDEFINED_ROLES), (major, role) =>
      (problems(major, role).length === 0) === predefinedRoles(major).includes(role)), { numRuns: 40 });
  });
});
