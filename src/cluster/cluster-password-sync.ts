import { Construct } from 'constructs';
import { NOT_FOLLOWED_USERS, PASSWORD_SYNC_SUFFIX } from './cluster-credentials';
import { Spilo, SpiloLabels } from './spilo-contract';
import { ResolvedCluster } from './validate-props';
import { PasswordSync } from '../credentials/password-sync';
import { IDatabaseNetworkPolicy } from '../network/network-policy';
import { NETWORK_GROUP_LABEL } from '../private/names';

/** The password sync of a cluster (when `passwordSync` is true): every login role except the superuser and replication users. */
export function createPasswordSync(
  scope: Construct, cluster: ResolvedCluster, primaryHost: string, networkPolicy?: IDatabaseNetworkPolicy,
): PasswordSync | undefined {
  if (cluster.props.passwordSync !== true) return undefined;
  // A role with alternating users is NOLOGIN: its two logins (their own keys in its Secret) are followed instead.
  const alternating = cluster.bootstrapSpec.alternatingLogins ?? [];
  const roles = [...cluster.credentials].filter(([user]) => !NOT_FOLLOWED_USERS.includes(user) && !alternating.includes(user))
    .map(([role, credentials]) => ({ role, credentials }));
  // A rotation with alternating users logs in to the primary before it switches the Secret: the generator's pods connect.
  if (alternating.length > 0) {
    networkPolicy?.addDatabaseClientJob('SecretGeneratorLoginCheckNetworkPolicy', 'secrets-login-check', { [NETWORK_GROUP_LABEL]: cluster.names.networkGroup('secrets') });
  }
  if (roles.length === 0) return undefined;
  const name = `${cluster.name}${PASSWORD_SYNC_SUFFIX}`;
  const labels = {
    ...cluster.props.labels,
    'app.kubernetes.io/name': 'postgresql',
    'app.kubernetes.io/managed-by': 'cdk8s-pgaas',
    'app.kubernetes.io/component': 'password-sync',
    [SpiloLabels.CLUSTER]: cluster.name,
    [NETWORK_GROUP_LABEL]: name,
  };
  const sync = new PasswordSync(scope, 'PasswordSync', {
    name,
    image: cluster.image,
    primaryHost,
    port: Spilo.POSTGRES_PORT,
    superuser: cluster.credentials.get(Spilo.SUPERUSER)!,
    roles,
    labels,
    imagePullSecrets: cluster.props.imagePullSecrets,
  });
  networkPolicy?.addDatabaseClientJob('PasswordSyncNetworkPolicy', 'password-sync', { [NETWORK_GROUP_LABEL]: name });
  return sync;
}
