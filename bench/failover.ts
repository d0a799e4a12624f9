/*
 * Failover speed, measured with real Patroni 3.0.2 + PostgreSQL 15 members (the integration test harness).
 *
 *   npm run bench   (ts-node --project bench/tsconfig.json bench/failover.ts)
 *
 * For each profile, RUNS times (env FAILOVER_BENCH_RUNS, default 5):
 *  - unplanned failover: kill -9 of the leader's Patroni and PostgreSQL -> first write acknowledged by the new leader;
 *  - planned switchover: POST /switchover -> first write acknowledged by the new leader.
 * Writes come from one client at a time (psql per INSERT through a multi-host "primary Service"
 * connection string), so the resolution is one write round trip (≈0.1 s here).
 * FAILOVER_BENCH_PROFILES=default,fast selects profiles.
 */
import { PatroniProfile, PatroniSettings } from '../src';
import { PatroniCluster, PatroniMember, synthesizeCluster, Writer } from '../test/harness/patroni';
import { waitFor } from '../test/harness/processes';

interface Profile { readonly name: string; readonly description: string; readonly patroni: PatroniSettings }

const PROFILES: Profile[] = [
  { name: 'default', description: 'ttl 30, loop_wait 10, retry_timeout 10', patroni: {} },
  {
    name: 'fast',
    description: 'ttl 20, loop_wait 5, retry_timeout 5',
    patroni: { profile: PatroniProfile.FAST_FAILOVER },
  },
];

interface Sample { readonly failoverMs: number; readonly switchoverMs: number; readonly lostWrites: number }

let current: PatroniCluster | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    current?.stop();
    process.exit(130);
  });
}

function log(message: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function allStreaming(cluster: PatroniCluster): Promise<PatroniMember> {
  const leader = await cluster.waitForLeader({ timeoutMs: 180_000 });
  for (const member of cluster.members.filter((m) => m !== leader)) await cluster.waitForReplica(member, { timeoutMs: 240_000 });
  return leader;
}

async function measure(cluster: PatroniCluster): Promise<Sample> {
  // Unplanned: crash the leader.
  let leader = await allStreaming(cluster);
  let writer = await Writer.create(cluster);
  writer.start();
  await waitFor('10 acknowledged writes', () => writer.acknowledged().length >= 10, 60_000, 50);
  const killedAt = Date.now();
  leader.kill();
  const newLeader = await cluster.waitForLeader({ not: leader, timeoutMs: 180_000 });
  const afterKill = await writer.waitForWriteAfter(killedAt, newLeader, 180_000);
  await writer.stop();
  // Asynchronous replication may lose the last writes; counted, not asserted.
  const lostWrites = (await writer.missingOn(newLeader)).length;
  leader.start();
  leader = await allStreaming(cluster);

  // Planned: switch over to the replica with the least lag.
  const state = (await cluster.clusterState())!;
  const candidate = cluster.member(state.filter((m) => m.name !== leader.name && typeof m.lag === 'number')
    .sort((a, b) => (a.lag as number) - (b.lag as number))[0].name);
  writer = await Writer.create(cluster);
  writer.start();
  await waitFor('10 acknowledged writes', () => writer.acknowledged().length >= 10, 60_000, 50);
  const postedAt = Date.now();
  const response = await cluster.switchover(leader, candidate);
  if (response.status !== 200) throw new Error(`switchover answered ${response.status}: ${response.text}`);
  const afterSwitchover = await writer.waitForWriteAfter(postedAt, candidate, 180_000);
  await writer.stop();
  return { failoverMs: afterKill.endedAt - killedAt, switchoverMs: afterSwitchover.endedAt - postedAt, lostWrites };
}

function stats(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return `median ${s(median)}, min ${s(sorted[0])}, max ${s(sorted[sorted.length - 1])}`;
}

async function main(): Promise<void> {
  const runs = Number(process.env.FAILOVER_BENCH_RUNS ?? 5);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`FAILOVER_BENCH_RUNS must be a positive integer, got ${process.env.FAILOVER_BENCH_RUNS}`);
  const wanted = (process.env.FAILOVER_BENCH_PROFILES ?? PROFILES.map((p) => p.name).join(',')).split(',');
  const results: Array<[Profile, Sample[]]> = [];
  for (const profile of PROFILES.filter((p) => wanted.includes(p.name))) {
    log(`profile ${profile.name} (${profile.description}): starting 3 members`);
    current = await PatroniCluster.start(synthesizeCluster({ name: `bench-${profile.name}`, instances: 3, patroni: profile.patroni }));
    const samples: Sample[] = [];
    try {
      for (let i = 1; i <= runs; i++) {
        const sample = await measure(current);
        samples.push(sample);
        log(`profile ${profile.name} run ${i}/${runs}: failover ${sample.failoverMs} ms, switchover ${sample.switchoverMs} ms, lost writes ${sample.lostWrites}`);
      }
    } finally {
      current.stop();
      current = undefined;
    }
    results.push([profile, samples]);
  }
  console.log(`\nFailover benchmark (Patroni 3.0.2, PostgreSQL 15, etcd; 3 members, asynchronous replication; ${runs} runs per profile)`);
  for (const [profile, samples] of results) {
    console.log(`\n${profile.name} (${profile.description})`);
    console.log(`  kill -9 leader -> first acknowledged write: ${stats(samples.map((s) => s.failoverMs))}`);
    console.log(`  POST /switchover -> first acknowledged write: ${stats(samples.map((s) => s.switchoverMs))}`);
    console.log(`  acknowledged writes lost at failover (asynchronous): ${samples.map((s) => s.lostWrites).join(', ')}`);
  }
}

main().catch((e) => {
  current?.stop();
  console.error(e);
  process.exit(1);
});
