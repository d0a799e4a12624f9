import { k8s } from 'cdk8s-plus-27';
import { ConnectionEnvOptions, IPostgresCluster } from './cluster-ref';
import { Spilo } from './spilo-contract';
import { libpqEnv } from '../private/libpq-env';

/** The endpoint of a cluster a connection helper points at. */
type ClusterEndpoint = Pick<IPostgresCluster, 'primaryHost' | 'replicaHost' | 'port' | 'userCredentials'>;

/**
 * The libpq environment of a cluster's Service for one user: the one definition behind
 * `connectionEnvVars` of defined and imported clusters alike.
 */
export function clusterConnectionEnv(cluster: ClusterEndpoint, options: ConnectionEnvOptions = {}): k8s.EnvVar[] {
  return libpqEnv({
    host: options.readOnly ? cluster.replicaHost : cluster.primaryHost,
    port: cluster.port,
    credentials: cluster.userCredentials(options.user ?? Spilo.SUPERUSER),
    // Spilo rejects non-TLS connections from the network (pg_hba hostnossl reject).
    sslMode: 'require',
    database: options.database,
  });
}
