import { Construct } from 'constructs';
import { MajorUpgradeJob } from './major-upgrade-job';
import { Spilo } from '../cluster/spilo-contract';
import { ResolvedCluster } from '../cluster/validate-props';

/** The envdir file holding the cluster's archive location, by the bucket variable Spilo derives it from. */
function archivePrefixVariable(cluster: ResolvedCluster): string {
  return cluster.backup.env.some((e) => e.name === 'WAL_GS_BUCKET') ? 'WALG_GS_PREFIX' : 'WALG_S3_PREFIX';
}

/** The major upgrade Job of a cluster with `majorUpgrade` (validated before). */
export function createMajorUpgrade(
  scope: Construct & { readonly primaryHost: string; memberHost(ordinal: number): string }, cluster: ResolvedCluster, labels: Record<string, string>,
): MajorUpgradeJob | undefined {
  const options = cluster.props.majorUpgrade;
  if (!options) return undefined;
  const superuser = cluster.credentials.get(Spilo.SUPERUSER)!;
  return new MajorUpgradeJob(scope, 'MajorUpgrade', {
    name: cluster.name,
    image: cluster.image,
    host: scope.primaryHost,
    port: Spilo.POSTGRES_PORT,
    superuserUsername: { secretName: superuser.secretName, key: superuser.usernameKey },
    superuserPassword: { secretName: superuser.secretName, key: superuser.passwordKey },
    targetMajor: cluster.postgresVersion,
    instances: cluster.instances,
    memberHosts: Array.from({ length: cluster.instances }, (_, i) => `${scope.memberHost(i)}:${Spilo.POSTGRES_PORT}`),
    archivePrefixVariable: archivePrefixVariable(cluster),
    options,
    labels,
    ordering: cluster.ordering,
    imagePullSecrets: cluster.props.imagePullSecrets,
    networkIsolated: cluster.networkPolicy !== undefined,
  });
}
