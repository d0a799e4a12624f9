import { splitLocalParameters } from '../../../src/cluster/dynamic-config';
import { DCS_ONLY_PARAMETERS, defaultParameters, validateParameters } from '../../../src/cluster/parameters';
import { parseQuantity, postgresMemory } from '../../../src/private/quantities';

const GiB = 1024 ** 3;

describe('defaultParameters', () => {
  test('1 GiB, half a CPU, 10 GiB volume', () => {
    expect(defaultParameters({ memoryBytes: 1 * GiB, cpuMillis: 500, storageBytes: 10 * GiB })).toEqual({
      shared_buffers: '256MB',
      effective_cache_size: '768MB',
      maintenance_work_mem: '64MB',
      work_mem: '2MB',
      max_connections: '100',
      max_worker_processes: '8',
      max_parallel_workers: '1',
      max_parallel_workers_per_gather: '1',
      max_parallel_maintenance_workers: '1',
      max_wal_size: '1280MB',
      min_wal_size: '320MB',
      password_encryption: 'scram-sha-256',
    });
  });

  test('large machines: connections and maintenance memory are capped, workers follow CPUs', () => {
    const p = defaultParameters({ memoryBytes: 64 * GiB, cpuMillis: 16000, storageBytes: 2000 * GiB });
    expect(p.max_connections).toBe('1000');
    expect(p.maintenance_work_mem).toBe('2GB');
    expect(p.shared_buffers).toBe('16GB');
    expect(p.max_worker_processes).toBe('20');
    expect(p.max_parallel_workers_per_gather).toBe('4');
    expect(p.max_wal_size).toBe('16GB');
    expect(p.min_wal_size).toBe('1GB');
  });

  test('small volumes get small WAL limits', () => {
    const p = defaultParameters({ memoryBytes: GiB, cpuMillis: 1000, storageBytes: GiB / 4 });
    expect(p.max_wal_size).toBe('64MB');
    expect(p.min_wal_size).toBe('32MB');
  });
});

describe('parameter rules', () => {
  test('Patroni-controlled parameters are rejected with the reason', () => {
    const problems = validateParameters({ synchronous_standby_names: '*', hba_file: '/x', work_mem: '4MB' });
    expect(problems.map((p) => p.property)).toEqual(['parameters.synchronous_standby_names', 'parameters.hba_file']);
    expect(problems[0].rule).toMatch(/synchronousMode/);
  });

  test('extension parameters with one dot are valid names', () => {
    expect(validateParameters({ 'pg_stat_statements.max': '10000', 'auto_explain.log_min_duration': '1s' })).toEqual([]);
  });

  test('DCS-only parameters are never local (Patroni would discard them there): they are all dynamic', () => {
    const all = Object.fromEntries(DCS_ONLY_PARAMETERS.map((name) => [name, '1']));
    expect(splitLocalParameters(all)).toEqual({ dynamic: all, local: {} });
    expect(DCS_ONLY_PARAMETERS).toContain('max_worker_processes');
  });
});

describe('quantities', () => {
  test.each([['1Gi', GiB], ['512Mi', 512 * 1024 ** 2], ['500m', 0.5], ['2', 2], ['1.5Gi', 1.5 * GiB], ['1k', 1000], ['1e3', 1000]])('%s', (q, v) => {
    expect(parseQuantity(q)).toBe(v);
  });

  test('invalid quantities throw', () => {
    expect(() => parseQuantity('1 Gi')).toThrow(/not a Kubernetes quantity/);
  });

  test('PostgreSQL memory units', () => {
    expect(postgresMemory(4 * GiB)).toBe('4GB');
    expect(postgresMemory(1.5 * GiB)).toBe('1536MB');
    expect(postgresMemory(5.5 * 1024 ** 2)).toBe('5MB');
    expect(postgresMemory(100 * 1024)).toBe('100kB');
  });
});
