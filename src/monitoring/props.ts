import * as kplus from 'cdk8s-plus-27';
import { NetworkPeer } from '../network/network-peer';

/**
 * Thresholds of the cluster's alerts. Every alert has a runbook (see the README's alert table).
 */
export interface AlertThresholds {
  /**
   * Replication lag of a replica, in bytes, above which `PostgresReplicaLagHigh` fires.
   * @default 268435456 (256 MiB)
   */
  readonly replicaLagBytes?: number;
  /**
   * Replay lag of a replica, in seconds, above which `PostgresReplicaLagHigh` fires.
   * @default 300
   */
  readonly replicaLagSeconds?: number;
  /**
   * WAL segments waiting to be archived above which `PostgresWalArchivingBehind` fires.
   * @default 20
   */
  readonly walArchiveReadySegments?: number;
  /**
   * Share of `max_connections` in use (0..1) above which `PostgresConnectionsSaturated` fires.
   * @default 0.85
   */
  readonly connectionSaturation?: number;
  /**
   * Age of the longest open transaction, in seconds, above which `PostgresLongTransaction` fires.
   * @default 1800
   */
  readonly longTransactionSeconds?: number;
  /**
   * Transaction-ID age of a database above which `PostgresXidWraparoundRisk` fires (wraparound stops writes at about 2^31).
   * @default 1000000000
   */
  readonly xidAge?: number;
  /**
   * Hours ahead for which the volume's free space is forecast (`PostgresVolumeFillingUp`).
   * @default 24
   */
  readonly volumeForecastHours?: number;
  /**
   * Share of the volume in use (0..1) above which `PostgresVolumeAlmostFull` fires.
   * @default 0.9
   */
  readonly volumeUsage?: number;
  /**
   * Container restarts of a member within 30 minutes above which `PostgresMemberRestarting` fires.
   * @default 2
   */
  readonly restarts?: number;
  /**
   * Hours since the last successful logical backup above which `PostgresLogicalBackupStale` fires
   * (kube-state-metrics' `kube_cronjob_status_last_successful_time` of the cluster's backup CronJobs).
   * @default 26
   */
  readonly logicalBackupMaxAgeHours?: number;
  /**
   * Hours since the newest base backup (or the start of the current timeline) above which `PostgresBaseBackupStale`
   * fires. Only with `backup` and base backups on the primary (not `backupFromReplica`).
   * @default the longest gap between two runs of `backup.schedule` plus 2 hours (26 for Spilo's daily "0 1 * * *")
   */
  readonly baseBackupMaxAgeHours?: number;
  /**
   * Seconds the oldest client of a pooler pool may wait for a server connection before `PostgresPoolerClientsWaiting`
   * fires (PgBouncer's `maxwait`, for 2 minutes: a failover's short wait does not fire).
   * @default 10
   */
  readonly poolerClientWaitSeconds?: number;
  /**
   * Share of a pooler pod's `max_client_conn` in use (0..1) above which `PostgresPoolerClientsSaturated` fires.
   * @default 0.85
   */
  readonly poolerClientSaturation?: number;
}

/**
 * Monitoring of a cluster: a PostgreSQL exporter in every member, Patroni's own `/metrics`, and,
 * for the Prometheus Operator, a PodMonitor and a PrometheusRule with the alerts.
 */
export interface ClusterMonitoringOptions {
  /**
   * The postgres_exporter image of the sidecar (pinned: the queries are tested against this release).
   * @default "quay.io/prometheuscommunity/postgres-exporter:v0.11.1"
   */
  readonly exporterImage?: string;
  /**
   * The PgBouncer exporter image of the pooler pods' metrics sidecar (prometheus-community pgbouncer_exporter;
   * pinned: the pooler alerts are tested against this release). Each pooler pod gets the sidecar when the cluster
   * has monitoring and a `connectionPooler`.
   * @default "quay.io/prometheuscommunity/pgbouncer-exporter:v0.12.1"
   */
  readonly poolerExporterImage?: string;
  /**
   * Resources of the exporter sidecar.
   * @default cpu request 10m, limit 100m; memory request and limit 64Mi
   */
  readonly exporterResources?: kplus.ContainerResources;
  /**
   * The login role the exporter connects as (a member of `pg_monitor`, password generated in the cluster).
   * @default "pgaas_monitor"
   */
  readonly monitoringRole?: string;
  /**
   * Create a `PodMonitor` (monitoring.coreos.com/v1) scraping the exporter and Patroni. Needs the Prometheus Operator's CRDs.
   * @default false
   */
  readonly podMonitor?: boolean;
  /**
   * Create a `PrometheusRule` (monitoring.coreos.com/v1) with the cluster's alerts. Needs the Prometheus Operator's CRDs.
   * @default false
   */
  readonly prometheusRule?: boolean;
  /**
   * PostgreSQL's log on stdout, one JSON object per line (`log_destination: jsonlog`, followed by a small
   * sidecar in the Spilo image), for the cluster's log pipeline. Needs PostgreSQL 15 or later.
   * Statement logging stays in `parameters` (`log_min_duration_statement`, `log_lock_waits`, ...).
   * @default false (Spilo's CSV files on the volume only)
   */
  readonly logsToStdout?: boolean;
  /**
   * A Grafana dashboard of the cluster as a ConfigMap labelled `grafana_dashboard: "1"` (Grafana's dashboard sidecar).
   * @default true
   */
  readonly grafanaDashboard?: boolean;
  /**
   * Labels of the PodMonitor and PrometheusRule (what the Prometheus' `podMonitorSelector`/`ruleSelector` match).
   * @default none
   */
  readonly labels?: Record<string, string>;
  /**
   * The Prometheus pods allowed through the NetworkPolicy to the metrics ports (exporter and Patroni).
   * Without any, the metrics ports stay closed to everyone but the members.
   * @default none
   */
  readonly prometheusPeers?: NetworkPeer[];
  /**
   * Scrape interval of the PodMonitor.
   * @default "30s"
   */
  readonly scrapeInterval?: string;
  /**
   * Alert thresholds.
   * @default the defaults of each threshold
   */
  readonly alerts?: AlertThresholds;
}
