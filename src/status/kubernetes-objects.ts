import { ClusterStatus, clusterStatus, CronJobInput, ObjectMeta, PodInput, StatusInput } from './cluster-status';
import { SpiloLabels } from '../cluster/spilo-contract';

/**
 * From the `kubectl get -o json` lists (or API list responses) of pods, ConfigMaps and CronJobs to
 * one status input per cluster: members and Patroni's ConfigMaps are grouped by the scope label.
 */
export function statusInputs(lists: { pods: any; configMaps: any; cronJobs?: any }, now: Date, onlyCluster?: string): StatusInput[] {
  const scopeOf = (o: any): string | undefined => o?.metadata?.labels?.[SpiloLabels.SCOPE];
  const isSpilo = (o: any) => Object.entries(SpiloLabels.PATRONI).every(([k, v]) => o?.metadata?.labels?.[k] === v);
  const clusters = new Map<string, { namespace: string; pods: PodInput[]; configMaps: ObjectMeta[] }>();
  const entry = (o: any) => {
    const key = `${o.metadata.namespace ?? ''}/${scopeOf(o)}`;
    if (!clusters.has(key)) clusters.set(key, { namespace: o.metadata.namespace ?? '', pods: [], configMaps: [] });
    return clusters.get(key)!;
  };
  const wanted = (o: any) => isSpilo(o) && scopeOf(o) !== undefined && (onlyCluster === undefined || scopeOf(o) === onlyCluster);
  for (const pod of (lists.pods?.items ?? []).filter(wanted)) {
    const statuses: any[] = pod.status?.containerStatuses ?? [];
    entry(pod).pods.push({
      name: pod.metadata.name,
      labels: pod.metadata.labels,
      annotations: pod.metadata.annotations,
      ready: (pod.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'),
      restarts: statuses.reduce((sum, c) => sum + (c.restartCount ?? 0), 0),
    });
  }
  for (const cm of (lists.configMaps?.items ?? []).filter(wanted)) {
    entry(cm).configMaps.push({ name: cm.metadata.name, labels: cm.metadata.labels, annotations: cm.metadata.annotations });
  }
  const cronJobs: Array<CronJobInput & { namespace: string }> = (lists.cronJobs?.items ?? []).map((c: any) => ({
    name: c.metadata.name,
    namespace: c.metadata.namespace ?? '',
    lastSuccessfulTime: c.status?.lastSuccessfulTime,
    lastScheduleTime: c.status?.lastScheduleTime,
  }));
  return [...clusters.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, c]) => {
      const name = key.slice(key.indexOf('/') + 1);
      return {
        name,
        namespace: c.namespace,
        pods: c.pods,
        configMaps: c.configMaps,
        cronJobs: cronJobs.filter((j) => j.namespace === c.namespace && j.name.startsWith(`${name}-backup-`)),
        now,
      };
    });
}

/** Every cluster's status from the lists. */
export function statusFromLists(lists: { pods: any; configMaps: any; cronJobs?: any }, now: Date, onlyCluster?: string): ClusterStatus[] {
  return statusInputs(lists, now, onlyCluster).map(clusterStatus);
}
