// Internal renderer of the pooler: not part of the jsii API (do not re-export from src/index.ts).
import { k8s } from 'cdk8s-plus-27';
import { AUTH_FILE_ENV, AUTH_FILE_SCRIPT, AUTH_PASSWORD_ENV, AUTH_USER_ENV } from './auth-file';
import { PgBouncerConfig } from './pgbouncer-config';
import {
  AUTH_DIR, AUTH_FILE, CONFIG_DIR, CONFIG_FILE, CONFIG_HASH_ANNOTATION, CONTAINER, INIT_CONTAINER,
  POOLER_GID, POOLER_PORT, POOLER_UID, PRESTOP_DELAY, SOCKET_DIR, TLS_DIR,
} from './pod-layout';
import { poolerExporterContainer } from './pooler-exporter';
import { ResolvedConnectionPooler, ResolvedPoolerTier } from './validate-props';
import { EXEMPTION_REASONS, exemptionAnnotations } from '../audit/exemptions';
import { PolicyCheck } from '../audit/policy-rules';
import { contentHash } from '../private/hash';
import { placementPodSpec } from '../private/placement';

/** The manifests of one tier (primary or replica), before any object exists. */
export interface PoolerTierManifest {
  /** Name of the Deployment, Service, ConfigMap and PodDisruptionBudget. */
  readonly name: string;
  /** The upstream host its pools connect to. */
  readonly upstreamHost: string;
  /** The rendered pgbouncer.ini. */
  readonly config: string;
  /** Hash of the configuration, the image and the start-up script, in the pod template. */
  readonly configHash: string;
  /** Metadata of every object of the tier. */
  readonly metadata: { readonly name: string; readonly labels: Record<string, string> };
  /** Selects the tier's pods (Service, Deployment, PodDisruptionBudget). */
  readonly selector: Record<string, string>;
  readonly configMapData: Record<string, string>;
  readonly deployment: k8s.KubeDeploymentProps;
  readonly service: k8s.ServiceSpec;
}

const SECURITY_CONTEXT: k8s.SecurityContext = {
  allowPrivilegeEscalation: false,
  privileged: false,
  capabilities: { drop: ['ALL'] },
  runAsNonRoot: true,
  runAsUser: POOLER_UID,
  runAsGroup: POOLER_GID,
  readOnlyRootFilesystem: true,
};

/** The manifests of one tier of a resolved pooler (one without problems). */
export function renderPoolerTier(pooler: ResolvedConnectionPooler, tier: ResolvedPoolerTier): PoolerTierManifest {
  const { name, upstreamHost } = tier;
  const config = PgBouncerConfig.render({ ...pooler.settings, upstreamHost });
  // The pods roll when anything they read at start changes; the ConfigMap keeps a stable name.
  const configHash = contentHash(config, pooler.image, AUTH_FILE_SCRIPT);
  const selector = { 'application': pooler.selectorLabels.application, 'connection-pooler': name };
  const labels = { ...pooler.labels, ...selector };
  const metadata = { name, labels };
  const tls = pooler.clientTlsSecretName;

  const initContainer: k8s.Container = {
    name: INIT_CONTAINER,
    image: pooler.image,
    imagePullPolicy: 'IfNotPresent',
    command: ['/bin/sh', '-c', AUTH_FILE_SCRIPT],
    env: [
      { name: AUTH_USER_ENV, value: pooler.poolerRole },
      { name: AUTH_PASSWORD_ENV, valueFrom: { secretKeyRef: { name: pooler.credentials.secretName, key: pooler.credentials.passwordKey } } },
      { name: AUTH_FILE_ENV, value: AUTH_FILE },
    ],
    resources: {
      requests: { 'cpu': k8s.Quantity.fromString('10m'), 'memory': k8s.Quantity.fromString('16Mi'), 'ephemeral-storage': k8s.Quantity.fromString('1Mi') },
      limits: { 'cpu': k8s.Quantity.fromString('100m'), 'memory': k8s.Quantity.fromString('64Mi'), 'ephemeral-storage': k8s.Quantity.fromString('16Mi') },
    },
    securityContext: SECURITY_CONTEXT,
    volumeMounts: [{ name: 'auth', mountPath: AUTH_DIR }],
  };
  const tcp = { tcpSocket: { port: k8s.IntOrString.fromString('postgresql') } };
  const container: k8s.Container = {
    name: CONTAINER,
    image: pooler.image,
    imagePullPolicy: 'IfNotPresent',
    // The image's entrypoint would generate its own configuration; run the mounted one unchanged.
    command: ['pgbouncer', CONFIG_FILE],
    ports: [{ name: 'postgresql', containerPort: POOLER_PORT, protocol: 'TCP' }],
    resources: pooler.resources,
    // TCP probes: the image has no client to run a query, and readiness must not follow the
    // database anyway. During a failover PgBouncer holds clients in its queue
    // (query_wait_timeout); failing readiness then would drop every pooler from the Service at
    // once and turn a short wait into "connection refused".
    readinessProbe: { ...tcp, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 },
    livenessProbe: { ...tcp, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
    lifecycle: {
      preStop: {
        exec: {
          // Keep serving until the Service has dropped this pod, then SIGINT (safe shutdown:
          // running transactions finish, no new ones start) and wait for PgBouncer (pid 1) to
          // exit, so the kubelet's SIGTERM only comes after it (a second signal during a
          // shutdown means "immediate"). SIGTERM alone is an immediate exit before 1.23 and
          // waits for every client to disconnect since; neither suits a rolling update.
          command: ['/bin/sh', '-c', `sleep ${PRESTOP_DELAY}; kill -INT 1; while kill -0 1 2>/dev/null; do sleep 1; done`],
        },
      },
    },
    securityContext: SECURITY_CONTEXT,
    volumeMounts: [
      { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
      { name: 'auth', mountPath: AUTH_DIR, readOnly: true },
      { name: 'run', mountPath: SOCKET_DIR },
      ...tls ? [{ name: 'tls', mountPath: TLS_DIR, readOnly: true }] : [],
    ],
  };

  const deployment: k8s.KubeDeploymentProps = {
    metadata: {
      ...metadata,
      annotations: exemptionAnnotations([
        [PolicyCheck.IMAGE_PULL_POLICY, EXEMPTION_REASONS.imagePull],
        [PolicyCheck.HIGH_UID, 'the PgBouncer image runs as its postgres user (uid/gid 70), which owns its files'],
      ]),
    },
    spec: {
      replicas: pooler.replicas,
      selector: { matchLabels: selector },
      // Never below capacity: a new pod is Ready before an old one stops.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) } },
      template: {
        metadata: { labels, annotations: { ...pooler.podAnnotations, [CONFIG_HASH_ANNOTATION]: configHash } },
        spec: {
          // PgBouncer never talks to the Kubernetes API.
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: POOLER_UID,
            runAsGroup: POOLER_GID,
            // Lets the non-root user read the TLS key (mode 0440) and write the emptyDirs.
            fsGroup: POOLER_GID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          ...placementPodSpec(pooler.placement, selector),
          imagePullSecrets: pooler.imagePullSecrets.length > 0 ? pooler.imagePullSecrets.map((n) => ({ name: n })) : undefined,
          initContainers: [initContainer],
          containers: [container, ...pooler.exporterImage ? [poolerExporterContainer({
            image: pooler.exporterImage, poolerRole: pooler.poolerRole, credentials: pooler.credentials, clientTls: tls !== undefined,
          })] : []],
          volumes: [
            { name: 'config', configMap: { name, defaultMode: 0o444 } },
            // Memory-backed: the pooler role's password never reaches the node's disk.
            { name: 'auth', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } },
            { name: 'run', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } },
            ...tls ? [{ name: 'tls', secret: { secretName: tls, defaultMode: 0o440 } }] : [],
          ],
        },
      },
    },
  };

  const service: k8s.ServiceSpec = {
    type: 'ClusterIP',
    selector,
    ports: [{ name: 'postgresql', port: POOLER_PORT, targetPort: k8s.IntOrString.fromString('postgresql'), protocol: 'TCP' }],
  };
  return { name, upstreamHost, config, configHash, metadata, selector, configMapData: { 'pgbouncer.ini': config }, deployment, service };
}
