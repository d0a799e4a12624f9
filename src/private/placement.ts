import { k8s } from 'cdk8s-plus-27';

/** How strongly a placement rule applies (the values of the public Placement enum). */
export type PlacementStrength = 'required' | 'preferred' | 'disabled';

/**
 * Pod anti-affinity on hostname and a zone topology spread constraint for pods selected by `labels`,
 * the same way for every workload of the bundle (database members, poolers).
 */
export function placementConstraints(hostAntiAffinity: PlacementStrength, zoneSpread: PlacementStrength, labels: Record<string, string>): {
  affinity?: k8s.Affinity;
  topologySpreadConstraints?: k8s.TopologySpreadConstraint[];
} {
  const term = { labelSelector: { matchLabels: labels }, topologyKey: 'kubernetes.io/hostname' };
  return {
    affinity: hostAntiAffinity === 'disabled' ? undefined : {
      podAntiAffinity: hostAntiAffinity === 'required'
        ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
        : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] },
    },
    topologySpreadConstraints: zoneSpread === 'disabled' ? undefined : [{
      maxSkew: 1,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: zoneSpread === 'required' ? 'DoNotSchedule' : 'ScheduleAnyway',
      labelSelector: { matchLabels: labels },
    }],
  };
}
