/**
 * The state of one cluster as Patroni 4 keeps it on the Kubernetes DCS (ConfigMaps mode), computed
 * from the objects read: pure, so it is tested on fixtures in Patroni's exact formats
 * (patroni/dcs/kubernetes.py and ha.py at v4.0.4):
 * - `<scope>-leader` annotations: `leader`, `acquireTime`, `renewTime`, `ttl`, `transitions`, `optime` (the leader's LSN);
 * - `<scope>-config` annotations: `config` (dynamic configuration JSON), `history` (JSON lines
 *   `[timeline, lsn, reason, timestamp, new leader]`), `initialize`;
 * - `<scope>-sync` annotations: `leader`, `sync_standby`;
 * - each member pod's `status` annotation (JSON: `role`, `state`, `timeline`, `xlog_location`,
 *   `replication_state`, `pending_restart`, `tags`, `api_url`, `version`, ...), and its role label.
 */

/** The parts of a Kubernetes object the status reads. */
export interface ObjectMeta {
  readonly name: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

export interface PodInput extends ObjectMeta {
  readonly ready?: boolean;
  readonly restarts?: number;
}

export interface CronJobInput {
  readonly name: string;
  readonly lastSuccessfulTime?: string;
  readonly lastScheduleTime?: string;
}

export interface StatusInput {
  readonly name: string;
  readonly namespace: string;
  /** The cluster's ConfigMaps (any of `<name>-leader`, `-config`, `-sync`, `-failover`). */
  readonly configMaps: ObjectMeta[];
  readonly pods: PodInput[];
  /** The cluster's logical backup CronJobs (`<name>-backup-*`). */
  readonly cronJobs?: CronJobInput[];
  readonly now: Date;
}

export interface MemberStatus {
  readonly name: string;
  readonly role: string;
  readonly state: string;
  readonly timeline?: number;
  /** Bytes behind the leader's last known LSN (`optime`), for replicas. */
  readonly lagBytes?: number;
  readonly replicationState?: string;
  readonly pendingRestart: boolean;
  readonly ready?: boolean;
  readonly restarts?: number;
  readonly noFailover: boolean;
  readonly version?: string;
}

export interface FailoverRecord {
  readonly timeline: number;
  readonly lsn: number;
  readonly reason: string;
  readonly time?: string;
  readonly newLeader?: string;
}

export interface ClusterStatus {
  readonly name: string;
  readonly namespace: string;
  /** The lock holder, when its lock is within ttl of now. */
  readonly leader?: string;
  /** A lock past its ttl (renewTime + ttl before now): the cluster has no live leader. */
  readonly leaderLockExpired: boolean;
  readonly leaderSince?: string;
  readonly transitions?: number;
  readonly timeline?: number;
  readonly syncStandby?: string;
  readonly paused: boolean;
  readonly members: MemberStatus[];
  /** The latest timeline switches, newest first (at most 5). */
  readonly recentFailovers: FailoverRecord[];
  readonly lastLogicalBackups: Array<{ readonly cronJob: string; readonly lastSuccess?: string; readonly ageSeconds?: number }>;
  /** Problems worth a look, in words. */
  readonly warnings: string[];
}

function parseJson<T>(text: string | undefined, fallback: T): T {
  if (text === undefined || text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** Computes the cluster's status from what was read; never throws on missing or malformed annotations. */
export function clusterStatus(input: StatusInput): ClusterStatus {
  const byName = new Map(input.configMaps.map((c) => [c.name, c.annotations ?? {}]));
  const leaderCm = byName.get(`${input.name}-leader`) ?? {};
  const configCm = byName.get(`${input.name}-config`) ?? {};
  const syncCm = byName.get(`${input.name}-sync`) ?? {};
  const warnings: string[] = [];

  const ttl = Number(leaderCm.ttl ?? '30') || 30;
  const renew = leaderCm.renewTime ? Date.parse(leaderCm.renewTime) : NaN;
  const lockHolder = leaderCm.leader || undefined;
  const expired = lockHolder !== undefined && (Number.isNaN(renew) || renew + ttl * 1000 < input.now.getTime());
  const leader = lockHolder && !expired ? lockHolder : undefined;
  if (!lockHolder) warnings.push('no member holds the leader lock');
  else if (expired) warnings.push(`the leader lock of ${lockHolder} expired (renewed ${leaderCm.renewTime ?? 'never'}, ttl ${ttl} s)`);
  const leaderLsn = leaderCm.optime !== undefined ? Number(leaderCm.optime) : undefined;

  const config = parseJson<Record<string, unknown>>(configCm.config, {});
  const history = parseJson<unknown[][]>(configCm.history, []);
  const recentFailovers: FailoverRecord[] = (Array.isArray(history) ? history : [])
    .filter((line) => Array.isArray(line) && line.length >= 3)
    .map((line) => ({
      timeline: Number(line[0]),
      lsn: Number(line[1]),
      reason: String(line[2]),
      time: typeof line[3] === 'string' ? line[3] : undefined,
      newLeader: typeof line[4] === 'string' ? line[4] : undefined,
    }))
    .reverse()
    .slice(0, 5);

  const members: MemberStatus[] = input.pods
    .map((pod) => {
      const status = parseJson<Record<string, any>>(pod.annotations?.status, {});
      const role = typeof status.role === 'string' ? status.role : 'unknown';
      const location = typeof status.xlog_location === 'number' ? status.xlog_location : undefined;
      const isLeader = pod.name === leader;
      const lagBytes = !isLeader && leaderLsn !== undefined && location !== undefined ? Math.max(0, leaderLsn - location) : undefined;
      return {
        name: pod.name,
        role: isLeader ? 'leader' : role === 'primary' || role === 'master' ? 'primary (no lock)' : role,
        state: typeof status.state === 'string' ? status.state : 'unknown',
        timeline: typeof status.timeline === 'number' ? status.timeline : undefined,
        lagBytes,
        replicationState: typeof status.replication_state === 'string' ? status.replication_state : undefined,
        pendingRestart: status.pending_restart === true,
        ready: pod.ready,
        restarts: pod.restarts,
        noFailover: status.tags?.nofailover === true,
        version: typeof status.version === 'string' ? status.version : undefined,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));

  for (const m of members) {
    if (m.state !== 'running' && m.state !== 'streaming') warnings.push(`${m.name} is ${m.state}`);
    if (m.pendingRestart) warnings.push(`${m.name} needs a restart to apply changed parameters`);
    if (m.role === 'replica' && m.replicationState !== undefined && m.replicationState !== 'streaming') warnings.push(`${m.name} is ${m.replicationState}, not streaming`);
    // A member that stopped (killed, its node lost) leaves its last status annotation behind: without readiness
    // it is no proof of a second primary (found on real Patroni 4 members: a killed leader still reads "primary").
    if (m.role === 'primary (no lock)') {
      warnings.push(m.ready === false ? `${m.name} is not Ready; its last reported role, primary, may be stale (stopped or demoting)`
        : `${m.name} runs as primary without holding the lock`);
    } else if (m.ready === false) {
      warnings.push(`${m.name} is not Ready`);
    }
  }
  if (leader && !members.some((m) => m.name === leader)) warnings.push(`the lock holder ${leader} has no pod`);

  const leaderMember = members.find((m) => m.name === leader);
  const timeline = leaderMember?.timeline ?? (recentFailovers.length ? recentFailovers[0].timeline + 1 : undefined);
  const lastLogicalBackups = (input.cronJobs ?? []).map((c) => ({
    cronJob: c.name,
    lastSuccess: c.lastSuccessfulTime,
    ageSeconds: c.lastSuccessfulTime ? Math.round((input.now.getTime() - Date.parse(c.lastSuccessfulTime)) / 1000) : undefined,
  }));
  for (const b of lastLogicalBackups) if (!b.lastSuccess) warnings.push(`${b.cronJob} has never succeeded`);

  return {
    name: input.name,
    namespace: input.namespace,
    leader,
    leaderLockExpired: expired,
    leaderSince: leader ? leaderCm.acquireTime : undefined,
    transitions: leaderCm.transitions !== undefined ? Number(leaderCm.transitions) : undefined,
    timeline,
    syncStandby: syncCm.sync_standby || undefined,
    paused: config.pause === true,
    members,
    recentFailovers,
    lastLogicalBackups,
    warnings,
  };
}

/** A human-readable report of several clusters. */
export function formatStatus(statuses: ClusterStatus[]): string {
  const out: string[] = [];
  for (const s of statuses) {
    out.push(`${s.namespace}/${s.name}: leader ${s.leader ?? '(none)'}${s.leaderSince ? ` since ${s.leaderSince}` : ''}, timeline ${s.timeline ?? '?'}` +
      `${s.syncStandby ? `, sync standby ${s.syncStandby}` : ''}${s.paused ? ', PAUSED' : ''}`);
    out.push('  MEMBER                ROLE               STATE       TL   LAG(bytes)  READY  PENDING-RESTART');
    for (const m of s.members) {
      // A replica's state as patronictl shows it: its replication state (streaming, in archive recovery) while running.
      const state = m.state === 'running' && m.replicationState ? m.replicationState : m.state;
      out.push(`  ${m.name.padEnd(21)} ${m.role.padEnd(18)} ${state.padEnd(11)} ${String(m.timeline ?? '-').padEnd(4)} ${String(m.lagBytes ?? '-').padEnd(11)} ` +
        `${m.ready === undefined ? '-' : m.ready ? 'yes' : 'no'}`.padEnd(6) + ` ${m.pendingRestart ? 'yes' : 'no'}`);
    }
    for (const f of s.recentFailovers) out.push(`  failover: timeline ${f.timeline} -> ${f.timeline + 1} at ${f.time ?? '?'} to ${f.newLeader ?? '?'} (${f.reason})`);
    for (const b of s.lastLogicalBackups) out.push(`  logical backup ${b.cronJob}: last success ${b.lastSuccess ?? 'never'}`);
    for (const w of s.warnings) out.push(`  WARNING: ${w}`);
  }
  return out.join('\n') + '\n';
}
