import { k8s } from 'cdk8s-plus-27';
import { ResolvedCredentials } from '../credentials/credentials';

/**
 * The PostgreSQL exporter sidecar of a member: postgres_exporter connecting over the pod's loopback
 * with TLS and SCRAM as the monitoring role (a member of `pg_monitor`), with the bundle's queries.
 */
export const EXPORTER = {
  /** The release the queries are tested with (Debian bookworm's prometheus-postgres-exporter 0.11.1). */
  IMAGE: 'quay.io/prometheuscommunity/postgres-exporter:v0.11.1',
  CONTAINER: 'postgres-exporter',
  PORT: 9187,
  PORT_NAME: 'exporter',
  QUERIES_VOLUME: 'exporter-queries',
  QUERIES_MOUNT: '/etc/postgres-exporter',
  QUERIES_FILE: 'queries.yaml',
  /** The image's own non-root user (nobody). */
  UID: 65534,
} as const;

export interface ExporterSidecarInput {
  readonly image: string;
  readonly resources: k8s.ResourceRequirements;
  readonly credentials: ResolvedCredentials;
  readonly queriesConfigMap: string;
  readonly postgresPort: number;
}

/** The exporter's command-line flags (tested against the real exporter). */
export function exporterArgs(): string[] {
  return [
    `--web.listen-address=:${EXPORTER.PORT}`,
    `--extend.query-path=${EXPORTER.QUERIES_MOUNT}/${EXPORTER.QUERIES_FILE}`,
    '--log.format=json',
  ];
}

/** The exporter's connection environment: loopback, TLS required (pg_hba rejects TCP without it). */
export function exporterEnv(input: Pick<ExporterSidecarInput, 'credentials' | 'postgresPort'>): k8s.EnvVar[] {
  const c = input.credentials;
  return [
    { name: 'DATA_SOURCE_URI', value: `127.0.0.1:${input.postgresPort}/postgres?sslmode=require&application_name=postgres_exporter` },
    { name: 'DATA_SOURCE_USER', valueFrom: { secretKeyRef: { name: c.secretName, key: c.usernameKey } } },
    { name: 'DATA_SOURCE_PASS', valueFrom: { secretKeyRef: { name: c.secretName, key: c.passwordKey } } },
  ];
}

export function exporterContainer(input: ExporterSidecarInput): k8s.Container {
  return {
    name: EXPORTER.CONTAINER,
    image: input.image,
    imagePullPolicy: 'IfNotPresent',
    args: exporterArgs(),
    env: exporterEnv(input),
    ports: [{ name: EXPORTER.PORT_NAME, containerPort: EXPORTER.PORT, protocol: 'TCP' }],
    resources: input.resources,
    volumeMounts: [{ name: EXPORTER.QUERIES_VOLUME, mountPath: EXPORTER.QUERIES_MOUNT, readOnly: true }],
    // It answers while PostgreSQL is down too (pg_up 0): the probes restart only a hung exporter, never on a database outage.
    readinessProbe: { httpGet: { path: '/', port: k8s.IntOrString.fromString(EXPORTER.PORT_NAME) }, periodSeconds: 30, timeoutSeconds: 5 },
    livenessProbe: { httpGet: { path: '/', port: k8s.IntOrString.fromString(EXPORTER.PORT_NAME) }, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 5 },
    securityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      runAsNonRoot: true,
      runAsUser: EXPORTER.UID,
      runAsGroup: EXPORTER.UID,
      readOnlyRootFilesystem: true,
    },
  };
}

export function exporterQueriesVolume(configMapName: string): k8s.Volume {
  return { name: EXPORTER.QUERIES_VOLUME, configMap: { name: configMapName, items: [{ key: EXPORTER.QUERIES_FILE, path: EXPORTER.QUERIES_FILE }] } };
}
