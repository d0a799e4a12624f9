import { Construct } from 'constructs';
import { MajorUpgradeJob } from './major-upgrade-job';
import { majorUpgradeMode, upgradeModeContext } from './upgrade-mode';
import { Spilo } from '../cluster/spilo-contract';
import { ResolvedCluster } from '../cluster/validate-props';

/** The envdir file holding the cluster's archive location, by the bucket variable Spilo derives it from. */
function archivePrefixVariable(cluster: ResolvedCluster): string {
  return cluster.backup.env.some((e) => e.name === 'WAL_GS_BUCKET') ? 'WALG_GS_PREFIX' : 'WALG_S3_PREFIX';
}

/**
 * The major upgrade Job of every cluster (validated before): it upgrades in place or refuses a raised
 * `postgresVersion` (majorUpgradeMode), and exits 0 at once while the cluster runs the declared major.
 */
export function createMajorUpgrade(
  scope: Construct & { readonly primaryHost: string; memberHost(ordinal: number): string }, cluster: ResolvedCluster, labels: Record<string, string>,
): MajorUpgradeJob {
  const options = cluster.props.majorUpgrade ?? {};
  const mode = majorUpgradeMode(cluster.props.majorUpgrade, upgradeModeContext(cluster.backup, cluster.props.source !== undefined));
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
    options: { ...options, mode },
    labels,
    ordering: cluster.ordering,
    imagePullSecrets: cluster.props.imagePullSecrets,
    networkIsolated: cluster.networkPolicy !== undefined,
  });
}
