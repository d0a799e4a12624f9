import { ApiObjectMetadata } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { KubePodDisruptionBudget } from './kube';

/**
 * The bundle's PodDisruptionBudget: one pod at a time over all pods the selector matches (never
 * "minAvailable: 1 on the primary", which blocks drains), and a pod that is not Ready (crash-looping,
 * stuck) can always be evicted, so it never blocks a drain.
 */
export function disruptionBudget(
  scope: Construct, id: string, metadata: ApiObjectMetadata, selector: Record<string, string>,
): k8s.KubePodDisruptionBudget {
  return new KubePodDisruptionBudget(scope, id, {
    metadata,
    spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
  });
}
