import { k8s } from 'cdk8s-plus-27';
import { PostgresClusterProps } from './props';
import { MANAGED_ENV, Spilo } from './spilo-contract';
import { Problem, ValidationErrors } from '../private/validation';

/**
 * Environment variables Spilo reads that the escape hatches may not set, beyond those the library sets itself
 * ({@link MANAGED_ENV}): each would move what the library's Services, probes, volumes or pg_hba rely on.
 */
export const SPILO_OWNED_ENV: Record<string, string> = {
  PGHOME: 'the home and data paths are part of the volume layout',
  PGDATA: 'the data directory lives on the library\'s volume (PGROOT/data)',
  PGLOG: 'the log directory lives on the library\'s volume',
  RW_DIR: 'Spilo\'s runtime files must stay where the library mounts and expects them',
  NAMESPACE: 'Patroni\'s namespace comes from the pod (POD_NAMESPACE); another one would split the DCS',
  PGPORT: 'the Services, probes and NetworkPolicy use port 5432',
  APIPORT: 'the probes, the preStop hook and the NetworkPolicy use port 8008',
  RESTAPI_CONNECT_ADDRESS: 'Patroni advertises the pod IP and port 8008',
  PG_CONNECT_ADDRESS: 'Patroni advertises the pod IP and port 5432',
  KUBERNETES_BOOTSTRAP_LABELS: 'member labels come from the labels and podLabels properties',
  KUBERNETES_BYPASS_API_SERVICE: 'the RBAC and NetworkPolicy are built for talking to the API Service',
  CALLBACK_SCRIPT: 'role changes are tracked by Patroni\'s labels, which the Services select',
  PGUSER_ADMIN: 'roles are declared with the roles property',
  PGPASSWORD_ADMIN: 'roles are declared with the roles property; passwords never appear in the manifest',
  SSL_CERTIFICATE: 'certificates come from the tls property (a mounted Secret)',
  SSL_PRIVATE_KEY: 'certificates come from the tls property; private keys never appear in the manifest',
  SSL_CA: 'certificate authorities come from the tls/clientCertificates properties',
  SSL_CRL: 'certificates come from the tls property',
  SSL_CRL_FILE: 'certificates come from the tls property',
  DEMO: 'a demo image skips most of Spilo\'s configuration',
  DEVELOP: 'it switches Spilo to a local provider without the Kubernetes settings',
  SPILO_PROVIDER: 'the library runs Spilo on Kubernetes',
  WALE_ENV_DIR: 'archive_command and restore_command read WAL-G\'s settings from it',
  USE_WALG: 'archiving is configured with the backup property',
};

/** Prefixes of Spilo settings another property owns (clone/standby sources, other consensus stores). */
export const SPILO_OWNED_ENV_PREFIXES: Record<string, string> = {
  CLONE_: 'clones are configured with the source property',
  STANDBY_: 'standby clusters are configured with the source property',
  ETCD_: 'the consensus store is the Kubernetes API',
  ZOOKEEPER_: 'the consensus store is the Kubernetes API',
  EXHIBITOR_: 'the consensus store is the Kubernetes API',
  CONSUL_: 'the consensus store is the Kubernetes API',
  WAL_S3_: 'archiving is configured with the backup property',
  WAL_GS_: 'archiving is configured with the backup property',
  WAL_GCS_: 'archiving is configured with the backup property',
  WALE_S3_: 'archiving is configured with the backup property',
};

/** Ports a process of the Spilo container listens on: a sidecar shares the pod's network and may not take them. */
export const SPILO_PORTS: Record<number, string> = {
  [Spilo.POSTGRES_PORT]: 'PostgreSQL',
  [Spilo.PATRONI_PORT]: 'Patroni\'s REST API',
  8080: 'bg_mon, which Spilo starts',
};

/** Port names of the Spilo container (a sidecar's would make named Service ports ambiguous). */
export const SPILO_PORT_NAMES = ['postgresql', 'patroni'];

/** Why an env name is owned by the library or Spilo, or undefined (names the library sets are checked elsewhere). */
export function ownedEnvReason(name: string): string | undefined {
  if (MANAGED_ENV.includes(name)) return undefined;
  const prefix = Object.keys(SPILO_OWNED_ENV_PREFIXES).find((p) => name.startsWith(p));
  return SPILO_OWNED_ENV[name] ?? (prefix ? SPILO_OWNED_ENV_PREFIXES[prefix] : undefined);
}

/** Whether `path` is `base` or lies under it (paths compared by component). */
function atOrUnder(path: string, base: string): boolean {
  const normal = (p: string) => p.replace(/\/+$/, '');
  return normal(path) === normal(base) || normal(path).startsWith(`${normal(base)}/`);
}

/**
 * What the escape hatches may not shadow beyond names: env Spilo reads, mounts at or under the data directory and
 * the library's other mounts, duplicate mount paths, and sidecar ports that collide with the Spilo container's.
 */
export function libraryOwnedProblems(props: PostgresClusterProps, libraryMounts: readonly k8s.VolumeMount[]): Problem[] {
  const errors = new ValidationErrors('');
  for (const variable of props.extraEnv ?? []) {
    const reason = ownedEnvReason(variable.name);
    if (reason) errors.add('extraEnv[].name', variable.name, `is read by Spilo and owned by the library: ${reason}`);
  }
  const owned = [
    { name: Spilo.PGDATA_VOLUME, mountPath: Spilo.PGDATA_MOUNT },
    { name: Spilo.SHM_VOLUME, mountPath: Spilo.SHM_MOUNT },
    ...libraryMounts,
  ];
  const seen = new Set<string>();
  for (const mount of props.extraVolumeMounts ?? []) {
    const path = mount.mountPath;
    if (!path.startsWith('/')) errors.add('extraVolumeMounts[].mountPath', path, 'must be an absolute path');
    if (path.split('/').includes('..')) errors.add('extraVolumeMounts[].mountPath', path, 'must not contain ".."');
    const shadowed = owned.find((m) => atOrUnder(path, m.mountPath) || atOrUnder(m.mountPath, path));
    // Exactly at the data volume or /dev/shm is reported by the existing rule.
    if (shadowed && !(path === Spilo.PGDATA_MOUNT || path === Spilo.SHM_MOUNT)) {
      errors.add('extraVolumeMounts[].mountPath', path, `shadows or nests the library's mount ${shadowed.mountPath} (volume ${shadowed.name})`);
    }
    if (seen.has(path.replace(/\/+$/, ''))) errors.add('extraVolumeMounts[].mountPath', path, 'is mounted twice');
    seen.add(path.replace(/\/+$/, ''));
  }
  const ports = new Map<number, string>(Object.entries(SPILO_PORTS).map(([p, what]) => [Number(p), what]));
  const portNames = new Set(SPILO_PORT_NAMES);
  for (const container of props.extraContainers ?? []) {
    for (const port of container.ports ?? []) {
      const property = `extraContainers[${container.name}].ports[].containerPort`;
      if (!Number.isInteger(port.containerPort) || port.containerPort < 1 || port.containerPort > 65535) {
        errors.add(property, port.containerPort, 'must be an integer from 1 to 65535');
      } else if (ports.has(port.containerPort)) {
        errors.add(property, port.containerPort, `is taken by ${ports.get(port.containerPort)}: containers of a pod share its network`);
      }
      ports.set(port.containerPort, `container ${container.name}`);
      if (port.name !== undefined) {
        if (portNames.has(port.name)) errors.add(`extraContainers[${container.name}].ports[].name`, port.name, 'is used by another container of the pod');
        portNames.add(port.name);
      }
    }
  }
  return [...errors.problems];
}
