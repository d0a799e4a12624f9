// Internal: the pooler's metrics sidecar, not part of the jsii API (do not re-export from src/index.ts).
import { k8s } from 'cdk8s-plus-27';
import { POOLER_PORT } from './pod-layout';
import { ResolvedCredentials } from '../credentials/credentials';

/**
 * The PgBouncer exporter sidecar of each pooler pod: prometheus-community's pgbouncer_exporter, which runs the
 * admin console's SHOW commands (POOLS, DATABASES, STATS, CONFIG, LISTS, CLIENTS) as the pooler role (PgBouncer's
 * `stats_users`) over the pod's loopback, one connection per scrape.
 */
export const POOLER_EXPORTER = {
  /** The release whose source the tests build and run against real PgBouncer (the same tag). */
  IMAGE: 'quay.io/prometheuscommunity/pgbouncer-exporter:v0.12.1',
  CONTAINER: 'pgbouncer-exporter',
  PORT: 9127,
  PORT_NAME: 'metrics',
  /** The image's own non-root user (nobody). */
  UID: 65534,
} as const;

/** What the sidecar needs of its pooler. */
export interface PoolerExporterInput {
  readonly image: string;
  readonly poolerRole: string;
  readonly credentials: ResolvedCredentials;
  /** PgBouncer requires TLS of its clients (then the exporter uses it too). */
  readonly clientTls: boolean;
}

/** The exporter's flags (tested against the real exporter). */
export function poolerExporterArgs(): string[] {
  return [`--web.listen-address=:${POOLER_EXPORTER.PORT}`, '--log.format=json'];
}

/**
 * Its connection: the admin console (`pgbouncer` database) on the pod's loopback as the pooler role, whose password
 * is the `auth_file`'s entry. The password reaches lib/pq through PGPASSWORD, never through the URL (where its
 * characters would need escaping).
 */
export function poolerExporterEnv(input: Omit<PoolerExporterInput, 'image'>): k8s.EnvVar[] {
  const sslmode = input.clientTls ? 'require' : 'disable';
  return [
    { name: 'PGBOUNCER_EXPORTER_CONNECTION_STRING', value: `postgres://${input.poolerRole}@127.0.0.1:${POOLER_PORT}/pgbouncer?sslmode=${sslmode}` },
    { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: input.credentials.secretName, key: input.credentials.passwordKey } } },
  ];
}

export function poolerExporterContainer(input: PoolerExporterInput): k8s.Container {
  const probe = { httpGet: { path: '/', port: k8s.IntOrString.fromString(POOLER_EXPORTER.PORT_NAME) }, periodSeconds: 30, timeoutSeconds: 5 };
  return {
    name: POOLER_EXPORTER.CONTAINER,
    image: input.image,
    imagePullPolicy: 'IfNotPresent',
    args: poolerExporterArgs(),
    env: poolerExporterEnv(input),
    ports: [{ name: POOLER_EXPORTER.PORT_NAME, containerPort: POOLER_EXPORTER.PORT, protocol: 'TCP' }],
    resources: {
      requests: { 'cpu': k8s.Quantity.fromString('10m'), 'memory': k8s.Quantity.fromString('32Mi'), 'ephemeral-storage': k8s.Quantity.fromString('1Mi') },
      limits: { 'cpu': k8s.Quantity.fromString('100m'), 'memory': k8s.Quantity.fromString('64Mi'), 'ephemeral-storage': k8s.Quantity.fromString('16Mi') },
    },
    // It answers while PgBouncer is down (pgbouncer_up 0): the probes restart only a hung exporter.
    readinessProbe: probe,
    livenessProbe: { ...probe, failureThreshold: 5 },
    securityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      runAsNonRoot: true,
      runAsUser: POOLER_EXPORTER.UID,
      runAsGroup: POOLER_EXPORTER.UID,
      readOnlyRootFilesystem: true,
    },
  };
}
