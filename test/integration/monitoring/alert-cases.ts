/**
 * Synthetic series for `promtool test rules`: for every alert, series that make it fire (and the
 * labels it must fire with) and series of a healthy cluster on which no alert fires. The cluster is
 * `orders-db` in namespace `orders` with the default thresholds.
 */

export interface Series { readonly series: string; readonly values: string }
export interface FiringCase {
  readonly alert: string;
  readonly series: Series[];
  readonly evalTime: string;
  /** The labels each firing alert carries beyond the rule's own (severity, cluster_name). */
  readonly firing: Array<Record<string, string>>;
}

const NS = 'orders';
const CLUSTER = 'orders-db';
const member = (pod: string, extra = '') => `{namespace="${NS}", cluster_name="${CLUSTER}", pod="${pod}"${extra}}`;
const pvc = (claim: string) => `{namespace="${NS}", persistentvolumeclaim="${claim}"}`;
const clusterLabels = { namespace: NS, cluster_name: CLUSTER };
const podLabels = (pod: string) => ({ ...clusterLabels, pod });
const POOLER = 'orders-db-pooler';
const POOLER_POD = 'orders-db-pooler-5d8f7-abcde';
const poolerPod = (extra = '') => `{namespace="${NS}", cluster_name="${CLUSTER}", connection_pooler="${POOLER}", pod="${POOLER_POD}"${extra}}`;
const pool = (database: string, user: string) => poolerPod(`, database="${database}", user="${user}"`);

export const FIRING: FiringCase[] = [
  {
    alert: 'PostgresNoLeader',
    series: [{ series: `patroni_primary${member('orders-db-0')}`, values: '0x10' }, { series: `patroni_primary${member('orders-db-1')}`, values: '0x10' }],
    evalTime: '5m',
    firing: [clusterLabels],
  },
  {
    alert: 'PostgresMultipleLeaders',
    series: [{ series: `patroni_primary${member('orders-db-0')}`, values: '1x10' }, { series: `patroni_primary${member('orders-db-1')}`, values: '1x10' }],
    evalTime: '5m',
    firing: [clusterLabels],
  },
  {
    alert: 'PostgresFailoverHappened',
    series: [{ series: `patroni_postgres_timeline${member('orders-db-0')}`, values: '1x10 2x10' }, { series: `patroni_postgres_timeline${member('orders-db-1')}`, values: '1x10 2x10' }],
    evalTime: '15m',
    firing: [clusterLabels],
  },
  {
    alert: 'PostgresReplicaLagHigh',
    series: [
      { series: `pgaas_replication_lag_bytes${member('orders-db-0', ', application_name="orders-db-1"')}`, values: '1000000000x15' },
      { series: `pgaas_replication_replay_lag_seconds${member('orders-db-0', ', application_name="orders-db-1"')}`, values: '0x15' },
      // Seconds alone fire too.
      { series: `pgaas_replication_lag_bytes${member('orders-db-0', ', application_name="orders-db-2"')}`, values: '1000x15' },
      { series: `pgaas_replication_replay_lag_seconds${member('orders-db-0', ', application_name="orders-db-2"')}`, values: '900x15' },
    ],
    evalTime: '10m',
    firing: [{ ...clusterLabels, application_name: 'orders-db-1' }, { ...clusterLabels, application_name: 'orders-db-2' }],
  },
  {
    alert: 'PostgresReplicaNotStreaming',
    series: [
      { series: `pgaas_recovery_in_recovery${member('orders-db-1')}`, values: '1x15' },
      { series: `pgaas_recovery_wal_receiver_streaming${member('orders-db-1')}`, values: '0x15' },
      { series: `pgaas_recovery_in_recovery${member('orders-db-0')}`, values: '0x15' },
      { series: `pgaas_recovery_wal_receiver_streaming${member('orders-db-0')}`, values: '0x15' },
    ],
    evalTime: '10m',
    firing: [podLabels('orders-db-1')],
  },
  {
    alert: 'PostgresConnectionsSaturated',
    series: [
      { series: `pgaas_activity_connections${member('orders-db-0')}`, values: '95x15' },
      { series: `pgaas_activity_max_connections${member('orders-db-0')}`, values: '100x15' },
      { series: `pgaas_activity_reserved_connections${member('orders-db-0')}`, values: '3x15' },
    ],
    evalTime: '10m',
    firing: [podLabels('orders-db-0')],
  },
  {
    alert: 'PostgresLongTransaction',
    series: [{ series: `pgaas_activity_longest_transaction_seconds${member('orders-db-0')}`, values: '7200x10' }],
    evalTime: '5m',
    firing: [podLabels('orders-db-0')],
  },
  {
    alert: 'PostgresXidWraparoundRisk',
    series: [{ series: `pgaas_database_xid_age${member('orders-db-0', ', datname="orders"')}`, values: '1500000000x20' }],
    evalTime: '15m',
    firing: [{ ...clusterLabels, datname: 'orders' }],
  },
  {
    alert: 'PostgresVolumeFillingUp',
    series: [
      // 1 GB less every minute: empty long before 24 hours.
      { series: `kubelet_volume_stats_available_bytes${pvc('pgdata-orders-db-0')}`, values: '100000000000-1000000000x60' },
      // Another cluster's volume (orders-db2) is not this cluster's.
      { series: `kubelet_volume_stats_available_bytes${pvc('pgdata-orders-db2-0')}`, values: '100000000000-1000000000x60' },
    ],
    evalTime: '45m',
    firing: [{ namespace: NS, persistentvolumeclaim: 'pgdata-orders-db-0' }],
  },
  {
    alert: 'PostgresVolumeAlmostFull',
    series: [
      { series: `kubelet_volume_stats_available_bytes${pvc('pgdata-orders-db-1')}`, values: '5000000000x10' },
      { series: `kubelet_volume_stats_capacity_bytes${pvc('pgdata-orders-db-1')}`, values: '100000000000x10' },
    ],
    evalTime: '8m',
    firing: [{ namespace: NS, persistentvolumeclaim: 'pgdata-orders-db-1' }],
  },
  {
    alert: 'PostgresExporterDown',
    series: [
      { series: `up${member('orders-db-2', ', job="orders/orders-db", instance="10.0.0.7:9187"')}`, values: '0x10' },
      // A pooler pod's exporter (the pooler's PodMonitor).
      { series: `up${poolerPod(', job="orders/orders-db-pooler", instance="10.0.0.9:9127"')}`, values: '0x10' },
    ],
    evalTime: '8m',
    firing: [
      { ...podLabels('orders-db-2'), job: 'orders/orders-db', instance: '10.0.0.7:9187' },
      { ...clusterLabels, connection_pooler: POOLER, pod: POOLER_POD, job: 'orders/orders-db-pooler', instance: '10.0.0.9:9127' },
    ],
  },
  {
    alert: 'PostgresMemberRestarting',
    series: [
      { series: `kube_pod_container_status_restarts_total{namespace="${NS}", pod="orders-db-0", container="postgres"}`, values: '0+1x30' },
      // The pooler's pods are not members.
      { series: `kube_pod_container_status_restarts_total{namespace="${NS}", pod="orders-db-pooler-5d8f7-abcde", container="pgbouncer"}`, values: '0+1x30' },
    ],
    evalTime: '20m',
    firing: [{ namespace: NS, pod: 'orders-db-0', container: 'postgres' }],
  },
  {
    alert: 'PostgresLogicalBackupFailed',
    series: [{ series: `kube_job_status_failed{namespace="${NS}", job_name="orders-db-backup-nightly-29380000"}`, values: '0x5 1x10' }],
    evalTime: '10m',
    firing: [{ namespace: NS, job_name: 'orders-db-backup-nightly-29380000' }],
  },
  {
    alert: 'PostgresLogicalBackupStale',
    // Last success at time 0; evaluated 27 hours later.
    series: [{ series: `kube_cronjob_status_last_successful_time{namespace="${NS}", cronjob="orders-db-backup-nightly"}`, values: '0x1700' }],
    evalTime: '27h',
    firing: [{ namespace: NS, cronjob: 'orders-db-backup-nightly' }],
  },
  {
    alert: 'PostgresReplicasMissing',
    // Three instances: one replica streams, the other's pod is gone.
    series: [
      { series: `pgaas_replication_streaming${member('orders-db-0', ', application_name="orders-db-1"')}`, values: '1x20' },
      { series: `pgaas_recovery_in_recovery${member('orders-db-0')}`, values: '0x20' },
    ],
    evalTime: '15m',
    firing: [clusterLabels],
  },
  {
    alert: 'PostgresWalArchivingFailing',
    series: [
      { series: `pgaas_archiver_failed_count${member('orders-db-0')}`, values: '0+1x40' },
      { series: `pgaas_recovery_in_recovery${member('orders-db-0')}`, values: '0x40' },
    ],
    evalTime: '25m',
    firing: [podLabels('orders-db-0')],
  },
  {
    alert: 'PostgresWalArchivingBehind',
    series: [{ series: `pgaas_archiver_ready_segments${member('orders-db-0')}`, values: '50x30' }],
    evalTime: '20m',
    firing: [podLabels('orders-db-0')],
  },
  {
    alert: 'PostgresBaseBackupStale',
    // The last base backup ended at time 0 on the primary (daily schedule: 26 hours allowed); no promotion since.
    series: [
      { series: `pgaas_base_backup_last_timestamp_seconds${member('orders-db-0')}`, values: '0x1700' },
      { series: `pgaas_base_backup_timeline_timestamp_seconds${member('orders-db-0')}`, values: '0x1700' },
      { series: `pgaas_base_backup_last_timestamp_seconds${member('orders-db-1')}`, values: '0x1700' },
      { series: `pgaas_base_backup_timeline_timestamp_seconds${member('orders-db-1')}`, values: '0x1700' },
    ],
    evalTime: '27h',
    firing: [clusterLabels],
  },
  {
    alert: 'PostgresPoolerClientsWaiting',
    series: [
      { series: `pgbouncer_pools_client_maxwait_seconds${pool('orders', 'orders_app')}`, values: '30x10' },
      { series: `pgbouncer_pools_client_maxwait_seconds${pool('orders', 'pooler')}`, values: '0x10' },
    ],
    evalTime: '5m',
    firing: [{ ...clusterLabels, connection_pooler: POOLER, database: 'orders' }],
  },
  {
    alert: 'PostgresPoolerClientsSaturated',
    // 8600 active + 200 waiting of max_client_conn 10000.
    series: [
      { series: `pgbouncer_pools_client_active_connections${pool('orders', 'orders_app')}`, values: '8600x15' },
      { series: `pgbouncer_pools_client_waiting_connections${pool('orders', 'orders_app')}`, values: '200x15' },
      { series: `pgbouncer_pools_client_active_connections${pool('pgbouncer', 'pgbouncer')}`, values: '1x15' },
      { series: `pgbouncer_pools_client_waiting_connections${pool('pgbouncer', 'pgbouncer')}`, values: '0x15' },
      { series: `pgbouncer_config_max_client_connections${poolerPod()}`, values: '10000x15' },
    ],
    evalTime: '10m',
    firing: [{ ...clusterLabels, connection_pooler: POOLER, pod: POOLER_POD }],
  },
];

/** A healthy three-member cluster for 28 hours: every alert stays silent. */
export const HEALTHY: Series[] = [
  ...['orders-db-0', 'orders-db-1', 'orders-db-2'].flatMap((pod, i) => [
    { series: `patroni_primary${member(pod)}`, values: `${i === 0 ? 1 : 0}x1700` },
    { series: `patroni_postgres_timeline${member(pod)}`, values: '3x1700' },
    { series: `up${member(pod, ', job="orders/orders-db"')}`, values: '1x1700' },
    { series: `pgaas_recovery_in_recovery${member(pod)}`, values: `${i === 0 ? 0 : 1}x1700` },
    { series: `pgaas_recovery_wal_receiver_streaming${member(pod)}`, values: `${i === 0 ? 0 : 1}x1700` },
    { series: `pgaas_activity_connections${member(pod)}`, values: '40x1700' },
    { series: `pgaas_activity_max_connections${member(pod)}`, values: '273x1700' },
    { series: `pgaas_activity_reserved_connections${member(pod)}`, values: '3x1700' },
    { series: `pgaas_activity_longest_transaction_seconds${member(pod)}`, values: '2x1700' },
    { series: `pgaas_database_xid_age${member(pod, ', datname="orders"')}`, values: '150000000x1700' },
    { series: `kubelet_volume_stats_available_bytes${pvc(`pgdata-orders-db-${i}`)}`, values: '40000000000x1700' },
    { series: `kubelet_volume_stats_capacity_bytes${pvc(`pgdata-orders-db-${i}`)}`, values: '53687091200x1700' },
    { series: `kube_pod_container_status_restarts_total{namespace="${NS}", pod="${pod}", container="postgres"}`, values: '1x1700' },
  ]),
  ...['orders-db-1', 'orders-db-2'].flatMap((replica) => [
    { series: `pgaas_replication_lag_bytes${member('orders-db-0', `, application_name="${replica}"`)}`, values: '16384x1700' },
    { series: `pgaas_replication_replay_lag_seconds${member('orders-db-0', `, application_name="${replica}"`)}`, values: '0.2x1700' },
    { series: `pgaas_replication_streaming${member('orders-db-0', `, application_name="${replica}"`)}`, values: '1x1700' },
  ]),
  ...['orders-db-0', 'orders-db-1', 'orders-db-2'].map((pod) => ({ series: `pgaas_base_backup_timeline_timestamp_seconds${member(pod)}`, values: '0x1700' })),
  // The primary's daily base backup ends at 0 and at 24 h (its backup history file; the replicas have none).
  { series: `pgaas_base_backup_last_timestamp_seconds${member('orders-db-0')}`, values: '0x1439 86400x300' },
  ...['orders-db-1', 'orders-db-2'].map((pod) => ({ series: `pgaas_base_backup_last_timestamp_seconds${member(pod)}`, values: '0x1700' })),
  { series: `pgbouncer_pools_client_maxwait_seconds${pool('orders', 'orders_app')}`, values: '0x1700' },
  { series: `pgbouncer_pools_client_active_connections${pool('orders', 'orders_app')}`, values: '300x1700' },
  { series: `pgbouncer_pools_client_waiting_connections${pool('orders', 'orders_app')}`, values: '2x1700' },
  { series: `pgbouncer_config_max_client_connections${poolerPod()}`, values: '10000x1700' },
  { series: `pgaas_archiver_failed_count${member('orders-db-0')}`, values: '2x1700' },
  { series: `pgaas_archiver_ready_segments${member('orders-db-0')}`, values: '1x1700' },
  { series: `kube_job_status_failed{namespace="${NS}", job_name="orders-db-backup-nightly-29380000"}`, values: '0x1700' },
  // A success every minute (as good as "an hour ago" for a 26-hour limit).
  { series: `kube_cronjob_status_last_successful_time{namespace="${NS}", cronjob="orders-db-backup-nightly"}`, values: '0+60x1700' },
];
