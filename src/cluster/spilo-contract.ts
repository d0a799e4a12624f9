import { PatroniRestApi } from './patroni-rest-api';
import { SpiloBackup } from '../backup/spilo-backup';
import { SPILO_GID, SPILO_UID } from '../private/job-pod';
import { SPILO_REPLICATION_USER, SPILO_SUPERUSER } from '../private/names';

/**
 * The contract between the library and the Spilo image (Patroni + PostgreSQL) in one place: names,
 * ports, paths, labels and the environment the library owns. Validation (what escape hatches may not
 * shadow), the pod renderer and the Services all read it from here.
 */
export const Spilo = {
  CONTAINER: 'postgres',
  PGDATA_VOLUME: 'pgdata',
  PGDATA_MOUNT: '/home/postgres/pgdata',
  PGROOT: '/home/postgres/pgdata/pgroot',
  SHM_VOLUME: 'dshm',
  SHM_MOUNT: '/dev/shm',
  POSTGRES_PORT: 5432,
  PATRONI_PORT: 8008,
  /** Spilo's `postgres` user in the published images. */
  UID: SPILO_UID,
  GID: SPILO_GID,
  SUPERUSER: SPILO_SUPERUSER,
  REPLICATION_USER: SPILO_REPLICATION_USER,
} as const;

/** Labels Patroni and the Services select member pods by. */
export const SpiloLabels = {
  /** KUBERNETES_SCOPE_LABEL: the cluster name. */
  SCOPE: 'cluster-name',
  /** KUBERNETES_ROLE_LABEL, which Patroni sets on each member at runtime. */
  ROLE: 'spilo-role',
  LEADER_VALUE: 'master',
  REPLICA_VALUE: 'replica',
  /** KUBERNETES_LABELS: Patroni finds its members by these plus the scope label. */
  PATRONI: { application: 'spilo' } as Record<string, string>,
  /** Names the cluster on the objects that are not members (Jobs), without matching the members' selectors. */
  CLUSTER: 'cdk8s-pgaas.io/cluster',
} as const;

/** Label keys users may not set on the members: Patroni and the Services select by them. */
export const RESERVED_MEMBER_LABELS: readonly string[] = [SpiloLabels.SCOPE, SpiloLabels.ROLE, ...Object.keys(SpiloLabels.PATRONI)];

/**
 * Environment variables the library sets on the Spilo container. Boolean Spilo flags are only ever
 * emitted when on: Spilo treats any non-empty string, "false" included, as true.
 */
export const MANAGED_ENV: readonly string[] = [
  'SCOPE', 'PGROOT', 'POD_IP', 'POD_NAMESPACE', 'PGVERSION', 'PGUSER_SUPERUSER', 'PGPASSWORD_SUPERUSER',
  'PGUSER_STANDBY', 'PGPASSWORD_STANDBY', 'DCS_ENABLE_KUBERNETES_API', 'KUBERNETES_USE_CONFIGMAPS',
  'KUBERNETES_SCOPE_LABEL', 'KUBERNETES_ROLE_LABEL', 'KUBERNETES_LEADER_LABEL_VALUE',
  'KUBERNETES_STANDBY_LEADER_LABEL_VALUE', 'KUBERNETES_LABELS', 'SPILO_CONFIGURATION',
  ...SpiloBackup.MANAGED_ENV,
  'SSL_CERTIFICATE_FILE', 'SSL_PRIVATE_KEY_FILE', 'SSL_CA_FILE', PatroniRestApi.USERNAME_ENV, PatroniRestApi.PASSWORD_ENV,
];
