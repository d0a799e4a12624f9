import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { SpiloLabels } from './spilo-contract';
import { ResolvedCluster } from './validate-props';
import { ClusterMonitoringProps } from '../monitoring/cluster-monitoring';
import { ResolvedMonitoring } from '../monitoring/validate-props';
import { DatabaseNetworkPolicy } from '../network/network-policy';
import { poolerSelectorLabels } from '../pooler/pod-layout';
import { cronLongestGapHours } from '../private/cron';
import { NETWORK_GROUP_LABEL } from '../private/names';

/** The props of a cluster's monitoring objects, from the resolved cluster (pure). */
export function clusterMonitoringProps(
  cluster: ResolvedCluster, monitoring: ResolvedMonitoring, labels: Record<string, string>, memberSelector: Record<string, string>,
): ClusterMonitoringProps {
  return {
    monitoring,
    target: {
      name: cluster.name,
      namespace: cluster.namespace,
      instances: cluster.instances,
      walArchiving: cluster.backup.archivePrefix !== undefined,
      logicalBackupPrefix: `${cluster.name}-backup-`,
      baseBackupScheduleGapHours: baseBackupScheduleGapHours(cluster),
    },
    labels,
    memberSelector,
    clusterNameLabel: SpiloLabels.SCOPE,
    patroniPortName: 'patroni',
    poolerSelector: cluster.connectionPooler ? poolerSelectorLabels(cluster.name) : undefined,
  };
}

/** The longest gap of Spilo's base backup cron when the primary takes them (with `backup`, not from a replica). */
function baseBackupScheduleGapHours(cluster: ResolvedCluster): number | undefined {
  const env = (name: string) => cluster.backup.env.find((e) => e.name === name)?.value;
  const schedule = env('BACKUP_SCHEDULE');
  if (cluster.backup.archivePrefix === undefined || schedule === undefined || env('WALG_BACKUP_FROM_REPLICA') === 'true') return undefined;
  return cronLongestGapHours(schedule);
}

/** The namespace of a construct's Chart; undefined for anything else (an untyped caller's value is reported by the type check). */
export function namespaceOf(construct: unknown): string | undefined {
  return construct instanceof Construct ? Chart.of(construct).namespace : undefined;
}

/**
 * Gives the day-2 Jobs that talk to the members a NetworkPolicy group of their own (never the members'): the
 * dynamic configuration Job is admitted to the members' REST API (8008) only, the major upgrade to PostgreSQL
 * (5432) only, and each one's egress goes to that port of the members and DNS, nothing else. Returns the policy.
 */
export function admitDayTwoJobs(policy: DatabaseNetworkPolicy, cluster: ResolvedCluster): DatabaseNetworkPolicy {
  const group = (name: 'config' | 'upgrade') => ({ [NETWORK_GROUP_LABEL]: cluster.names.networkGroup(name) });
  policy.addPatroniApiClientJob('DynamicConfigNetworkPolicy', 'config', group('config'));
  // Every cluster has its major upgrade Job (it upgrades in place or refuses a raised postgresVersion).
  policy.addDatabaseClientJob('MajorUpgradeNetworkPolicy', 'upgrade', group('upgrade'));
  return policy;
}

export { createPasswordSync } from './cluster-password-sync';

// The day-2 objects a cluster assembles (re-exported so that postgres-cluster.ts stays one import for its wiring).
export { clusterDynamicConfig } from './dynamic-config-job';
export { VolumeExpansion } from './volume-expansion';
export { createMajorUpgrade } from '../upgrade/cluster-upgrade';
