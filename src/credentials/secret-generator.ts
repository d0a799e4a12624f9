import { ApiObject, Chart, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { GeneratedSecretSpec, generatedSecretsProblems, SecretGeneratorScript } from './secret-generator-script';
import { EXEMPTION_REASONS, exemptionAnnotations, spiloJobExemptions } from '../audit/exemptions';
import { PolicyCheck } from '../audit/policy-rules';
import { registerOwned } from '../private/app-collisions';
import { contentHash, hashedName } from '../private/hash';
import { RESTRICTED_CONTAINER, restrictedJobPod, SMALL_JOB_RESOURCES } from '../private/job-pod';
import { KubeConfigMap, KubeJob, KubeRole, KubeRoleBinding, KubeServiceAccount } from '../private/kube';
import { orderAfter } from '../private/ordering';
import { PropSchema, requirePropTypes } from '../private/runtime-types';
import { problemsChanged, reportAtSynth } from '../private/tree-report';
import { check, problem, Problem, Rules, ValidationErrors, validateLabels } from '../private/validation';

/** How the bundle tells a GitOps tool in which order to apply it. */
export enum GitOpsOrdering {
  /**
   * No ordering annotations: pods that start before their Secrets exist wait in
   * CreateContainerConfigError and start once the generator has run (kubelet retries).
   */
  NONE = 'none',
  /**
   * Argo CD sync waves: the secret generator (wave -1) before the database (wave 0) before the
   * bootstrap Job (wave 1). Argo CD waits for each wave to be healthy, and a Job is healthy once it
   * has completed. (Flux applies a Kustomization at once: put the generator in its own chart and
   * Kustomization and make the database's depend on it; see the README.)
   */
  ARGO_CD = 'argo-cd',
}

/** Sync waves of the bundle's parts under {@link GitOpsOrdering.ARGO_CD}. */
export const ARGO_CD_WAVES = { secrets: '-1', database: '0', bootstrap: '1' };

/** Annotations that place an object in its Argo CD sync wave (none unless ordering is ARGO_CD). */
export function orderingAnnotations(ordering: GitOpsOrdering, wave: keyof typeof ARGO_CD_WAVES): Record<string, string> {
  return ordering === GitOpsOrdering.ARGO_CD ? { 'argocd.argoproj.io/sync-wave': ARGO_CD_WAVES[wave] } : {};
}

/** Properties of {@link SecretGenerator}. */
export interface SecretGeneratorProps {
  /** Base name of the generator's objects (ServiceAccount, Role, RoleBinding, ConfigMap; the Job adds a content hash). */
  readonly name: string;
  /** Image with python3 (the cluster's Spilo image, so nothing new is pulled). */
  readonly image: string;
  /**
   * Labels of the generator's objects and of the Secrets it creates.
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Ordering annotations for GitOps tools.
   * @default GitOpsOrdering.NONE
   */
  readonly ordering?: GitOpsOrdering;
  /**
   * Secrets for pulling the image.
   * @default - none
   */
  readonly imagePullSecrets?: string[];
  /**
   * Whether a NetworkPolicy isolates the Job's pods (it admits no ingress): adds the matching
   * policy-check exemption.
   * @default false
   */
  readonly networkIsolated?: boolean;
}

/** What the generator derives from its Secrets (see SecretGenerator.derived). */
interface DerivedFromSecrets {
  readonly count: number;
  readonly secretsEnv: string;
  readonly jobName: string;
  readonly secretProblems: Problem[];
}

/**
 * A Job that creates missing credential Secrets with strong random passwords, in the cluster, and
 * never touches a Secret that exists (so a password never changes behind the database's back).
 * Its Role allows only `create` on Secrets and `get` on exactly the Secrets it manages.
 * The Job's name carries a hash of its content: a changed list of Secrets creates a new Job
 * instead of failing on Job immutability.
 */
export class SecretGenerator extends Construct {
  public readonly serviceAccount: k8s.KubeServiceAccount;
  public readonly role: k8s.KubeRole;
  public readonly roleBinding: k8s.KubeRoleBinding;
  public readonly configMap: k8s.KubeConfigMap;
  public readonly job: k8s.KubeJob;
  private readonly secrets: GeneratedSecretSpec[] = [];
  /** Secrets added for a user other than the one their name is already generated for. */
  private readonly conflicts: Problem[] = [];
  private derivedCache?: DerivedFromSecrets;
  private readonly props: SecretGeneratorProps;

  constructor(scope: Construct, id: string, props: SecretGeneratorProps) {
    super(scope, id);
    registerOwned(this);
    const errors = new ValidationErrors(`SecretGenerator ${this.node.path}`);
    requirePropTypes(this, errors.subject, props, SECRET_GENERATOR_SCHEMA);
    // Object names are DNS subdomains; the Job name is shortened to fit its label (see hashedName).
    const nameProblem = Rules.dns1123Subdomain(`${props.name}-script`) ? Rules.dns1123Subdomain(props.name) ?? 'must leave room for the "-script" suffix' : undefined;
    if (nameProblem) errors.add('name', props.name, nameProblem);
    validateLabels(errors, 'labels', props.labels);
    const namespace = Chart.of(this).namespace;
    if (!namespace) errors.add('namespace (of the Chart)', namespace, 'must be set: the RoleBinding subject names the ServiceAccount\'s namespace');
    this.props = props;

    const annotations = orderingAnnotations(props.ordering ?? GitOpsOrdering.NONE, 'secrets');
    const metadata = { name: props.name, labels: props.labels, annotations: Object.keys(annotations).length ? annotations : undefined };
    this.serviceAccount = new KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: false });
    this.role = new KubeRole(this, 'Role', {
      metadata: { ...metadata, annotations: exemptionAnnotations([[PolicyCheck.RBAC_SECRETS, EXEMPTION_REASONS.rbacSecrets]], metadata.annotations) },
      rules: Lazy.any({
        produce: () => [
          // create cannot be restricted by name in Kubernetes RBAC; get is restricted to the managed Secrets.
          { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
          { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: this.secretNames },
          // patch only for the Secrets declared with a rotation (an empty resourceNames would mean all).
          ...(this.rotatedSecretNames.length ? [{ apiGroups: [''], resources: ['secrets'], verbs: ['patch'], resourceNames: this.rotatedSecretNames }] : []),
        ],
      }) as any,
    });
    this.roleBinding = new KubeRoleBinding(this, 'RoleBinding', {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: props.name },
      subjects: [{ kind: 'ServiceAccount', name: props.name, namespace }],
    });
    this.configMap = new KubeConfigMap(this, 'Script', {
      metadata: { ...metadata, name: `${props.name}-script` },
      data: { [SecretGeneratorScript.FILE_NAME]: SecretGeneratorScript.render() },
    });
    this.job = new KubeJob(this, 'Job', {
      metadata: {
        ...metadata,
        name: Lazy.any({ produce: () => this.jobName }) as any,
        annotations: exemptionAnnotations(spiloJobExemptions(true, props.networkIsolated ?? false), metadata.annotations),
      },
      spec: {
        backoffLimit: 4,
        activeDeadlineSeconds: 600,
        template: {
          metadata: { labels: props.labels },
          spec: restrictedJobPod({
            serviceAccountName: props.name,
            // The generator talks to the Kubernetes API with its own token.
            automountToken: true,
            imagePullSecrets: props.imagePullSecrets,
            containers: [{
              name: 'generate',
              image: props.image,
              imagePullPolicy: 'IfNotPresent',
              command: ['python3', `/scripts/${SecretGeneratorScript.FILE_NAME}`],
              env: [{ name: SecretGeneratorScript.ENV_SECRETS, value: Lazy.any({ produce: () => this.secretsEnv }) as any }],
              resources: SMALL_JOB_RESOURCES,
              securityContext: RESTRICTED_CONTAINER,
              volumeMounts: [{ name: 'script', mountPath: '/scripts', readOnly: true }],
            }],
            volumes: [{ name: 'script', configMap: { name: `${props.name}-script` } }],
          }),
        },
      },
    });
    orderAfter(this.roleBinding, this.serviceAccount, this.role);
    orderAfter(this.job, this.serviceAccount, this.role, this.roleBinding, this.configMap);
    // Secrets are added after construction (by every cluster sharing the generator): they are
    // checked when the app is synthesized, before anything is written.
    reportAtSynth(this, errors.subject, () => [...errors.problems, ...this.secrets.length === 0
      ? [problem('secrets', [], 'must not be empty: add a Secret with addSecret(), or remove the generator')]
      : this.problems]);
  }

  /**
   * Adds a Secret for the generator to create when missing. Adding the same Secret for the same user
   * again does nothing; an invalid Secret, or one already generated for another user, fails synthesis.
   */
  public addSecret(secret: GeneratedSecretSpec): void {
    problemsChanged(this);
    const existing = this.secrets.find((s) => s.name === secret.name);
    if (existing) {
      this.conflicts.push(...check('secrets', secret.name, existing.username !== secret.username
        ? `is already generated for user ${JSON.stringify(existing.username)}, not ${JSON.stringify(secret.username)}: every user needs its own Secret`
        : (existing.rotation ?? 0) !== (secret.rotation ?? 0)
          ? `is already generated with rotation ${existing.rotation ?? 0}, not ${secret.rotation ?? 0}: declare one rotation per Secret` : undefined));
      return;
    }
    this.secrets.push({ ...secret, labels: { ...this.props.labels, ...secret.labels } });
  }

  /** What keeps the Secrets from being generated: the script's rules and conflicting additions. */
  private get problems(): Problem[] {
    return [...this.derived().secretProblems, ...this.conflicts];
  }

  /** Names of the Secrets the generator manages, sorted. */
  public get secretNames(): string[] {
    return this.secrets.map((s) => s.name).sort();
  }

  /**
   * Names of the Secrets declared with a rotation above 0 or with alternating users (converted from a single-user
   * Secret in place): the only ones the Job may patch, sorted.
   */
  public get rotatedSecretNames(): string[] {
    return this.secrets.filter((s) => (s.rotation ?? 0) > 0 || s.alternatingUsers !== undefined).map((s) => s.name).sort();
  }

  /** Name of the Job: the base name and a hash of everything the Job does. */
  public get jobName(): string {
    return this.derived().jobName;
  }

  /** The objects a workload must depend on so it starts after the Secrets exist. */
  public get apiObjects(): ApiObject[] {
    return [this.serviceAccount, this.role, this.roleBinding, this.configMap, this.job];
  }

  private get secretsEnv(): string {
    return this.derived().secretsEnv;
  }

  /**
   * The env value and the Job name, computed once per set of Secrets: they are resolved at every
   * synthesis of every chart (cdk8s validates and resolves the whole app per chart), and Secrets are
   * only ever added, so their count identifies the set.
   */
  private derived(): DerivedFromSecrets {
    if (this.derivedCache?.count !== this.secrets.length) {
      const sorted = [...this.secrets].sort((a, b) => a.name.localeCompare(b.name));
      const secretsEnv = sorted.length ? SecretGeneratorScript.secretsEnvValue(sorted) : '[]';
      const { image, labels, imagePullSecrets } = this.props;
      const hash = contentHash(SecretGeneratorScript.render(), secretsEnv, image, labels ?? {}, imagePullSecrets ?? []);
      const jobName = hashedName(this.props.name, hash);
      this.derivedCache = { count: this.secrets.length, secretsEnv, jobName, secretProblems: generatedSecretsProblems(this.secrets) };
    }
    return this.derivedCache;
  }
}

/** {@link SecretGeneratorProps} at run time (test/unit/private/construct-prop-types.test.ts compares the two). */
export const SECRET_GENERATOR_SCHEMA: PropSchema = {
  required: ['name', 'image'],
  types: { name: 'string', image: 'string', labels: 'record', ordering: { enumOf: GitOpsOrdering, name: 'GitOpsOrdering' }, imagePullSecrets: 'string[]', networkIsolated: 'boolean' },
};
