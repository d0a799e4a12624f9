import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';

/** How strongly a placement rule is enforced. */
export enum Placement {
  /** The scheduler must satisfy the rule; pods stay Pending otherwise. */
  REQUIRED = 'required',
  /** The scheduler tries to satisfy the rule but places pods anyway. */
  PREFERRED = 'preferred',
  /** No rule. */
  DISABLED = 'disabled',
}

/**
 * Where and how the pods of a highly available workload of the bundle (database members, poolers)
 * are scheduled, how long they get to stop, and whether a PodDisruptionBudget protects them.
 * Shared by {@link PostgresClusterProps} and {@link ConnectionPoolerOptions}; each documents its defaults.
 */
export interface PodPlacementOptions {
  /**
   * Spread the pods over nodes with pod anti-affinity on `kubernetes.io/hostname`.
   * @default - database members: Placement.REQUIRED when instances > 1; poolers: Placement.REQUIRED
   */
  readonly hostAntiAffinity?: Placement;
  /**
   * Spread the pods over zones (`topology.kubernetes.io/zone`) with a topology spread constraint (maxSkew 1).
   * @default Placement.DISABLED
   */
  readonly zoneSpread?: Placement;
  /**
   * Node labels the pods must run on.
   * @default - none
   */
  readonly nodeSelector?: Record<string, string>;
  /**
   * Tolerations of the pods, for example for dedicated database nodes.
   * @default - none
   */
  readonly tolerations?: k8s.Toleration[];
  /**
   * PriorityClass of the pods.
   * @default - none (the cluster default)
   */
  readonly priorityClassName?: string;
  /**
   * Create a PodDisruptionBudget (maxUnavailable 1, unhealthy pods always evictable). A single
   * database instance never gets one: a budget that can never be met blocks node drains forever.
   * @default true
   */
  readonly podDisruptionBudget?: boolean;
  /**
   * Time a pod gets to stop cleanly before it is killed.
   * @default - database members: Duration.minutes(5) (shutdown checkpoint, leader hand-over);
   * poolers: Duration.seconds(60) (Service catch-up, then running transactions finish)
   */
  readonly terminationGracePeriod?: Duration;
}
