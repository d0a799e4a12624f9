import { postgresMemory } from '../private/quantities';
import { problem, Problem } from '../private/validation';

/** What the tuned defaults are computed from (the database container's resources and the volume). */
export interface TuningInput {
  /** Memory the container may use (its limit, or its request when unlimited), in bytes. */
  readonly memoryBytes: number;
  /** CPU the container may use (its limit, or its request), in millicores. */
  readonly cpuMillis: number;
  /** Size of the data volume, in bytes. */
  readonly storageBytes: number;
}

/**
 * Parameters Patroni sets and owns itself; setting them through `parameters` would be ignored or
 * break replication, so they are rejected with the reason.
 */
export const PATRONI_CONTROLLED_PARAMETERS: Record<string, string> = {
  listen_addresses: 'Patroni listens on the pod IP (Spilo sets postgresql.listen)',
  port: 'the port is part of the Service and Patroni contract (5432)',
  cluster_name: 'Patroni sets it to the cluster scope',
  data_directory: 'Spilo places the data directory on the volume',
  config_file: 'Patroni writes postgresql.conf',
  hba_file: 'Patroni writes pg_hba.conf',
  ident_file: 'Patroni writes pg_ident.conf',
  hot_standby: 'Patroni requires it on for replicas',
  primary_conninfo: 'Patroni points replicas at the current leader',
  primary_slot_name: 'Patroni manages replication slots',
  promote_trigger_file: 'Patroni promotes through pg_ctl',
  recovery_target: 'recovery targets belong to a clone/restore bootstrap, not to a running cluster',
  recovery_target_lsn: 'recovery targets belong to a clone/restore bootstrap, not to a running cluster',
  recovery_target_name: 'recovery targets belong to a clone/restore bootstrap, not to a running cluster',
  recovery_target_time: 'recovery targets belong to a clone/restore bootstrap, not to a running cluster',
  recovery_target_xid: 'recovery targets belong to a clone/restore bootstrap, not to a running cluster',
  recovery_target_timeline: 'Patroni follows the latest timeline',
  restore_command: 'Spilo derives it from the backup configuration',
  archive_command: 'Spilo derives it from the backup configuration',
  archive_cleanup_command: 'Patroni/Spilo manage WAL cleanup',
  synchronous_standby_names: 'Patroni sets it from synchronousMode and synchronousNodeCount',
  wal_log_hints: 'pg_rewind, which Patroni uses to rejoin an old leader, needs it on',
};

/**
 * Parameters Patroni takes only from the DCS (`bootstrap.dcs.postgresql.parameters`); local values
 * are discarded because every member must agree on them (patroni/postgresql/config.py CMDLINE_OPTIONS).
 */
export const DCS_ONLY_PARAMETERS = [
  'max_connections', 'max_locks_per_transaction', 'max_prepared_transactions', 'max_replication_slots',
  'max_wal_senders', 'max_worker_processes', 'track_commit_timestamp', 'wal_keep_size', 'wal_keep_segments', 'wal_level',
];

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/**
 * Defaults computed from the declared resources (pgtune-style rules), written into the manifest so
 * reviewers see what PostgreSQL will run with.
 */
export function defaultParameters(input: TuningInput): Record<string, string> {
  const memoryMiB = input.memoryBytes / MiB;
  const cpus = Math.max(1, Math.ceil(input.cpuMillis / 1000));
  // Spilo's rule: one connection per 30 MB, at least 100, at most 1000.
  const maxConnections = Math.min(1000, Math.max(100, Math.floor(memoryMiB / 30)));
  const sharedBuffers = input.memoryBytes / 4;
  // work_mem is per sort/hash node: leave room for three per connection in the memory shared_buffers leaves.
  const workMem = Math.max(1 * MiB, (input.memoryBytes - sharedBuffers) / (maxConnections * 3));
  const maxWalSize = Math.min(16 * GiB, Math.max(64 * MiB, input.storageBytes / 8));
  return {
    shared_buffers: postgresMemory(sharedBuffers),
    effective_cache_size: postgresMemory(input.memoryBytes * 3 / 4),
    maintenance_work_mem: postgresMemory(Math.min(2 * GiB, input.memoryBytes / 16)),
    work_mem: postgresMemory(workMem),
    max_connections: String(maxConnections),
    max_worker_processes: String(Math.max(8, cpus + 4)),
    max_parallel_workers: String(cpus),
    max_parallel_workers_per_gather: String(Math.min(4, Math.max(1, Math.floor(cpus / 2)))),
    max_parallel_maintenance_workers: String(Math.min(4, Math.max(1, Math.floor(cpus / 2)))),
    max_wal_size: postgresMemory(maxWalSize),
    min_wal_size: postgresMemory(Math.max(32 * MiB, Math.min(1 * GiB, maxWalSize / 4))),
    password_encryption: 'scram-sha-256',
  };
}

/** Rejects parameters Patroni controls and names PostgreSQL would not accept. */
export function validateParameters(parameters: Record<string, string>): Problem[] {
  const problems: Problem[] = [];
  for (const [name, value] of Object.entries(parameters)) {
    const reason = PATRONI_CONTROLLED_PARAMETERS[name.toLowerCase()];
    if (reason) {
      problems.push(problem(`parameters.${name}`, value, `is controlled by Patroni/Spilo and cannot be set: ${reason}`));
    } else if (!/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/.test(name)) {
      problems.push(problem('parameters key', name, 'must be a PostgreSQL parameter name: lowercase letters, digits and "_", optionally one "." for extension parameters'));
    }
    if (typeof value !== 'string' || value.includes('\n') || value.includes('\0')) {
      problems.push(problem(`parameters.${name}`, value, 'must be a single-line string'));
    }
  }
  return problems;
}

/** Splits merged parameters into the DCS-only ones (bootstrap.dcs) and the local ones (postgresql.parameters). */
export function splitParameters(parameters: Record<string, string>): { dcs: Record<string, string>; local: Record<string, string> } {
  const dcs: Record<string, string> = {};
  const local: Record<string, string> = {};
  for (const name of Object.keys(parameters).sort()) {
    (DCS_ONLY_PARAMETERS.includes(name) ? dcs : local)[name] = parameters[name];
  }
  return { dcs, local };
}
