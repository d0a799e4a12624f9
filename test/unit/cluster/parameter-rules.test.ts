import { Size, Testing, Chart } from 'cdk8s';
import * as fc from 'fast-check';
import { BackupStorage, StorageCredentials } from '../../../src';
import { parameterConflicts, ParameterRuleContext } from '../../../src/cluster/parameter-rules';
import { SynchronousMode } from '../../../src/cluster/patroni-settings';
import { PostgresCluster } from '../../../src/cluster/postgres-cluster';
import { built as validatedTree } from '../../harness/synth';

const GiB = 1024 ** 3;
const BASE: ParameterRuleContext = { major: 17, instances: 3, archiving: true, synchronousMode: SynchronousMode.ON, memoryBytes: 8 * GiB };
const conflicts = (parameters: Record<string, string>, context: Partial<ParameterRuleContext> = {}) =>
  parameterConflicts(parameters, Object.keys(parameters), { ...BASE, ...context });

// [what, parameters, context, properties reported]
const CONTRADICTIONS: [string, Record<string, string>, Partial<ParameterRuleContext>, string[]][] = [
  ['md5 with scram-only pg_hba', { password_encryption: 'md5' }, {}, ['parameters.password_encryption']],
  ['md5 in capitals', { password_encryption: 'MD5' }, {}, ['parameters.password_encryption']],
  ['TLS off with hostssl-only pg_hba', { ssl: 'off' }, {}, ['parameters.ssl']],
  ['TLS off spelt as a prefix', { ssl: 'f' }, {}, ['parameters.ssl']],
  ['archiving off while backups are configured', { archive_mode: 'off' }, {}, ['parameters.archive_mode']],
  ['wal_level minimal', { wal_level: 'minimal' }, { instances: 1, archiving: false }, ['parameters.wal_level']],
  ['too few WAL senders for the members', { max_wal_senders: '3' }, { instances: 3 }, ['parameters.max_wal_senders']],
  ['no WAL senders at all', { max_wal_senders: '0' }, { instances: 1 }, ['parameters.max_wal_senders']],
  ['too few replication slots', { max_replication_slots: '1' }, { instances: 3 }, ['parameters.max_replication_slots']],
  ['fsync off', { fsync: 'off' }, {}, ['parameters.fsync']],
  ['full_page_writes off', { full_page_writes: 'false' }, {}, ['parameters.full_page_writes']],
  ['asynchronous commits with synchronous mode', { synchronous_commit: 'local' }, {}, ['parameters.synchronous_commit']],
  ['more parallel workers than worker processes', { max_worker_processes: '4', max_parallel_workers: '8' }, {}, ['parameters.max_parallel_workers', 'parameters.max_worker_processes']],
  ['min_wal_size above max_wal_size', { min_wal_size: '2GB', max_wal_size: '1GB' }, {}, ['parameters.min_wal_size', 'parameters.max_wal_size']],
  ['shared_buffers filling the container', { shared_buffers: '8GB' }, {}, ['parameters.shared_buffers']],
  ['shared_buffers in pages filling the container', { shared_buffers: '1048576' }, {}, ['parameters.shared_buffers']],
];

const CONSISTENT: [string, Record<string, string>, Partial<ParameterRuleContext>][] = [
  ['scram', { password_encryption: 'scram-sha-256' }, {}],
  ['archiving off without backups', { archive_mode: 'off' }, { archiving: false }],
  ['logical decoding', { wal_level: 'logical' }, {}],
  ['exactly enough WAL senders for a single instance', { max_wal_senders: '2' }, { instances: 1 }],
  ['exactly enough slots', { max_replication_slots: '2' }, { instances: 3 }],
  ['asynchronous commits without synchronous mode', { synchronous_commit: 'off' }, { synchronousMode: SynchronousMode.OFF }],
  ['remote_apply with synchronous mode', { synchronous_commit: 'remote_apply' }, {}],
  ['25 % shared buffers with a space before the unit', { shared_buffers: '2 GB' }, {}],
];

describe('settings that contradict the bundle\'s guarantees', () => {
  test.each(CONTRADICTIONS)('%s is rejected', (_what, parameters, context, properties) => {
    const problems = conflicts(parameters, context);
    expect(problems.map((p) => p.property)).toEqual(properties);
    for (const p of problems) expect(p.rule).toMatch(/: /); // every rule says why
  });

  test.each(CONSISTENT)('%s is accepted', (_what, parameters, context) => {
    expect(conflicts(parameters, context)).toEqual([]);
  });

  test('only parameters the user set are reported', () => {
    expect(parameterConflicts({ fsync: 'off', password_encryption: 'md5' }, [], BASE)).toEqual([]);
  });

  test('property: max_wal_senders is accepted exactly when it covers the members plus a rebuild', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 30 }), (instances, senders) =>
      (conflicts({ max_wal_senders: String(senders), max_replication_slots: '30' }, { instances }).length === 0) === (senders >= instances + 1)));
  });

  test.each([[10, 1], [12, 2], [1e9, 2]])('%d instances need more WAL senders (and slots) than Spilo\'s defaults: %d problems on instances', (instances, count) => {
    const problems = conflicts({}, { instances });
    expect(problems.map((p) => p.property)).toEqual(Array(count).fill('instances'));
    expect(problems[0].rule).toMatch(/parameters.max_wal_senders above Patroni's default \(10\)/);
  });

  test('9 instances fit the defaults', () => {
    expect(conflicts({}, { instances: 9 })).toEqual([]);
  });
});

describe('in the cluster: one report with the catalog and the rules', () => {
  test('a misspelt name, a wrong unit and md5 are reported together', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'db' });
    expect(() => validatedTree(new PostgresCluster(chart, 'db', {
      name: 'orders-db',
      postgresVersion: 15,
      parameters: { shard_buffers: '1GB', work_mem: '4Mi', password_encryption: 'md5' },
    }))).toThrow(/3 invalid properties:\n.*shard_buffers.*did you mean shared_buffers[^]*work_mem.*invalid unit "Mi"[^]*password_encryption/);
  });

  test('archiving off with backups, wal senders too few for the members', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'db' });
    const storage = BackupStorage.s3({ bucket: 'pg-backups', region: 'eu-central-1', credentials: StorageCredentials.awsAccessKey('s3') });
    expect(() => validatedTree(new PostgresCluster(chart, 'db', {
      name: 'orders-db',
      instances: 3,
      backup: { storage },
      resources: { memory: { limit: Size.gibibytes(2) } },
      parameters: { archive_mode: 'off', max_wal_senders: '2' },
    }))).toThrow(/archive_mode[^]*max_wal_senders.*at least 4/);
  });
});
