import { SynchronousMode } from '../../../src';
import { PreStopHook } from '../../../src/cluster/prestop-hook';
import { PatroniCluster, PatroniMember, restApiEnv, runPreStopHook, synthesizeCluster, Writer } from '../../harness/patroni';
import { sleep, waitFor } from '../../harness/processes';

/*
 * Three members with synchronous replication (as in the production example), the tests in order:
 * crash of the leader, the crashed member rejoining, a planned switchover. Numbers are printed so the
 * run shows what it measured.
 */

const TEST_TIMEOUT = 300_000;

/** Name of the synchronous standby, once Patroni has one (it sets it after the replica streams). */
async function waitForSyncStandby(cluster: PatroniCluster, leader: PatroniMember): Promise<PatroniMember> {
  let name: string | undefined;
  await waitFor('a synchronous standby', async () => {
    const state = await cluster.clusterState();
    name = state?.find((m) => m.role === 'sync_standby' && m.state === 'running')?.name;
    return name !== undefined && (await leader.tryQuery('SHOW synchronous_standby_names')) !== '';
  }, 120_000, 500);
  return cluster.member(name!);
}

function report(what: string, values: Record<string, unknown>): void {
  // eslint-disable-next-line no-console
  console.log(`${what}: ${Object.entries(values).map(([k, v]) => `${k}=${v}`).join(', ')}`);
}

describe('three members, synchronousMode ON', () => {
  let cluster: PatroniCluster;
  let crashed: PatroniMember | undefined;

  beforeAll(async () => {
    cluster = await PatroniCluster.start(synthesizeCluster({
      name: 'ha-db',
      instances: 3,
      patroni: { synchronousMode: SynchronousMode.ON },
    }));
  }, TEST_TIMEOUT);

  afterAll(() => {
    cluster?.stop();
  });

  test('kill -9 of the leader\'s Patroni and PostgreSQL: the synchronous standby takes over with every acknowledged write', async () => {
    const leader = await cluster.waitForLeader();
    const standby = await waitForSyncStandby(cluster, leader);
    const writer = await Writer.create(cluster);
    writer.start();
    try {
      await waitFor('50 acknowledged writes', () => writer.acknowledged().length >= 50, 60_000, 100);
      const killedAt = Date.now();
      leader.kill();
      crashed = leader;
      const ackedBeforeKill = writer.acknowledged().filter((a) => a.endedAt <= killedAt).length;
      const newLeader = await cluster.waitForLeader({ not: leader, timeoutMs: 180_000 });
      const first = await writer.waitForWriteAfter(killedAt, newLeader);
      await sleep(2_000);
      await writer.stop();

      // In synchronous mode Patroni promotes only the synchronous standby.
      expect(newLeader.name).toBe(standby.name);
      expect(await writer.missingOn(newLeader)).toEqual([]);
      report('failover', {
        leader: leader.name,
        newLeader: newLeader.name,
        writeDowntimeMs: first.endedAt - killedAt,
        acknowledgedBeforeKill: ackedBeforeKill,
        acknowledgedChecked: writer.acknowledged().length,
        failedAttempts: writer.attempts.filter((a) => !a.ok).length,
      });
    } finally {
      await writer.stop();
    }
  }, TEST_TIMEOUT);

  test('the crashed leader rejoins as a replica streaming from the new leader', async () => {
    expect(crashed).toBeDefined();
    const member = crashed!;
    const restartedAt = Date.now();
    member.start();
    const leader = await cluster.waitForReplica(member, { timeoutMs: 240_000 });
    expect(leader).not.toBe(member);
    const timelines = new Set((await cluster.clusterState())!.map((m) => m.timeline));
    expect(timelines.size).toBe(1);
    // Patroni runs pg_rewind when the crashed primary's WAL diverged from the new timeline, and only checks otherwise.
    const log = member.log().slice(member.log().lastIndexOf('==== harness: starting'));
    const rewound = /running pg_rewind/.test(log);
    expect(log).toMatch(/pg_rewind|rewind/);
    report('rejoin', { member: member.name, leader: leader.name, rejoinMs: Date.now() - restartedAt, pgRewindRan: rewound });
  }, TEST_TIMEOUT);

  test('planned switchover through the REST API moves the leader without losing an acknowledged write', async () => {
    const leader = await cluster.waitForLeader();
    const candidate = await waitForSyncStandby(cluster, leader);
    const writer = await Writer.create(cluster);
    writer.start();
    try {
      await waitFor('30 acknowledged writes', () => writer.acknowledged().length >= 30, 60_000, 100);
      const postedAt = Date.now();
      const response = await cluster.switchover(leader, candidate);
      expect(response.status).toBe(200);
      const first = await writer.waitForWriteAfter(postedAt, candidate);
      await sleep(2_000);
      await writer.stop();

      expect((await cluster.waitForLeader()).name).toBe(candidate.name);
      expect(await writer.missingOn(candidate)).toEqual([]);
      report('switchover', {
        from: leader.name,
        to: candidate.name,
        response: response.text.trim(),
        writeDowntimeMs: first.endedAt - postedAt,
        acknowledgedChecked: writer.acknowledged().length,
        failedAttempts: writer.attempts.filter((a) => !a.ok).length,
      });
      // The old leader follows the new one.
      await cluster.waitForReplica(leader, { timeoutMs: 180_000 });
    } finally {
      await writer.stop();
    }
  }, TEST_TIMEOUT);

  test('preStop hook on the leader hands over to the synchronous standby', async () => {
    const leader = await cluster.waitForLeader();
    const standby = await waitForSyncStandby(cluster, leader);
    const writer = await Writer.create(cluster);
    writer.start();
    try {
      await waitFor('30 acknowledged writes', () => writer.acknowledged().length >= 30, 60_000, 100);
      const startedAt = Date.now();
      const hook = await runPreStopHook(PreStopHook.command(60), leader.restUrl, restApiEnv(cluster.spec));
      expect(hook.status).toBe(0);
      expect(hook.stdout).toMatch(`switching over from ${leader.name} to ${standby.name}`);
      const first = await writer.waitForWriteAfter(startedAt, standby);
      await sleep(2_000);
      await writer.stop();
      expect((await cluster.waitForLeader()).name).toBe(standby.name);
      expect(await writer.missingOn(standby)).toEqual([]);
      report('preStop (synchronous)', {
        from: leader.name,
        to: standby.name,
        hookMs: hook.durationMs,
        writeDowntimeMs: first.endedAt - startedAt,
        acknowledgedChecked: writer.acknowledged().length,
        failedAttempts: writer.attempts.filter((a) => !a.ok).length,
      });
    } finally {
      await writer.stop();
    }
  }, TEST_TIMEOUT);
});
