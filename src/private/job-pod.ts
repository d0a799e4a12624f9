import { k8s } from 'cdk8s-plus-27';
import { exemptionAnnotations, spiloJobExemptions } from '../audit/exemptions';

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

/** A key of a Secret a Job reads a value from. */
export interface JobSecretKey {
  readonly secretName: string;
  readonly key: string;
}

/**
 * libpq's environment of a Spilo Job that connects to the primary as the superuser: TLS required, a short
 * connect timeout (the Jobs wait for the primary in a loop), the credentials from their Secret.
 */
export function superuserPsqlEnv(target: { host: string; port: number; username: JobSecretKey; password: JobSecretKey }): k8s.EnvVar[] {
  return [
    { name: 'PGHOST', value: target.host },
    { name: 'PGPORT', value: String(target.port) },
    { name: 'PGDATABASE', value: 'postgres' },
    { name: 'PGUSER', valueFrom: { secretKeyRef: { name: target.username.secretName, key: target.username.key } } },
    { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: target.password.secretName, key: target.password.key } } },
    { name: 'PGSSLMODE', value: 'require' },
    { name: 'PGCONNECT_TIMEOUT', value: '5' },
  ];
}

/** What differs between the bundle's Jobs that run a script in the cluster's Spilo image. */
export interface SpiloJobOptions {
  /** The Job's name (content-hashed by the caller: a Job is immutable). */
  readonly name: string;
  /** Labels of the Job. */
  readonly labels?: Record<string, string>;
  /** Labels of its pod (its NetworkPolicy group among them). @default - the Job's labels */
  readonly podLabels?: Record<string, string>;
  /** Annotations of the Job (GitOps ordering); the policy-check exemptions are added. */
  readonly annotations?: Record<string, string>;
  /** Whether a NetworkPolicy denies the pod all ingress (adds that exemption). */
  readonly networkIsolated: boolean;
  readonly image: string;
  readonly imagePullSecrets?: string[];
  readonly containerName: string;
  readonly command: string[];
  readonly env: k8s.EnvVar[];
  /** A ConfigMap mounted read-only (the script or the SQL it runs). @default - none */
  readonly configMap?: { readonly volume: string; readonly name: string; readonly mountPath: string };
  readonly backoffLimit: number;
  readonly activeDeadlineSeconds: number;
  /** @default - none */
  readonly podFailurePolicy?: k8s.PodFailurePolicy;
}

/**
 * A Job that runs a script in the cluster's Spilo image with no ServiceAccount token: Pod Security "restricted",
 * small resources, the Spilo Jobs' policy-check exemptions. The dynamic configuration, the major upgrade and the
 * database bootstrap are all built here.
 */
export function spiloJobProps(options: SpiloJobOptions): k8s.KubeJobProps {
  const mount = options.configMap;
  return {
    metadata: {
      name: options.name,
      labels: options.labels,
      annotations: exemptionAnnotations(spiloJobExemptions(false, options.networkIsolated), options.annotations),
    },
    spec: {
      backoffLimit: options.backoffLimit,
      podFailurePolicy: options.podFailurePolicy,
      activeDeadlineSeconds: options.activeDeadlineSeconds,
      template: {
        metadata: { labels: options.podLabels ?? options.labels },
        spec: restrictedJobPod({
          automountToken: false,
          imagePullSecrets: options.imagePullSecrets,
          containers: [{
            name: options.containerName,
            image: options.image,
            imagePullPolicy: 'IfNotPresent',
            command: options.command,
            env: options.env,
            resources: SMALL_JOB_RESOURCES,
            securityContext: RESTRICTED_CONTAINER,
            volumeMounts: mount ? [{ name: mount.volume, mountPath: mount.mountPath, readOnly: true }] : undefined,
          }],
          volumes: mount ? [{ name: mount.volume, configMap: { name: mount.name } }] : undefined,
        }),
      },
    },
  };
}
