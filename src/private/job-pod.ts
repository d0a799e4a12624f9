import { k8s } from 'cdk8s-plus-27';

/** Spilo's postgres user; the Jobs run the Spilo image the cluster already pulls. */
export const SPILO_UID = 101;
export const SPILO_GID = 103;

/** A pod spec for the bundle's Jobs: Pod Security "restricted", small resources, no retries inside the pod. */
export function restrictedJobPod(options: {
  readonly serviceAccountName?: string;
  readonly automountToken: boolean;
  readonly containers: k8s.Container[];
  readonly volumes?: k8s.Volume[];
  readonly imagePullSecrets?: string[];
}): k8s.PodSpec {
  return {
    restartPolicy: 'Never',
    serviceAccountName: options.serviceAccountName,
    automountServiceAccountToken: options.automountToken,
    enableServiceLinks: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: SPILO_UID,
      runAsGroup: SPILO_GID,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    imagePullSecrets: options.imagePullSecrets?.map((name) => ({ name })),
    containers: options.containers,
    volumes: options.volumes,
  };
}

/** The container security context of every Job container: nothing to escalate, nothing to write. */
export const RESTRICTED_CONTAINER: k8s.SecurityContext = {
  allowPrivilegeEscalation: false,
  privileged: false,
  capabilities: { drop: ['ALL'] },
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
};

/** Short-lived Jobs: throttling them is harmless, so they get CPU and ephemeral-storage limits too. */
export const SMALL_JOB_RESOURCES: k8s.ResourceRequirements = {
  requests: { 'cpu': k8s.Quantity.fromString('50m'), 'memory': k8s.Quantity.fromString('64Mi'), 'ephemeral-storage': k8s.Quantity.fromString('16Mi') },
  limits: { 'cpu': k8s.Quantity.fromString('500m'), 'memory': k8s.Quantity.fromString('256Mi'), 'ephemeral-storage': k8s.Quantity.fromString('64Mi') },
};
