// Internal constants of the pooler pods: not part of the jsii API (do not re-export from src/index.ts).
// The resolver writes these paths into pgbouncer.ini and the tier renderer mounts them: one place for both.

/** The default PgBouncer image (see {@link ConnectionPooler.DEFAULT_IMAGE}). */
export const DEFAULT_POOLER_IMAGE = 'docker.io/edoburu/pgbouncer:v1.25.1-p0';
/** Pod template annotation holding the hash of everything a pooler pod reads at start. */
export const CONFIG_HASH_ANNOTATION = 'cdk8s-pgaas/config-hash';

/** Port of the PgBouncer container and of the pooler Services. */
export const POOLER_PORT = 5432;
export const CONTAINER = 'pgbouncer';
export const INIT_CONTAINER = 'auth-file';
export const CONFIG_DIR = '/etc/pgbouncer';
export const CONFIG_FILE = `${CONFIG_DIR}/pgbouncer.ini`;
export const TLS_DIR = '/etc/pgbouncer-tls';
export const TLS_CERT_FILE = `${TLS_DIR}/tls.crt`;
export const TLS_KEY_FILE = `${TLS_DIR}/tls.key`;
export const AUTH_DIR = '/var/run/pgbouncer-auth';
export const AUTH_FILE = `${AUTH_DIR}/userlist.txt`;
export const SOCKET_DIR = '/var/run/pgbouncer';
/** Seconds the pod keeps serving after it is marked terminating, while Services and kube-proxy catch up. */
export const PRESTOP_DELAY = 10;
/** uid/gid of `postgres` in the default image; set explicitly so runAsNonRoot can be verified. */
export const POOLER_UID = 70;
export const POOLER_GID = 70;

/** Labels selecting the pods of every tier of a cluster's pooler (not `application: spilo`: the database's Services must never select them). */
export function poolerSelectorLabels(clusterName: string): Record<string, string> {
  return { 'application': 'db-connection-pooler', 'cluster-name': clusterName };
}
