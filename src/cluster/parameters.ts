import { CATALOG_MAJORS, PLACEHOLDER_PREFIXES, postgresSetting, postgresSettings, settingValueProblem } from '../postgres/catalog';
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

/**
 * Rejects parameters Patroni controls, and names and values the target major's PostgreSQL would reject (its own
 * catalog: type, unit, range, enum values; Patroni drops unknown names and substitutes defaults for bad values,
 * so the manifest would lie about what runs).
 */
export function validateParameters(parameters: Record<string, string>, major: number = 17): Problem[] {
  const problems: Problem[] = [];
  for (const [name, value] of Object.entries(parameters)) {
    const reason = PATRONI_CONTROLLED_PARAMETERS[name.toLowerCase()];
    if (typeof value !== 'string' || value.includes('\n') || value.includes('\0')) {
      problems.push(problem(`parameters.${name}`, value, 'must be a single-line string'));
    } else if (reason) {
      problems.push(problem(`parameters.${name}`, value, `is controlled by Patroni/Spilo and cannot be set: ${reason}`));
    } else if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(name)) {
      problems.push(problem('parameters key', name, 'must be a PostgreSQL parameter name: letters, digits and "_", optionally one "." for extension parameters'));
    } else if (name !== name.toLowerCase() && postgresSetting(major, name)?.name !== name) {
      // Patroni sorts parameters into bootstrap.dcs and local ones by their lowercase names.
      problems.push(problem('parameters key', name, `must be spelled in lowercase or as PostgreSQL spells it (${postgresSetting(major, name)?.name ?? name.toLowerCase()})`));
    } else if (Object.keys(parameters).some((other) => other !== name && other.toLowerCase() === name.toLowerCase())) {
      problems.push(problem('parameters key', name, 'is set twice (names are case-insensitive)'));
    } else {
      problems.push(...catalogProblems(name, value, major));
    }
  }
  return problems;
}

function catalogProblems(name: string, value: string, major: number): Problem[] {
  // A major without a catalog (an image's older or newer PostgreSQL) keeps the syntax checks only.
  if (!CATALOG_MAJORS.includes(major)) return [];
  const setting = postgresSetting(major, name);
  if (!setting) {
    const prefix = name.includes('.') ? name.split('.')[0] : undefined;
    if (prefix !== undefined && PLACEHOLDER_PREFIXES[prefix]) return [];
    const known = prefix !== undefined && [...postgresSettings(major).keys()].some((n) => n.startsWith(`${prefix}.`));
    const rule = prefix === undefined || known
      ? `is not a PostgreSQL ${major} parameter${suggestion(name, major)}`
      : `is not a parameter of an extension the cluster loads (known prefixes: ${[...catalogPrefixes(major), ...Object.keys(PLACEHOLDER_PREFIXES)].join(', ')}); application settings belong in ALTER DATABASE/ROLE ... SET`;
    return [problem('parameters key', name, rule)];
  }
  if (setting.context === 'internal') return [problem(`parameters.${name}`, value, `is a read-only PostgreSQL ${major} setting (fixed when PostgreSQL was built or initdb ran)`)];
  const rule = settingValueProblem(setting, value);
  return rule ? [problem(`parameters.${name}`, value, `${rule} (PostgreSQL ${major})`)] : [];
}

function catalogPrefixes(major: number): string[] {
  return [...new Set([...postgresSettings(major).keys()].filter((n) => n.includes('.')).map((n) => n.split('.')[0]))];
}

/** ", did you mean x?" for a name one or two edits away from a real one. */
function suggestion(name: string, major: number): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of postgresSettings(major).keys()) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best ? ` (did you mean ${best}?)` : '';
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    previous = current;
  }
  return previous[b.length];
}

/** Whether a change of a parameter applies on reload or needs a restart (from the catalog), for day-2 changes. */
export function parameterApplies(name: string, major: number): 'reload' | 'restart' | undefined {
  const setting = postgresSetting(major, name);
  if (!setting || setting.context === 'internal') return undefined;
  return setting.context === 'postmaster' ? 'restart' : 'reload';
}
