import { k8s } from 'cdk8s-plus-27';
import { ConnectionEnvOptions, IPostgresCluster } from './cluster-ref';
import { checkConnectionOptions, connectWorkload, serverCa } from '../connect/connect-workload';
import { IConnectableWorkload } from '../connect/workload';
import { libpqEnv } from '../private/libpq-env';

/**
 * The connection environment of a cluster's Service for one user: the one definition behind
 * `connectionEnvVars` of defined and imported clusters alike. With a verifiable certificate the
 * client checks the server's name and CA (`verify-full`); otherwise it still requires TLS, since
 * Spilo rejects non-TLS connections from the network (pg_hba hostnossl reject).
 */
export function clusterConnectionEnv(cluster: IPostgresCluster, options: ConnectionEnvOptions): k8s.EnvVar[] {
  checkConnectionOptions(`PostgresCluster ${cluster.node.path}`, options);
  const ca = serverCa(cluster.name, cluster.tlsSecretName, cluster.tlsCaKey);
  return libpqEnv({
    host: options.readOnly ? cluster.replicaHost : cluster.primaryHost,
    port: cluster.port,
    credentials: cluster.userCredentials(options.user),
    sslMode: ca ? 'verify-full' : 'require',
    sslRootCert: ca?.file,
    database: options.database,
    prefix: options.prefix,
    urls: true,
  });
}

/** `addConnectionEnv` of defined and imported clusters. */
export function connectToCluster(cluster: IPostgresCluster, workload: IConnectableWorkload, options: ConnectionEnvOptions): void {
  const env = clusterConnectionEnv(cluster, options);
  connectWorkload(cluster, {
    subject: `PostgresCluster ${cluster.node.path}`,
    namespace: cluster.namespace,
    networkPolicy: cluster.networkPolicy,
    ca: serverCa(cluster.name, cluster.tlsSecretName, cluster.tlsCaKey),
  }, workload, env, options.prefix ?? '');
}
