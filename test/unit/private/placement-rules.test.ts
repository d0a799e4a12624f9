import * as fc from 'fast-check';
import { BackupStorage, ClusterBootstrap, StorageCredentials } from '../../../src';
import { timeZoneProblem } from '../../../src/private/cron';
import { resolvePodPlacement } from '../../../src/private/placement';
import { ValidationErrors } from '../../../src/private/validation';
import { Placement } from '../../../src/scheduling/pod-placement';

function tolerationProblems(tolerations: any[]): string[] {
  const errors = new ValidationErrors('');
  resolvePodPlacement({ tolerations }, { hostAntiAffinity: Placement.PREFERRED, terminationGracePeriodSeconds: 30, minGraceSeconds: 0 }, errors);
  return [...errors.messages];
}

const BAD_TOLERATIONS: [string, any, RegExp][] = [
  ['an unknown operator', { key: 'dedicated', operator: 'In', value: 'db' }, /operator: "In" is invalid: must be Equal or Exists/],
  ['Exists with a value', { key: 'dedicated', operator: 'Exists', value: 'db' }, /value: "db" is invalid: must be empty/],
  ['no key with Equal', { value: 'db' }, /must be Exists when the key is empty/],
  ['an unknown effect', { key: 'dedicated', operator: 'Exists', effect: 'NoRun' }, /effect: "NoRun"/],
  ['seconds without NoExecute', { key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 60 }, /tolerationSeconds: 60 is invalid: only applies with effect NoExecute/],
  ['an invalid key', { key: 'bad key', operator: 'Exists' }, /key: "bad key"/],
  ['an invalid value', { key: 'k', value: 'a b' }, /value: "a b"/],
];

const GOOD_TOLERATIONS: [string, any][] = [
  ['tolerate everything', { operator: 'Exists' }],
  ['a dedicated node pool', { key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }],
  ['Equal by default', { key: 'example.com/db', value: 'true' }],
  ['eviction after 5 minutes', { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
];

describe('tolerations (the members\' and the pooler\'s), with Kubernetes\' rules', () => {
  test.each(BAD_TOLERATIONS)('%s is rejected', (_what, t, expected) => expect(tolerationProblems([t]).join('\n')).toMatch(expected));
  test.each(GOOD_TOLERATIONS)('%s is accepted', (_what, t) => expect(tolerationProblems([t])).toEqual([]));
  test('property: any effect outside the three taint effects is rejected', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }).filter((e) => !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(e)), (effect) =>
      tolerationProblems([{ operator: 'Exists', effect }]).length > 0));
  });
});

describe('CronJob time zones', () => {
  test.each(['Local', '', 'UTC+2', '+02:00', 'Europe/Berlinn', 'TZ=UTC', 'Mars/Olympus'])('%j is rejected', (zone) => expect(timeZoneProblem(zone)).toBeDefined());
  test.each(['Etc/UTC', 'UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Asia/Kolkata'])('%j is accepted', (zone) => expect(timeZoneProblem(zone)).toBeUndefined());
});

describe('point-in-time targets', () => {
  const storage = BackupStorage.s3({ bucket: 'pg-backups', region: 'eu-central-1', credentials: StorageCredentials.awsAccessKey('s3') });
  const restore = (targetTime: string) => () => ClusterBootstrap.pointInTime({ source: { storage, clusterName: 'orders-db', namespace: 'orders' }, targetTime });
  test('a target in the future is rejected', () => {
    expect(restore(new Date(Date.now() + 86_400_000).toISOString())).toThrow(/targetTime.*is in the future/);
  });
  test('a target in the past is accepted', () => expect(restore('2026-01-01T00:00:00Z')).not.toThrow());
  test('property: any time after now is rejected', () => {
    fc.assert(fc.property(fc.integer({ min: 60_000, max: 10 * 365 * 86_400_000 }), (ahead) => {
      try {
        restore(new Date(Date.now() + ahead).toISOString().replace(/\.\d+Z$/, 'Z'))();
        return false;
      } catch (e) {
        return /in the future/.test((e as Error).message);
      }
    }), { numRuns: 30 });
  });
});
