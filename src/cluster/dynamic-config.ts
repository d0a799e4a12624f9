import { k8s } from 'cdk8s-plus-27';
import { bootstrapDcs } from './patroni-dcs';
import { ResolvedPatroniSettings, SynchronousMode } from './patroni-settings';
import { StandbyClusterProps } from '../backup/cluster-bootstrap';
import { postgresSettings } from '../postgres/catalog';

/**
 * Patroni's dynamic configuration (the `<cluster>-config` object in the DCS) as the library declares it:
 * the Patroni settings and every PostgreSQL parameter that may live there. Pure functions: the same
 * object is the first bootstrap's `bootstrap.dcs` and what the configuration Job converges a running
 * cluster to (`PATCH /config`), so the first run of the Job finds nothing to change.
 */

/**
 * Parameters Spilo writes into Patroni's LOCAL configuration (its template's `postgresql.parameters`,
 * configure_spilo.py). In Patroni a local value wins over the dynamic one, so the library's value of
 * these must stay local too (in SPILO_CONFIGURATION, the pod template): a change of one of them rolls
 * the members (the StatefulSet's rolling update, with the preStop switchover). Every other parameter
 * lives in the dynamic configuration.
 */
export const SPILO_LOCAL_PARAMETERS = [
  'archive_command', 'shared_buffers', 'logging_collector', 'log_destination', 'log_directory', 'log_filename',
  'log_file_mode', 'log_rotation_age', 'log_truncate_on_rotation', 'ssl', 'ssl_ca_file', 'ssl_crl_file', 'ssl_cert_file',
  'ssl_key_file', 'shared_preload_libraries', 'bg_mon.listen_address', 'bg_mon.history_buckets',
  'pg_stat_statements.track_utility', 'extwlist.extensions', 'extwlist.custom_path',
];

/**
 * The parameters Spilo's template puts into `bootstrap.dcs` (configure_spilo.py, Spilo 4.0; units spelled out). They are
 * declared explicitly, under the library's and the user's values, so that the desired configuration is
 * complete: the Job removes every other parameter it finds in the DCS, and a parameter the user sets
 * and later removes goes back to Spilo's value instead of staying behind.
 */
export const SPILO_DCS_PARAMETERS: Record<string, string> = {
  archive_mode: 'on',
  archive_timeout: '1800s',
  // Spilo writes 'hot_standby', PostgreSQL's alias of 'replica' (what SHOW reports).
  wal_level: 'replica',
  wal_log_hints: 'on',
  max_wal_senders: '10',
  max_replication_slots: '10',
  hot_standby: 'on',
  tcp_keepalives_idle: '900',
  tcp_keepalives_interval: '100',
  log_line_prefix: '%t [%p]: [%l-1] %c %x %d %u %a %h ',
  log_checkpoints: 'on',
  log_lock_waits: 'on',
  log_min_duration_statement: '500ms',
  log_autovacuum_min_duration: '0',
  log_connections: 'on',
  log_disconnections: 'on',
  log_statement: 'ddl',
  log_temp_files: '0',
  track_functions: 'all',
  checkpoint_completion_target: '0.9',
  autovacuum_max_workers: '5',
  autovacuum_vacuum_scale_factor: '0.05',
  autovacuum_analyze_scale_factor: '0.02',
};

/** Top-level keys of the dynamic configuration the library owns: present when declared, removed when not. */
export const MANAGED_KEYS = [
  'ttl', 'loop_wait', 'retry_timeout', 'maximum_lag_on_failover', 'synchronous_mode', 'synchronous_mode_strict',
  'synchronous_node_count', 'failsafe_mode', 'standby_cluster',
];

/** Splits the cluster's parameters into the local ones (Spilo's, which must win over its own) and the dynamic ones. */
export function splitLocalParameters(parameters: Record<string, string>): { dynamic: Record<string, string>; local: Record<string, string> } {
  const dynamic: Record<string, string> = {};
  const local: Record<string, string> = {};
  for (const name of Object.keys(parameters).sort()) {
    (SPILO_LOCAL_PARAMETERS.includes(name.toLowerCase()) ? local : dynamic)[name] = parameters[name];
  }
  return { dynamic, local };
}

/** The `standby_cluster` section of a streaming standby (Spilo adds its own keys for an archive). */
export function standbyClusterSection(standby: StandbyClusterProps | undefined): Record<string, unknown> | undefined {
  if (!standby) return undefined;
  return {
    ...standby.host === undefined ? {} : { host: standby.host },
    ...standby.port === undefined ? {} : { port: standby.port },
    ...standby.primarySlotName === undefined ? {} : { primary_slot_name: standby.primarySlotName },
  };
}

/**
 * The desired dynamic configuration: Patroni's settings (synchronous mode always explicit, so turning it off
 * is a change too), `standby_cluster` while the cluster is a standby, and every dynamic parameter over Spilo's.
 */
export function dynamicConfiguration(
  settings: ResolvedPatroniSettings, parameters: Record<string, string>, standby?: StandbyClusterProps,
): Record<string, unknown> {
  const { dynamic } = splitLocalParameters(parameters);
  const merged: Record<string, string> = { ...SPILO_DCS_PARAMETERS, ...dynamic };
  const sorted = Object.fromEntries(Object.keys(merged).sort().map((name) => [name, merged[name]]));
  const standbyCluster = standbyClusterSection(standby);
  return {
    ...bootstrapDcs(settings, sorted),
    synchronous_mode: settings.synchronousMode !== SynchronousMode.OFF,
    synchronous_mode_strict: settings.synchronousMode === SynchronousMode.STRICT,
    synchronous_node_count: settings.synchronousNodeCount,
    ...standbyCluster ? { standby_cluster: standbyCluster } : {},
  };
}

/**
 * Names of the parameters of a major that take effect only after a restart (pg_settings.context
 * `postmaster`), lowercase: the Job restarts members when one of them changed.
 */
export function restartParameters(major: number): string[] {
  return [...postgresSettings(major).entries()].filter(([, s]) => s.context === 'postmaster').map(([name]) => name).sort();
}

/** The variable the Spilo container gets the dynamic configuration in (SPILO_CONFIGURATION refers to it). */
export const DYNAMIC_CONFIGURATION_ENV = 'PGAAS_DYNAMIC_CONFIGURATION';

/** The stable name of a cluster's dynamic configuration ConfigMap (not Patroni's own `<cluster>-config`). */
export function dynamicConfigMapName(cluster: string): string {
  return `${cluster}-dynamic-config`;
}

/** The Spilo container's variable with the dynamic configuration, from the ConfigMap. */
export function dynamicConfigEnv(cluster: string): k8s.EnvVar {
  return { name: DYNAMIC_CONFIGURATION_ENV, valueFrom: { configMapKeyRef: { name: dynamicConfigMapName(cluster), key: 'dynamic-configuration.json' } } };
}
