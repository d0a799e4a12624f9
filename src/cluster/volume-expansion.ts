import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ResolvedCluster } from './validate-props';
import { VOLUME_EXPANSION_PYTHON } from './volume-expansion-script';
import { exemptionAnnotations, spiloJobExemptions } from '../audit/exemptions';
import { PolicyCheck } from '../audit/policy-rules';
import { orderingAnnotations } from '../credentials/secret-generator';
import { DatabaseNetworkPolicy, IDatabaseNetworkPolicy } from '../network/network-policy';
import { contentHash, hashedName } from '../private/hash';
import { RESTRICTED_CONTAINER, restrictedJobPod, SMALL_JOB_RESOURCES } from '../private/job-pod';
import { KubeJob, KubeRole, KubeRoleBinding, KubeServiceAccount } from '../private/kube';
import { NETWORK_GROUP_LABEL } from '../private/names';
import { orderAfter } from '../private/ordering';

const TOKEN_EXEMPTION: [PolicyCheck, string] = [PolicyCheck.SERVICE_ACCOUNT_TOKEN, 'patches the members\' PersistentVolumeClaims through the Kubernetes API'];

/**
 * Grows every member's data volume to the declared `storage` on a running cluster, whose
 * StatefulSet keeps the volumeClaimTemplates it was created with (`volumeClaimTemplate`): a Job
 * patches each member's PersistentVolumeClaim, waits for members being added and for the resize,
 * and fails on a shrink or on a StorageClass that does not allow expansion. Its Role allows only
 * `get` and `patch` on exactly those claims. Its name carries a hash of the declared size and the
 * claims, so a new size or a new member runs it again and an unchanged declaration never does.
 */
export class VolumeExpansion extends Construct {
  /** The expansion of a cluster, when it records what it was created with (`volumeClaimTemplate`). */
  public static forCluster(
    scope: Construct, cluster: ResolvedCluster, labels: Record<string, string>, networkPolicy?: IDatabaseNetworkPolicy,
  ): VolumeExpansion | undefined {
    return cluster.props.volumeClaimTemplate ? new VolumeExpansion(scope, 'VolumeExpansion', cluster, labels, networkPolicy) : undefined;
  }

  public readonly serviceAccount: k8s.KubeServiceAccount;
  public readonly role: k8s.KubeRole;
  public readonly roleBinding: k8s.KubeRoleBinding;
  public readonly job: k8s.KubeJob;
  public readonly networkPolicy?: k8s.KubeNetworkPolicy;
  /** The claims the Job grows, one per member. */
  public readonly claims: string[];

  private constructor(
    scope: Construct, id: string, cluster: ResolvedCluster, labels: Record<string, string>, networkPolicy?: IDatabaseNetworkPolicy,
  ) {
    super(scope, id);
    const name = cluster.names.volumeExpansion;
    this.claims = Array.from({ length: cluster.instances }, (_, i) => cluster.names.dataVolumeClaim(i));
    // The NetworkPolicy selects the Job's pods by their group only.
    const group = { [NETWORK_GROUP_LABEL]: cluster.names.networkGroup('volumes') };
    const podLabels = { ...labels, ...group };
    const annotations = orderingAnnotations(cluster.ordering, 'bootstrap');
    const metadata = { name, labels, annotations: Object.keys(annotations).length ? annotations : undefined };
    this.serviceAccount = new KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: false });
    this.role = new KubeRole(this, 'Role', {
      metadata,
      rules: [{ apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['get', 'patch'], resourceNames: this.claims }],
    });
    this.roleBinding = new KubeRoleBinding(this, 'RoleBinding', {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace: cluster.namespace }],
    });
    const env: k8s.EnvVar[] = [
      { name: 'PGAAS_STORAGE', value: cluster.storage },
      { name: 'PGAAS_CLAIMS', value: JSON.stringify(this.claims) },
    ];
    const command = ['python3', '-c', VOLUME_EXPANSION_PYTHON];
    const jobName = hashedName(name, contentHash(env, command, cluster.image, podLabels, cluster.props.imagePullSecrets ?? []));
    this.job = new KubeJob(this, 'Job', {
      metadata: {
        ...metadata,
        name: jobName,
        annotations: exemptionAnnotations([...spiloJobExemptions(false, networkPolicy !== undefined), TOKEN_EXEMPTION], metadata.annotations),
      },
      spec: {
        backoffLimit: 4,
        // Members being added and the CSI resizer are waited for; a Job that fails is visible in the GitOps tool.
        activeDeadlineSeconds: 1800,
        template: {
          metadata: { labels: podLabels },
          spec: restrictedJobPod({
            serviceAccountName: name,
            automountToken: true,
            imagePullSecrets: cluster.props.imagePullSecrets,
            containers: [{
              name: 'expand',
              image: cluster.image,
              imagePullPolicy: 'IfNotPresent',
              command,
              env,
              resources: SMALL_JOB_RESOURCES,
              securityContext: RESTRICTED_CONTAINER,
            }],
          }),
        },
      },
    });
    orderAfter(this.roleBinding, this.serviceAccount, this.role);
    orderAfter(this.job, this.serviceAccount, this.role, this.roleBinding);
    if (networkPolicy instanceof DatabaseNetworkPolicy) {
      this.networkPolicy = networkPolicy.addApiServerClientJob('VolumeExpansionNetworkPolicy', 'volumes', group);
    }
  }
}
