import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { PostgresCluster } from '../../../src/cluster/postgres-cluster';
import { CLUSTER_PROPS_SCHEMA, PATRONI_SETTINGS_SCHEMA } from '../../../src/cluster/prop-types';
import { interfaceMembers } from '../../harness/interfaces';
import { built as validatedTree } from '../../harness/synth';

/** What a plain JavaScript (or jsii) caller can pass: anything. */
function untyped(props: unknown): string[] {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'db' });
  try {
    validatedTree(new PostgresCluster(chart, 'db', props as any));
    return [];
  } catch (e) {
    expect((e as Error).name).toBe('ValidationError'); // never a TypeError from deep inside
    return (e as Error).message.split('\n').slice(1);
  }
}

// [what, props, expected problem]
const UNTYPED: [string, unknown, RegExp][] = [
  ['no props at all', undefined, /props: undefined is invalid: must be an object/],
  ['no name', {}, /name: undefined is invalid: is required/],
  ['a number as the name', { name: 42 }, /name: 42 is invalid: must be a string, not a number/],
  ['a string where a Size is expected', { name: 'db', storage: '10Gi' }, /storage: "10Gi" is invalid: must be created with Size.gibibytes/],
  ['a number where a Size is expected', { name: 'db', storage: 10 }, /storage: 10 is invalid: must be created with Size/],
  ['a string where a Duration is expected', { name: 'db', patroni: { ttl: '30s' } }, /patroni.ttl: "30s" is invalid: must be created with Duration.seconds/],
  ['a plain object where a Duration is expected', { name: 'db', terminationGracePeriod: { seconds: 300 } }, /terminationGracePeriod.*Duration/],
  ['an unknown synchronous mode', { name: 'db', instances: 3, patroni: { synchronousMode: 'yes' } }, /patroni.synchronousMode: "yes" is invalid: must be one of SynchronousMode.OFF, SynchronousMode.ON, SynchronousMode.STRICT/],
  ['an unknown profile', { name: 'db', patroni: { profile: 'fast' } }, /patroni.profile: "fast" is invalid: must be one of PatroniProfile/],
  ['an unknown placement', { name: 'db', zoneSpread: 'always' }, /zoneSpread: "always" is invalid: must be one of Placement/],
  ['an unknown GitOps ordering', { name: 'db', gitOpsOrdering: 'argo' }, /gitOpsOrdering: "argo" is invalid/],
  ['a string instance count', { name: 'db', instances: '3' }, /instances: "3" is invalid: must be an integer, not a string/],
  ['a boolean as a string', { name: 'db', deleteVolumesWithCluster: 'false' }, /deleteVolumesWithCluster: "false" is invalid: must be a boolean/],
  ['a number as a parameter value', { name: 'db', parameters: { max_connections: 200 } }, /parameters: .* must be a map of strings to strings/],
  ['a string as memory', { name: 'db', resources: { memory: { limit: '1Gi' } } }, /resources.memory.limit: "1Gi" is invalid: must be created with Size/],
  ['a misspelt property', { name: 'db', instance: 3 }, /instance: 3 is invalid: is not a property \(known: .*instances/],
  ['a plain object as credentials', { name: 'db', superuserCredentials: { secretName: 'x' } }, /superuserCredentials.*Credentials.generated/],
  ['a plain object as the secret generator', { name: 'db', secretGenerator: { name: 'x' } }, /secretGenerator.*new SecretGenerator/],
  ['a plain object as the RBAC', { name: 'db', rbac: {} }, /rbac.*new PatroniRbac/],
  ['a string as labels', { name: 'db', labels: 'team=a' }, /labels: "team=a" is invalid: must be a map/],
];

describe('untyped callers get the same report, never a TypeError or a silent default', () => {
  test.each(UNTYPED)('%s', (_what, props, expected) => {
    const problems = untyped(props);
    expect({ problems, matches: problems.some((p) => expected.test(p)) }).toMatchObject({ matches: true });
  });

  test('every problem at once', () => {
    expect(untyped({ name: 1, storage: '1Gi', patroni: { ttl: 30 } })).toHaveLength(3);
  });

  test('correctly typed values pass (null counts as absent for optional props)', () => {
    expect(untyped({ name: 'db', storage: Size.gibibytes(1), terminationGracePeriod: Duration.minutes(5), instances: null })).toEqual([]);
  });

  test('property: any non-Size value for storage is a ValidationError naming storage', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.object(), fc.array(fc.integer())), (value) =>
      untyped({ name: 'db', storage: value }).some((p) => p.startsWith('  - storage:'))), { numRuns: 50 });
  });

  test('property: any string that is not a SynchronousMode value is rejected', () => {
    fc.assert(fc.property(fc.string().filter((s) => !['off', 'on', 'strict'].includes(s)), (mode) =>
      untyped({ name: 'db', instances: 3, patroni: { synchronousMode: mode } }).some((p) => p.includes('patroni.synchronousMode'))), { numRuns: 50 });
  });
});

describe('the run-time schemas match the interfaces', () => {
  test('PostgresClusterProps', () => {
    expect(Object.keys(CLUSTER_PROPS_SCHEMA.types).sort()).toEqual(interfaceMembers('cluster/props.ts', 'PostgresClusterProps'));
  });
  test('PatroniSettings', () => {
    expect(Object.keys(PATRONI_SETTINGS_SCHEMA.types).sort()).toEqual(interfaceMembers('cluster/patroni-settings.ts', 'PatroniSettings'));
  });
});
