import { ApiObject, Chart, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { registerOwned } from '../private/app-collisions';
import { KubeRole, KubeRoleBinding, KubeServiceAccount } from '../private/kube';
import { orderAfter } from '../private/ordering';
import { PropSchema, requirePropTypes } from '../private/runtime-types';
import { reportErrors } from '../private/tree-report';
import { Rules, ValidationErrors, validateAnnotationKeys, validateLabels } from '../private/validation';

/** Properties of {@link PatroniRbac}. */
export interface PatroniRbacProps {
  /**
   * Name of the ServiceAccount, Role and RoleBinding.
   * @default - "<first cluster name>-patroni" when created by a PostgresCluster; required otherwise
   */
  readonly name: string;
  /**
   * Annotations for the ServiceAccount, for example `eks.amazonaws.com/role-arn` (IRSA) or
   * `iam.gke.io/gcp-service-account` (GKE Workload Identity) for backups.
   * @default - none
   */
  readonly serviceAccountAnnotations?: Record<string, string>;
  /**
   * Labels for the three objects.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/**
 * The namespaced identity Patroni runs with in Kubernetes ConfigMaps mode: a ServiceAccount, a Role
 * with exactly the verbs Patroni uses, and a RoleBinding. One PatroniRbac can serve several
 * clusters in a namespace; each cluster registers its scope so the Role names its ConfigMaps.
 *
 * Patroni 4 (patroni/dcs/kubernetes.py, ConfigMaps mode) lists and watches ConfigMaps and Pods by
 * label, creates its `<scope>-leader|config|failover|sync` ConfigMaps, patches them and its own Pod
 * (role label and member annotation), and reads the leader ConfigMap only after a conflicting
 * update (409). It never replaces (`update`) an object, needs no Endpoints or Services in this mode,
 * and never deletes anything except through `patronictl remove`, which is deliberately not granted.
 * The preStop hook, with the same token, reads pods and the cluster's own StatefulSet (by name) to
 * prefer a member already on the update revision during a rollout.
 * The API server's audit log of a real cluster (bootstrap, failover, switchovers, rollouts) shows
 * exactly these requests: test/integration/kube/rollout.test.ts.
 *
 * @example
 * const rbac = new PatroniRbac(chart, 'patroni', { name: 'patroni' });
 * new PostgresCluster(chart, 'events', { name: 'events-db', instances: 2, rbac });
 * new PostgresCluster(chart, 'audit', { name: 'audit-db', instances: 2, rbac });
 */
export class PatroniRbac extends Construct {
  /** The ServiceAccount the database pods run as. */
  public readonly serviceAccount: k8s.KubeServiceAccount;
  public readonly role: k8s.KubeRole;
  public readonly roleBinding: k8s.KubeRoleBinding;
  /** Name of the ServiceAccount (and of the Role and RoleBinding). */
  public readonly serviceAccountName: string;

  private readonly scopes = new Set<string>();

  constructor(scope: Construct, id: string, props: PatroniRbacProps) {
    super(scope, id);
    registerOwned(this);
    const errors = new ValidationErrors(`PatroniRbac ${this.node.path}`);
    requirePropTypes(this, errors.subject, props, PATRONI_RBAC_SCHEMA);
    const nameProblem = Rules.dns1123Subdomain(props.name);
    if (nameProblem) errors.add('name', props.name, nameProblem);
    validateLabels(errors, 'labels', props.labels);
    validateAnnotationKeys(errors, 'serviceAccountAnnotations', props.serviceAccountAnnotations);
    const namespace = Chart.of(this).namespace;
    if (!namespace) errors.add('namespace (of the Chart)', namespace, 'must be set: a RoleBinding subject has to name the ServiceAccount\'s namespace');
    reportErrors(this, errors);

    this.serviceAccountName = props.name;
    const metadata = { name: props.name, labels: { 'app.kubernetes.io/name': 'postgresql', 'app.kubernetes.io/managed-by': 'cdk8s-pgaas', ...props.labels } };
    this.serviceAccount = new KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { ...metadata, annotations: props.serviceAccountAnnotations },
      // Only the database pods need the token; they opt in on their pod spec.
      automountServiceAccountToken: false,
    });
    this.role = new KubeRole(this, 'Role', {
      metadata,
      rules: Lazy.any({ produce: () => this.rules() }) as any,
    });
    this.roleBinding = new KubeRoleBinding(this, 'RoleBinding', {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: props.name },
      subjects: [{ kind: 'ServiceAccount', name: props.name, namespace }],
    });
    orderAfter(this.roleBinding, this.serviceAccount, this.role);
  }

  /** Registers a Patroni scope (cluster name): the Role then allows changing that cluster's ConfigMaps. */
  public addCluster(scope: string): void {
    this.scopes.add(scope);
  }

  /** The Patroni scopes this identity serves, sorted. */
  public get clusters(): string[] {
    return [...this.scopes].sort();
  }

  /** The objects a workload must depend on so it starts only after its identity exists. */
  public get apiObjects(): ApiObject[] {
    return [this.serviceAccount, this.role, this.roleBinding];
  }

  private rules(): k8s.PolicyRule[] {
    const configMapNames = this.clusters.flatMap((s) => ['leader', 'config', 'failover', 'sync'].map((suffix) => `${s}-${suffix}`));
    const rules: k8s.PolicyRule[] = [
      // create, list and watch cannot be restricted by name in Kubernetes RBAC.
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'list', 'watch'] },
    ];
    if (configMapNames.length > 0) {
      // get: Patroni re-reads the leader ConfigMap after a 409 on its update (Kubernetes.update_leader).
      rules.push({ apiGroups: [''], resources: ['configmaps'], resourceNames: configMapNames, verbs: ['get', 'patch'] });
    }
    // get: the preStop hook reads its own pod and the candidates' (revision labels).
    rules.push({ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'patch'] });
    if (this.clusters.length > 0) {
      // The preStop hook reads its StatefulSet's status.updateRevision (named: the StatefulSet is the scope).
      rules.push({ apiGroups: ['apps'], resources: ['statefulsets'], resourceNames: this.clusters, verbs: ['get'] });
    }
    return rules;
  }
}

/** {@link PatroniRbacProps} at run time (test/unit/private/construct-prop-types.test.ts compares the two). */
export const PATRONI_RBAC_SCHEMA: PropSchema = { required: ['name'], types: { name: 'string', serviceAccountAnnotations: 'record', labels: 'record' } };
