import { k8s } from 'cdk8s-plus-27';
import { written } from './kube';
import { Rules, ValidationErrors, validateLabels } from './validation';
import { Placement, PodPlacementOptions } from '../scheduling/pod-placement';

/** {@link PodPlacementOptions} with every default applied. */
export interface ResolvedPodPlacement {
  readonly hostAntiAffinity: Placement;
  readonly zoneSpread: Placement;
  readonly nodeSelector?: Record<string, string>;
  readonly tolerations?: k8s.Toleration[];
  readonly priorityClassName?: string;
  readonly podDisruptionBudget: boolean;
  readonly terminationGracePeriodSeconds: number;
}

/** The defaults and limits a workload applies to {@link PodPlacementOptions}. */
export interface PlacementDefaults {
  readonly hostAntiAffinity: Placement;
  readonly terminationGracePeriodSeconds: number;
  /** The shortest grace period the workload can stop cleanly in, and why. */
  readonly minGraceSeconds: number;
  readonly minGraceReason?: string;
}

/** Validates the placement options into the collector and applies the workload's defaults. */
export function resolvePodPlacement(options: PodPlacementOptions, defaults: PlacementDefaults, errors: ValidationErrors): ResolvedPodPlacement {
  validateLabels(errors, 'nodeSelector', options.nodeSelector);
  if (options.priorityClassName !== undefined) errors.check('priorityClassName', options.priorityClassName, Rules.dns1123Subdomain(options.priorityClassName));
  (options.tolerations ?? []).forEach((t, i) => validateToleration(errors, `tolerations[${i}]`, t));
  const grace = options.terminationGracePeriod?.toSeconds({ integral: false }) ?? defaults.terminationGracePeriodSeconds;
  if (!Number.isInteger(grace) || grace < defaults.minGraceSeconds) {
    errors.add('terminationGracePeriod', grace, `must be a whole number of seconds >= ${defaults.minGraceSeconds}${defaults.minGraceReason ? `: ${defaults.minGraceReason}` : ''}`);
  }
  for (const [property, value] of [['hostAntiAffinity', options.hostAntiAffinity], ['zoneSpread', options.zoneSpread]] as const) {
    if (value !== undefined && !Object.values(Placement).includes(value)) {
      errors.add(property, value, `must be one of ${Object.values(Placement).map((v) => JSON.stringify(v)).join(', ')} (Placement)`);
    }
  }
  return {
    hostAntiAffinity: options.hostAntiAffinity ?? defaults.hostAntiAffinity,
    zoneSpread: options.zoneSpread ?? Placement.DISABLED,
    nodeSelector: options.nodeSelector,
    tolerations: options.tolerations,
    priorityClassName: options.priorityClassName,
    podDisruptionBudget: options.podDisruptionBudget ?? true,
    terminationGracePeriodSeconds: grace,
  };
}

/** The scheduling part of a pod spec for pods selected by `labels`, the same for every workload of the bundle. */
export function placementPodSpec(placement: ResolvedPodPlacement, labels: Record<string, string>): {
  affinity?: k8s.Affinity;
  topologySpreadConstraints?: k8s.TopologySpreadConstraint[];
  nodeSelector?: Record<string, string>;
  tolerations?: k8s.Toleration[];
  priorityClassName?: string;
  terminationGracePeriodSeconds: number;
} {
  return {
    ...placementConstraints(placement.hostAntiAffinity, placement.zoneSpread, labels),
    nodeSelector: placement.nodeSelector,
    tolerations: placement.tolerations?.map(written(k8s.toJson_Toleration)),
    priorityClassName: placement.priorityClassName,
    terminationGracePeriodSeconds: placement.terminationGracePeriodSeconds,
  };
}

/** Pod anti-affinity on hostname and a zone topology spread constraint for pods selected by `labels`. */
export function placementConstraints(hostAntiAffinity: Placement, zoneSpread: Placement, labels: Record<string, string>): {
  affinity?: k8s.Affinity;
  topologySpreadConstraints?: k8s.TopologySpreadConstraint[];
} {
  const term = { labelSelector: { matchLabels: labels }, topologyKey: 'kubernetes.io/hostname' };
  return {
    affinity: hostAntiAffinity === Placement.DISABLED ? undefined : {
      podAntiAffinity: hostAntiAffinity === Placement.REQUIRED
        ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
        : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] },
    },
    topologySpreadConstraints: zoneSpread === Placement.DISABLED ? undefined : [{
      maxSkew: 1,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: zoneSpread === Placement.REQUIRED ? 'DoNotSchedule' : 'ScheduleAnyway',
      labelSelector: { matchLabels: labels },
    }],
  };
}

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** Kubernetes' toleration rules (validation.ValidateTolerations), so the API server never rejects the pod template. */
function validateToleration(errors: ValidationErrors, property: string, t: k8s.Toleration): void {
  const operator = t.operator ?? 'Equal';
  if (t.key) errors.check(`${property}.key`, t.key, Rules.qualifiedName(t.key));
  if (!['Equal', 'Exists'].includes(operator)) errors.add(`${property}.operator`, t.operator, 'must be Equal or Exists');
  if (!t.key && operator !== 'Exists') errors.add(`${property}.operator`, t.operator, 'must be Exists when the key is empty (tolerate every taint)');
  if (operator === 'Exists' && t.value) errors.add(`${property}.value`, t.value, 'must be empty when the operator is Exists');
  if (operator === 'Equal' && t.value) errors.check(`${property}.value`, t.value, Rules.labelValue(t.value));
  if (t.effect && !TAINT_EFFECTS.includes(t.effect)) errors.add(`${property}.effect`, t.effect, `must be empty (every effect) or one of ${TAINT_EFFECTS.join(', ')}`);
  if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
    errors.add(`${property}.tolerationSeconds`, t.tolerationSeconds, 'only applies with effect NoExecute');
  }
}
