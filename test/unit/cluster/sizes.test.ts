import { Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { ConnectionPooler } from '../../../src';
import { PostgresCluster } from '../../../src/cluster/postgres-cluster';
import { PostgresClusterProps } from '../../../src/cluster/props';
import { ClusterNames } from '../../../src/private/names';
import { clusterProblems } from '../../harness/synth';

const problems = clusterProblems;

const memory = (size: Size) => ({ memory: { request: size, limit: size }, cpu: { request: kplus.Cpu.millis(250) } });

const ABSURD: [string, Partial<PostgresClusterProps>, RegExp][] = [
  ['a 1 MiB volume', { storage: Size.mebibytes(1) }, /storage: "1Mi" is invalid: must be at least 1Gi/],
  ['a 1023 MiB volume', { storage: Size.mebibytes(1023) }, /storage.*at least 1Gi/],
  ['1 MiB of memory', { resources: memory(Size.mebibytes(1)) }, /resources.memory: "1Mi" is invalid: must be at least 250Mi/],
  ['1e9 instances', { instances: 1e9 }, /instances: 1000000000 is invalid: needs parameters.max_wal_senders/],
  ['a fractional instance count', { instances: 2.5 }, /instances.*integer/],
];

const EDGES: [string, Partial<PostgresClusterProps>][] = [
  ['exactly 1 GiB of storage', { storage: Size.gibibytes(1) }],
  ['exactly 250 MiB of memory', { resources: memory(Size.mebibytes(250)) }],
  ['9 instances with Spilo\'s default senders and slots', { instances: 9 }],
  ['20 instances with enough senders and slots', { instances: 20, parameters: { max_wal_senders: '21', max_replication_slots: '19' } }],
  ['a name of exactly the maximum length', { name: 'a'.repeat(ClusterNames.MAX_LENGTH) }],
];

describe('absurd sizes are rejected, edge sizes kept', () => {
  test.each(ABSURD)('%s', (_what, props, expected) => expect(problems(props).some((p) => expected.test(p))).toBe(true));
  test.each(EDGES)('%s', (_what, props) => expect(problems(props)).toEqual([]));

  test('a name one character over the maximum is rejected', () => {
    expect(problems({ name: 'a'.repeat(ClusterNames.MAX_LENGTH + 1) }).join()).toMatch(new RegExp(`at most ${ClusterNames.MAX_LENGTH} characters`));
  });

  test('a single instance with a pooler', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'db' });
    const db = new PostgresCluster(chart, 'db', { name: 'orders-db', instances: 1, connectionPooler: {} });
    expect(db.node.findAll().some((c) => c instanceof ConnectionPooler)).toBe(true);
  });
});
