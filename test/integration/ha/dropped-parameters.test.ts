import { PatroniCluster, synthesizeCluster } from '../../harness/patroni';

// Every example's configuration on Patroni 4 is proven in test/integration/kube/examples-apply.test.ts.

/*
 * Patroni (3.0.2 as 4.x) checks postgresql.parameters against its own table of PostgreSQL's
 * parameters and removes unknown names and invalid values with a WARNING, then starts PostgreSQL
 * without them: a typo never stops PostgreSQL, it silently does nothing. The harness turns those
 * warnings into a failed start.
 */
describe('a parameter Patroni or PostgreSQL would not apply fails the harness', () => {
  test.each([
    ['a misspelt parameter', { shard_buffers: '1GB' }, /Patroni dropped parameters[^]*Removing unexpected parameter=shard_buffers value=1GB/],
    ['an invalid value', { work_mem: 'lots' }, /Patroni dropped parameters[^]*Removing integer parameter=work_mem from the config due to the invalid value=lots/],
    // Valid for Patroni's table, impossible for this machine: PostgreSQL itself refuses to start.
    ['a value PostgreSQL cannot start with', { shared_buffers: '4TB' }, /could not map anonymous shared memory/],
  ])('%s', async (_what, parameters, message) => {
    // The catalog rejects each at synth time; the harness must still catch it should one slip through.
    expect(() => synthesizeCluster({ name: 'bad-db', parameters })).toThrow(/parameters/);
    const valid = synthesizeCluster({ name: 'bad-db' });
    const spec = { ...valid, parameters: { ...valid.parameters, ...parameters }, allParameters: { ...valid.allParameters, ...parameters } };
    let failure: unknown;
    try {
      const cluster = await PatroniCluster.start(spec, { members: 1, memberTimeoutMs: 120_000 });
      cluster.stop();
    } catch (e) {
      failure = e;
    }
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(message);
  }, 300_000);
});
