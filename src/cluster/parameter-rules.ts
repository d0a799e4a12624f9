import { SynchronousMode } from './patroni-settings';
import { parseBool, postgresSetting, settingMagnitude } from '../postgres/catalog';
import { problem, Problem } from '../private/validation';

/** What Spilo's bootstrap.dcs template and Patroni use when the manifest does not set them (configure_spilo.py, patroni/postgresql/config.py). */
export const PATRONI_DEFAULTS = { max_wal_senders: 10, max_replication_slots: 10 };

/** What the bundle guarantees, which the merged parameters are checked against. */
export interface ParameterRuleContext {
  readonly major: number;
  readonly instances: number;
  /** WAL archiving (the `backup` prop) is configured. */
  readonly archiving: boolean;
  readonly synchronousMode: SynchronousMode;
  /** The database container's memory (limit, or request), in bytes; 0 when unknown. */
  readonly memoryBytes: number;
}

/**
 * Settings that are valid PostgreSQL but break what the bundle promises (pg_hba, replication, archiving, failover).
 * Only parameters the user set are reported: the defaults the library computes keep these rules.
 */
export function parameterConflicts(merged: Record<string, string>, userSet: readonly string[], context: ParameterRuleContext): Problem[] {
  const problems: Problem[] = [];
  const user = new Set(userSet);
  const flag = (name: string) => (merged[name] === undefined ? undefined : parseBool(merged[name]));
  const integer = (name: string) => (merged[name] === undefined ? undefined : Number(merged[name]));
  const add = (name: string, rule: string) => { if (user.has(name)) problems.push(problem(`parameters.${name}`, merged[name], rule)); };

  if (merged.password_encryption?.toLowerCase() === 'md5' || flag('password_encryption') === true) {
    add('password_encryption', 'must be scram-sha-256: pg_hba accepts only scram-sha-256 over TCP, and an md5-hashed password can never pass it');
  }
  if (flag('ssl') === false) add('ssl', 'must stay on: pg_hba rejects every TCP connection without TLS (hostnossl ... reject), so clients and replicas could not connect');
  if (merged.wal_level?.toLowerCase() === 'minimal') add('wal_level', 'must be replica or logical: replicas, pg_rewind and WAL archiving need it');
  if (flag('fsync') === false) add('fsync', 'must stay on: without it a crash or failover can lose acknowledged writes and corrupt the data directory');
  if (flag('full_page_writes') === false) add('full_page_writes', 'must stay on: pg_rewind, which rejoins an old leader after failover, needs it, and a crash could leave torn pages');
  if (context.archiving && merged.archive_mode !== undefined && parseBool(merged.archive_mode) === false) {
    add('archive_mode', 'must stay on while backup is configured: without it no WAL reaches the archive and point-in-time recovery has gaps');
  }
  if (context.synchronousMode !== SynchronousMode.OFF && ['off', 'local'].includes((merged.synchronous_commit ?? '').toLowerCase())) {
    add('synchronous_commit', `must not be off or local with synchronousMode ${context.synchronousMode}: commits would not wait for the synchronous replica, so a failover could lose acknowledged writes`);
  }
  // One sender per replica, plus two for a member being (re)built with pg_basebackup streaming its WAL.
  const senders = integer('max_wal_senders') ?? PATRONI_DEFAULTS.max_wal_senders;
  if (senders < context.instances + 1) {
    const rule = `must be at least ${context.instances + 1} for ${context.instances} instance(s): one per replica and two for a replica being rebuilt with pg_basebackup`;
    if (user.has('max_wal_senders')) add('max_wal_senders', rule);
    else problems.push(problem('instances', context.instances, `needs parameters.max_wal_senders above Patroni's default (${senders}); it ${rule}`));
  }
  const slots = integer('max_replication_slots') ?? PATRONI_DEFAULTS.max_replication_slots;
  if (slots < context.instances - 1) {
    const rule = `must be at least ${context.instances - 1}: Patroni keeps a replication slot for every replica`;
    if (user.has('max_replication_slots')) add('max_replication_slots', rule);
    else problems.push(problem('instances', context.instances, `needs parameters.max_replication_slots above Patroni's default (${slots}); it ${rule}`));
  }
  const workers = integer('max_worker_processes');
  const parallel = integer('max_parallel_workers');
  if (workers !== undefined && parallel !== undefined && parallel > workers) {
    add('max_parallel_workers', `must not exceed max_worker_processes (${workers}): PostgreSQL silently caps it`);
    add('max_worker_processes', `must be at least max_parallel_workers (${parallel}): PostgreSQL silently caps parallel workers to it`);
  }
  const bytes = (name: string) => {
    const setting = postgresSetting(context.major, name);
    return setting && merged[name] !== undefined ? settingMagnitude(setting, merged[name]) : undefined;
  };
  const minWal = bytes('min_wal_size');
  const maxWal = bytes('max_wal_size');
  if (minWal !== undefined && maxWal !== undefined && minWal > maxWal) {
    add('min_wal_size', `must not exceed max_wal_size (${merged.max_wal_size}): PostgreSQL would recycle WAL it is told to keep`);
    add('max_wal_size', `must be at least min_wal_size (${merged.min_wal_size}): PostgreSQL would recycle WAL it is told to keep`);
  }
  const sharedBuffers = bytes('shared_buffers');
  if (sharedBuffers !== undefined && context.memoryBytes > 0 && sharedBuffers >= context.memoryBytes * 0.8) {
    add('shared_buffers', `must be less than 80% of the container's memory (${Math.floor(context.memoryBytes / 1024 / 1024)} MiB): PostgreSQL would be OOM-killed once the buffers fill`);
  }
  return problems;
}
