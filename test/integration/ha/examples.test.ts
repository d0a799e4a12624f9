import { Testing } from 'cdk8s';
import { EXAMPLES } from '../../../examples';
import { clustersFromManifests, normalizeSetting, PatroniCluster, synthesizeCluster } from '../../harness/patroni';

/*
 * Every example's synthesized configuration, run by real Patroni + PostgreSQL. One member per cluster
 * is enough to prove Patroni accepts the configuration and PostgreSQL runs with every parameter of the
 * manifest; replication, failover and switchover are covered on the Kubernetes DCS with Patroni 4 in
 * test/integration/kube/ (patroni-k8s.test.ts, rollout.test.ts).
 */

const EXAMPLE_TIMEOUT = 600_000;

describe.each(EXAMPLES.map((e) => [e.name, e] as const))('example %s', (_name, example) => {
  test('Patroni accepts the configuration and PostgreSQL runs with the manifest\'s parameters', async () => {
    const app = Testing.app();
    const clusters = clustersFromManifests(Testing.synth(example.build(app)));
    expect(clusters.length).toBeGreaterThan(0);
    for (const spec of clusters) {
      const cluster = await PatroniCluster.start(spec, { members: 1 });
      try {
        const leader = await cluster.waitForLeader();
        const names = Object.keys(spec.allParameters).sort();
        const shown = (await leader.query(names.map((n) => `SELECT current_setting('${n}')`).join(' UNION ALL '))).split('\n');
        const actual = Object.fromEntries(names.map((n, i) => [n, normalizeSetting(shown[i])]));
        const expected = Object.fromEntries(names.map((n) => [n, normalizeSetting(spec.allParameters[n])]));
        expect(actual).toEqual(expected);
        // The computed ones the issue names, spelled out.
        for (const name of ['shared_buffers', 'work_mem', 'max_connections', 'password_encryption']) {
          expect(normalizeSetting(await leader.query(`SHOW ${name}`))).toBe(normalizeSetting(spec.allParameters[name]));
        }
        // The bootstrap.dcs settings reached Patroni's dynamic configuration.
        const config = (await leader.get('/config'))!.body;
        for (const key of ['ttl', 'loop_wait', 'retry_timeout', 'maximum_lag_on_failover', 'failsafe_mode', 'synchronous_mode']) {
          expect(config[key]).toEqual(spec.dcs[key]);
        }
        // TCP without TLS is refused, as the manifest's pg_hba says (hostnossl ... reject applies beyond 127.0.0.1).
        expect(await leader.query('SHOW ssl')).toBe('on');
      } finally {
        cluster.stop();
      }
    }
  }, EXAMPLE_TIMEOUT);
});

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
