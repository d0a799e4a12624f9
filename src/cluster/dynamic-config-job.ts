import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { dynamicConfigMapName, dynamicConfiguration, MANAGED_KEYS, restartParameters } from './dynamic-config';
import { DYNAMIC_CONFIG_PY } from './dynamic-config-script';
import { PatroniRestApi, PatroniRestApiCredentials } from './patroni-rest-api';
import { Spilo } from './spilo-contract';
import { ResolvedCluster } from './validate-props';
import { ClusterBootstrapKind, StandbyClusterProps } from '../backup/cluster-bootstrap';
import { GitOpsOrdering, orderingAnnotations } from '../credentials/secret-generator';
import { contentHash, hashedName } from '../private/hash';
import { spiloJobProps } from '../private/job-pod';
import { KubeConfigMap, KubeJob } from '../private/kube';
import { orderAfter } from '../private/ordering';

/** Keys of the dynamic configuration ConfigMap. */
export const DYNAMIC_CONFIG_KEYS = {
  /** The desired dynamic configuration (JSON): the members' bootstrap.dcs and what the Job converges to. */
  configuration: 'dynamic-configuration.json',
  /** Parameters of the cluster's major that need a restart, one per line (from PostgreSQL's catalog). */
  restartParameters: 'restart-parameters',
  script: 'apply-config.py',
} as const;

const MOUNT = '/etc/pgaas/dynamic-config';

/** Properties of {@link DynamicConfigJob}. */
export interface DynamicConfigJobProps {
  /** Name of the ConfigMap (stable: the members' pod template refers to it). */
  readonly configMapName: string;
  /** Base name of the Job (a content hash is appended). */
  readonly jobName: string;
  /** The desired dynamic configuration. */
  readonly configuration: Record<string, unknown>;
  /** Names of the parameters needing a restart. */
  readonly restartParameters: string[];
  /** Base URLs of every member's Patroni REST API (pod DNS names through the headless Service). */
  readonly memberUrls: string[];
  readonly apiCredentials: PatroniRestApiCredentials;
  readonly image: string;
  readonly labels: Record<string, string>;
  readonly podLabels: Record<string, string>;
  readonly imagePullSecrets?: string[];
  readonly networkIsolated: boolean;
  /**
   * Ordering annotations for GitOps tools: with Argo CD the Job runs in the bootstrap Job's wave, after the members.
   * @default GitOpsOrdering.NONE
   */
  readonly ordering?: GitOpsOrdering;
}

/**
 * The converge script with the managed keys filled in: the same text for every cluster, so an app holds it once
 * (and hashes and escapes it once for the Job names) instead of a copy per cluster.
 */
const CONVERGE_SCRIPT = DYNAMIC_CONFIG_PY.replace('@@MANAGED_KEYS@@', JSON.stringify(MANAGED_KEYS));

/**
 * Day-2 configuration: a ConfigMap with the desired dynamic configuration (what reviewers see in Git, and
 * what the members bootstrap with) and a content-hashed Job that converges a running cluster to it through
 * the Patroni REST API (PATCH /config, then safe restarts). The Job mounts no ServiceAccount token: it needs
 * no Kubernetes API access, only the members' REST API.
 */
export class DynamicConfigJob extends Construct {
  /** The JSON the ConfigMap holds (the members' bootstrap.dcs). */
  public static render(configuration: Record<string, unknown>): string {
    return JSON.stringify(configuration, undefined, 2) + '\n';
  }

  public readonly configMap: k8s.KubeConfigMap;
  public readonly job: k8s.KubeJob;

  constructor(scope: Construct, id: string, props: DynamicConfigJobProps) {
    super(scope, id);
    const data = {
      [DYNAMIC_CONFIG_KEYS.configuration]: DynamicConfigJob.render(props.configuration),
      [DYNAMIC_CONFIG_KEYS.restartParameters]: props.restartParameters.join('\n') + '\n',
      [DYNAMIC_CONFIG_KEYS.script]: CONVERGE_SCRIPT,
    };
    this.configMap = new KubeConfigMap(this, 'ConfigMap', { metadata: { name: props.configMapName, labels: props.labels }, data });
    const env: k8s.EnvVar[] = [
      { name: 'PATRONI_URLS', value: props.memberUrls.join(' ') },
      ...PatroniRestApi.env(props.apiCredentials),
    ];
    const command = ['python3', `${MOUNT}/${DYNAMIC_CONFIG_KEYS.script}`, `${MOUNT}/${DYNAMIC_CONFIG_KEYS.configuration}`, `${MOUNT}/${DYNAMIC_CONFIG_KEYS.restartParameters}`];
    // The pod's labels too: a Job's template is immutable, so a Job moved to another network group needs a new name.
    const name = hashedName(props.jobName, contentHash(data, env, command, props.image, props.podLabels, props.imagePullSecrets ?? []));
    this.job = new KubeJob(this, 'Job', spiloJobProps({
      name,
      labels: props.labels,
      podLabels: props.podLabels,
      annotations: orderingAnnotations(props.ordering ?? GitOpsOrdering.NONE, 'bootstrap'),
      networkIsolated: props.networkIsolated,
      image: props.image,
      imagePullSecrets: props.imagePullSecrets,
      containerName: 'apply-config',
      command,
      env,
      configMap: { volume: 'config', name: props.configMapName, mountPath: MOUNT },
      // One attempt at a time; a failed attempt (a member that never came back) is retried from the start,
      // which is safe: every step checks the state first.
      backoffLimit: 3,
      activeDeadlineSeconds: 1800,
    }));
    orderAfter(this.job, this.configMap);
  }
}

/**
 * The cluster's dynamic configuration ConfigMap and Job. `labels` put the Job's pods in a NetworkPolicy group
 * of their own, which the members admit on the REST API port only (`admitDayTwoJobs`). The Job comes
 * after `after` (what the members need: their Services, the Secrets it reads).
 */
export function clusterDynamicConfig(
  scope: Construct, cluster: ResolvedCluster, labels: Record<string, string>, after: readonly IConstruct[] = [],
): DynamicConfigJob {
  const namespace = cluster.namespace;
  const headless = cluster.names.headlessService;
  const dynamicConfig = new DynamicConfigJob(scope, 'DynamicConfig', {
    configMapName: dynamicConfigMapName(cluster.name),
    jobName: `${cluster.name}-config`,
    configuration: dynamicConfiguration(cluster.patroni, cluster.parameters, clusterStandby(cluster)),
    restartParameters: restartParameters(cluster.postgresVersion),
    memberUrls: Array.from({ length: cluster.instances }, (_, i) => `http://${cluster.names.pod(i)}.${headless}.${namespace}.svc:${Spilo.PATRONI_PORT}`),
    apiCredentials: {
      secretName: cluster.apiCredentials.secretName, usernameKey: cluster.apiCredentials.usernameKey, passwordKey: cluster.apiCredentials.passwordKey,
    },
    image: cluster.image,
    labels,
    podLabels: labels,
    imagePullSecrets: cluster.props.imagePullSecrets,
    networkIsolated: cluster.networkPolicy !== undefined,
    ordering: cluster.ordering,
  });
  orderAfter(dynamicConfig.job, ...after);
  return dynamicConfig;
}

/** The standby source of a standby cluster (removing it promotes the cluster). */
function clusterStandby(cluster: ResolvedCluster): StandbyClusterProps | undefined {
  return cluster.props.source?.kind === ClusterBootstrapKind.STANDBY ? cluster.props.source.standby : undefined;
}
