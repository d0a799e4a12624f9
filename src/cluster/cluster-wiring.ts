import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { SpiloLabels } from './spilo-contract';
import { ResolvedCluster } from './validate-props';
import { ClusterMonitoringProps } from '../monitoring/cluster-monitoring';
import { ResolvedMonitoring } from '../monitoring/validate-props';

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
    },
    labels,
    memberSelector,
    clusterNameLabel: SpiloLabels.SCOPE,
    patroniPortName: 'patroni',
  };
}

/** The namespace of a construct's Chart; undefined for anything else (an untyped caller's value is reported by the type check). */
export function namespaceOf(construct: unknown): string | undefined {
  return construct instanceof Construct ? Chart.of(construct).namespace : undefined;
}

export { createPasswordSync } from './cluster-password-sync';
