/**
 * The kube-linter, kube-score and Polaris checks that apply to a cdk8s-pgaas bundle, evaluated
 * offline on synthesized manifests (none of the three tools is installable from npm or Debian).
 *
 * Every check names the upstream checks it stands for, so that an exemption can be written in each
 * tool's own annotation convention and the YAML passes the real tools too:
 *
 *  - kube-linter: `ignore-check.kube-linter.io/<check>: "<reason>"` on the object (stackrox/kube-linter
 *    docs, "Ignoring violations for specific cases");
 *  - kube-score: `kube-score/ignore: <check>,<check>` on the object or its pod template
 *    (zegl/kube-score scorecard/enabled.go, comma-separated list);
 *  - Polaris: `polaris.fairwinds.com/<check>-exempt: "true"` on the controller
 *    (FairwindsOps/polaris docs/customization/exemptions.md);
 *  - and our own reason annotation `exemptions.cdk8s-pgaas.io/<check>: "<reason>"`, because Polaris
 *    and kube-score annotations cannot carry one.
 *
 * An exemption counts only when it is complete (every tool's annotation plus a non-empty reason), so a
 * reviewer always sees why, and the real tools agree with this checker.
 */

/** The checks of {@link PolicyRules}. Values are the check IDs used in annotations and reports. */
export enum PolicyCheck {
  /** Containers request CPU (kube-linter unset-cpu-requirements, kube-score container-resources, Polaris cpuRequestsMissing). */
  CPU_REQUEST = 'cpu-request',
  /** Containers request memory (kube-score container-resources, Polaris memoryRequestsMissing). */
  MEMORY_REQUEST = 'memory-request',
  /** Containers have a memory limit (kube-linter unset-memory-requirements, kube-score container-resources, Polaris memoryLimitsMissing). */
  MEMORY_LIMIT = 'memory-limit',
  /** Containers have a CPU limit (kube-score container-resources, Polaris cpuLimitsMissing). */
  CPU_LIMIT = 'cpu-limit',
  /** Containers request and limit ephemeral storage (kube-score container-ephemeral-storage-request-and-limit). */
  EPHEMERAL_STORAGE = 'ephemeral-storage',
  /** Long-running containers have a readiness probe (kube-linter no-readiness-probe, kube-score pod-probes, Polaris readinessProbeMissing). */
  READINESS_PROBE = 'readiness-probe',
  /** Long-running containers have a liveness probe (kube-linter no-liveness-probe, kube-score pod-probes, Polaris livenessProbeMissing). */
  LIVENESS_PROBE = 'liveness-probe',
  /** Readiness and liveness probes differ (kube-score pod-probes-identical). */
  PROBES_IDENTICAL = 'probes-identical',
  /** Probes use ports the container declares (kube-linter liveness-port, readiness-port, startup-port). */
  PROBE_PORT = 'probe-port',
  /** Images name a tag other than latest, or a digest (kube-linter latest-tag, kube-score container-image-tag, Polaris tagNotSpecified). */
  IMAGE_TAG = 'image-tag',
  /** imagePullPolicy is Always (kube-score container-image-pull-policy, Polaris pullPolicyNotAlways). */
  IMAGE_PULL_POLICY = 'image-pull-policy',
  /** No privileged container (kube-linter privileged-container, kube-score container-security-context-privileged, Polaris runAsPrivileged). */
  PRIVILEGED = 'privileged',
  /** No hostNetwork (kube-linter host-network, Polaris hostNetworkSet). */
  HOST_NETWORK = 'host-network',
  /** No hostPID (kube-linter host-pid, Polaris hostPIDSet). */
  HOST_PID = 'host-pid',
  /** No hostIPC (kube-linter host-ipc, Polaris hostIPCSet). */
  HOST_IPC = 'host-ipc',
  /** No hostPath volume (kube-linter sensitive-host-mounts, Polaris hostPathSet). */
  HOST_PATH = 'host-path',
  /** No hostPort (Polaris hostPortSet). */
  HOST_PORT = 'host-port',
  /** Containers cannot run as root (kube-linter run-as-non-root, Polaris runAsRootAllowed). */
  RUN_AS_NON_ROOT = 'run-as-non-root',
  /** runAsUser and runAsGroup set and >= 10000 (kube-score container-security-context-user-group-id). */
  HIGH_UID = 'high-uid',
  /** readOnlyRootFilesystem: true (kube-linter no-read-only-root-fs, kube-score container-security-context-readonlyrootfilesystem, Polaris notReadOnlyRootFilesystem). */
  READ_ONLY_ROOT_FS = 'read-only-root-fs',
  /** allowPrivilegeEscalation: false, no SYS_ADMIN (kube-linter privilege-escalation-container, Polaris privilegeEscalationAllowed). */
  PRIVILEGE_ESCALATION = 'privilege-escalation',
  /** capabilities.drop contains ALL, nothing dangerous added (kube-linter drop-net-raw-capability, Polaris insecureCapabilities, dangerousCapabilities). */
  DROP_ALL_CAPABILITIES = 'drop-all-capabilities',
  /** seccomp RuntimeDefault or Localhost (kube-score container-seccomp-profile, Polaris linuxHardening). */
  SECCOMP_PROFILE = 'seccomp-profile',
  /** The pod sets automountServiceAccountToken: false explicitly (Polaris automountServiceAccountToken). */
  SERVICE_ACCOUNT_TOKEN = 'service-account-token',
  /** A named ServiceAccount exists in the bundle; the default one is not used with a token (kube-linter non-existent-service-account, default-service-account). */
  SERVICE_ACCOUNT_EXISTS = 'service-account-exists',
  /** No literal value in an env var whose name looks secret (kube-linter env-var-secret, Polaris sensitiveContainerEnvVar). */
  ENV_SECRET_LITERAL = 'env-secret-literal',
  /** No duplicate env var names (kube-linter duplicate-env-var, kube-score environment-variable-key-duplication). */
  DUPLICATE_ENV = 'duplicate-env',
  /** Multi-replica workloads spread with pod anti-affinity (kube-linter no-anti-affinity, kube-score *-has-host-podantiaffinity). */
  ANTI_AFFINITY = 'anti-affinity',
  /** Multi-replica workloads have a PodDisruptionBudget (kube-score *-has-poddisruptionbudget, Polaris missingPodDisruptionBudget). */
  POD_DISRUPTION_BUDGET = 'pod-disruption-budget',
  /** A PodDisruptionBudget allows disruptions and sets unhealthyPodEvictionPolicy (kube-linter pdb-*, kube-score poddisruptionbudget-has-policy, Polaris pdbDisruptionsIsZero). */
  PDB_POLICY = 'pdb-policy',
  /** A StatefulSet's serviceName is a headless Service selecting its pods (kube-score statefulset-has-servicename). */
  STATEFULSET_SERVICE_NAME = 'statefulset-service-name',
  /** A Service's selector matches some pod template (kube-linter dangling-service, kube-score service-targets-pod). */
  SERVICE_TARGETS_POD = 'service-targets-pod',
  /** A workload's selector matches its pod template (kube-linter mismatching-selector, kube-score *-pod-selector-labels-match-template-metadata-labels). */
  SELECTOR_MATCHES_TEMPLATE = 'selector-matches-template',
  /** A Service or PodDisruptionBudget selects the pods of one workload only (cdk8s-pgaas). */
  SELECTOR_OVERLAP = 'selector-overlap',
  /** Required labels are present and label values are valid (kube-score label-values, plus cdk8s-pgaas required labels). */
  LABELS = 'labels',
  /** Every pod is isolated by NetworkPolicies for ingress and egress (kube-linter non-isolated-pod, kube-score pod-networkpolicy). */
  NETWORK_POLICY = 'network-policy',
  /** Polaris' form of the above: a policy matching one pod label with non-empty ingress and egress rules (Polaris missingNetworkPolicy). */
  NETWORK_POLICY_RULES = 'network-policy-rules',
  /** A NetworkPolicy selects some pod (kube-linter dangling-networkpolicy, kube-score networkpolicy-targets-pod). */
  NETWORK_POLICY_TARGETS_POD = 'network-policy-targets-pod',
  /** Jobs set ttlSecondsAfterFinished, CronJob job templates do not (kube-linter job-ttl-seconds-after-finished). */
  JOB_TTL = 'job-ttl',
  /** CronJobs set startingDeadlineSeconds and a valid restartPolicy (kube-score cronjob-has-deadline, cronjob-restartpolicy). */
  CRONJOB_DEADLINE = 'cronjob-deadline',
  /** Deployments run at least 2 replicas (kube-score deployment-replicas, Polaris deploymentMissingReplicas). */
  DEPLOYMENT_REPLICAS = 'deployment-replicas',
  /** No wildcard in RBAC rules (kube-linter wildcard-in-rules). */
  RBAC_WILDCARD = 'rbac-wildcard',
  /** No RBAC access to Secrets (kube-linter access-to-secrets). */
  RBAC_SECRETS = 'rbac-secrets',
  /** No NodePort Service (kube-score service-type). */
  SERVICE_TYPE = 'service-type',
}

/** One failed check on one object. */
export interface PolicyViolation {
  /** The check. */
  readonly check: PolicyCheck;
  /** The object as 'Kind/name'. */
  readonly object: string;
  /** Path of the offending field, e.g. 'spec.template.spec.containers[0].resources.limits.cpu'. */
  readonly path: string;
  /** What is wrong and how to fix it (or exempt it). */
  readonly message: string;
  /** The upstream checks this stands for, as 'tool:check' (e.g. 'kube-linter:no-read-only-root-fs'). */
  readonly upstream: string[];
}

/** A deliberate, reviewed exception to one check on one object. */
export interface PolicyExemption {
  /** The check to exempt. */
  readonly check: PolicyCheck;
  /** Why the object may not satisfy the check; written into the YAML next to the exemption. */
  readonly reason: string;
}

/** Options of {@link PolicyRules.check}. */
export interface PolicyRulesOptions {
  /**
   * Labels every object must carry.
   * @default ['app.kubernetes.io/name']
   */
  readonly requiredLabels?: string[];
  /**
   * Checks not to run at all (for checks a deployment does not care about, e.g. NETWORK_POLICY where
   * the CNI enforces none). Prefer per-object exemptions: they are visible in the YAML.
   * @default - every check runs
   */
  readonly skip?: PolicyCheck[];
}

/** Upstream check names per tool. */
interface Upstream {
  readonly kubeLinter?: string[];
  readonly kubeScore?: string[];
  readonly polaris?: string[];
}

const UPSTREAM: Record<PolicyCheck, Upstream> = {
  [PolicyCheck.CPU_REQUEST]: { kubeLinter: ['unset-cpu-requirements'], kubeScore: ['container-resources'], polaris: ['cpuRequestsMissing'] },
  [PolicyCheck.MEMORY_REQUEST]: { kubeScore: ['container-resources'], polaris: ['memoryRequestsMissing'] },
  [PolicyCheck.MEMORY_LIMIT]: { kubeLinter: ['unset-memory-requirements'], kubeScore: ['container-resources'], polaris: ['memoryLimitsMissing'] },
  [PolicyCheck.CPU_LIMIT]: { kubeScore: ['container-resources'], polaris: ['cpuLimitsMissing'] },
  [PolicyCheck.EPHEMERAL_STORAGE]: { kubeScore: ['container-ephemeral-storage-request-and-limit'] },
  [PolicyCheck.READINESS_PROBE]: { kubeLinter: ['no-readiness-probe'], kubeScore: ['pod-probes'], polaris: ['readinessProbeMissing'] },
  [PolicyCheck.LIVENESS_PROBE]: { kubeLinter: ['no-liveness-probe'], kubeScore: ['pod-probes'], polaris: ['livenessProbeMissing'] },
  [PolicyCheck.PROBES_IDENTICAL]: { kubeScore: ['pod-probes-identical'] },
  [PolicyCheck.PROBE_PORT]: { kubeLinter: ['liveness-port', 'readiness-port', 'startup-port'] },
  [PolicyCheck.IMAGE_TAG]: { kubeLinter: ['latest-tag'], kubeScore: ['container-image-tag'], polaris: ['tagNotSpecified'] },
  [PolicyCheck.IMAGE_PULL_POLICY]: { kubeScore: ['container-image-pull-policy'], polaris: ['pullPolicyNotAlways'] },
  [PolicyCheck.PRIVILEGED]: { kubeLinter: ['privileged-container'], kubeScore: ['container-security-context-privileged'], polaris: ['runAsPrivileged'] },
  [PolicyCheck.HOST_NETWORK]: { kubeLinter: ['host-network'], polaris: ['hostNetworkSet'] },
  [PolicyCheck.HOST_PID]: { kubeLinter: ['host-pid'], polaris: ['hostPIDSet'] },
  [PolicyCheck.HOST_IPC]: { kubeLinter: ['host-ipc'], polaris: ['hostIPCSet'] },
  [PolicyCheck.HOST_PATH]: { kubeLinter: ['sensitive-host-mounts'], polaris: ['hostPathSet'] },
  [PolicyCheck.HOST_PORT]: { polaris: ['hostPortSet'] },
  [PolicyCheck.RUN_AS_NON_ROOT]: { kubeLinter: ['run-as-non-root'], polaris: ['runAsRootAllowed'] },
  [PolicyCheck.HIGH_UID]: { kubeScore: ['container-security-context-user-group-id'] },
  [PolicyCheck.READ_ONLY_ROOT_FS]: { kubeLinter: ['no-read-only-root-fs'], kubeScore: ['container-security-context-readonlyrootfilesystem'], polaris: ['notReadOnlyRootFilesystem'] },
  [PolicyCheck.PRIVILEGE_ESCALATION]: { kubeLinter: ['privilege-escalation-container'], polaris: ['privilegeEscalationAllowed'] },
  [PolicyCheck.DROP_ALL_CAPABILITIES]: { kubeLinter: ['drop-net-raw-capability'], polaris: ['insecureCapabilities', 'dangerousCapabilities'] },
  [PolicyCheck.SECCOMP_PROFILE]: { kubeScore: ['container-seccomp-profile'], polaris: ['linuxHardening'] },
  [PolicyCheck.SERVICE_ACCOUNT_TOKEN]: { polaris: ['automountServiceAccountToken'] },
  [PolicyCheck.SERVICE_ACCOUNT_EXISTS]: { kubeLinter: ['non-existent-service-account', 'default-service-account'] },
  [PolicyCheck.ENV_SECRET_LITERAL]: { kubeLinter: ['env-var-secret'], polaris: ['sensitiveContainerEnvVar'] },
  [PolicyCheck.DUPLICATE_ENV]: { kubeLinter: ['duplicate-env-var'], kubeScore: ['environment-variable-key-duplication'] },
  [PolicyCheck.ANTI_AFFINITY]: { kubeLinter: ['no-anti-affinity'], kubeScore: ['statefulset-has-host-podantiaffinity', 'deployment-has-host-podantiaffinity'] },
  [PolicyCheck.POD_DISRUPTION_BUDGET]: { kubeScore: ['statefulset-has-poddisruptionbudget', 'deployment-has-poddisruptionbudget'], polaris: ['missingPodDisruptionBudget'] },
  [PolicyCheck.PDB_POLICY]: { kubeLinter: ['pdb-max-unavailable', 'pdb-min-available', 'pdb-unhealthy-pod-eviction-policy'], kubeScore: ['poddisruptionbudget-has-policy'], polaris: ['pdbDisruptionsIsZero'] },
  [PolicyCheck.STATEFULSET_SERVICE_NAME]: { kubeScore: ['statefulset-has-servicename'] },
  [PolicyCheck.SERVICE_TARGETS_POD]: { kubeLinter: ['dangling-service'], kubeScore: ['service-targets-pod'] },
  [PolicyCheck.SELECTOR_MATCHES_TEMPLATE]: {
    kubeLinter: ['mismatching-selector'],
    kubeScore: ['deployment-pod-selector-labels-match-template-metadata-labels', 'statefulset-pod-selector-labels-match-template-metadata-labels'],
  },
  [PolicyCheck.SELECTOR_OVERLAP]: {},
  [PolicyCheck.LABELS]: { kubeScore: ['label-values'] },
  [PolicyCheck.NETWORK_POLICY]: { kubeLinter: ['non-isolated-pod'], kubeScore: ['pod-networkpolicy'] },
  [PolicyCheck.NETWORK_POLICY_RULES]: { polaris: ['missingNetworkPolicy'] },
  [PolicyCheck.NETWORK_POLICY_TARGETS_POD]: { kubeLinter: ['dangling-networkpolicy'], kubeScore: ['networkpolicy-targets-pod'] },
  [PolicyCheck.JOB_TTL]: { kubeLinter: ['job-ttl-seconds-after-finished'] },
  [PolicyCheck.CRONJOB_DEADLINE]: { kubeScore: ['cronjob-has-deadline', 'cronjob-restartpolicy'] },
  [PolicyCheck.DEPLOYMENT_REPLICAS]: { kubeScore: ['deployment-replicas'], polaris: ['deploymentMissingReplicas'] },
  [PolicyCheck.RBAC_WILDCARD]: { kubeLinter: ['wildcard-in-rules'] },
  [PolicyCheck.RBAC_SECRETS]: { kubeLinter: ['access-to-secrets'] },
  [PolicyCheck.SERVICE_TYPE]: { kubeScore: ['service-type'] },
};

const KUBE_LINTER_PREFIX = 'ignore-check.kube-linter.io/';
const KUBE_SCORE_IGNORE = 'kube-score/ignore';
const POLARIS_PREFIX = 'polaris.fairwinds.com/';
/** Prefix of our own reason annotation (the name part is the check ID, well below 63 characters). */
const REASON_PREFIX = 'exemptions.cdk8s-pgaas.io/';

/** Builds and reads the exemption annotations of {@link PolicyRules}. */
export class PolicyExemptions {
  /** Prefix of the reason annotation: `exemptions.cdk8s-pgaas.io/<check>`. */
  public static readonly REASON_ANNOTATION_PREFIX = REASON_PREFIX;

  /**
   * The annotations that exempt an object from the given checks in kube-linter, kube-score, Polaris
   * and {@link PolicyRules}, merged into `existing` (an existing `kube-score/ignore` list is extended).
   * Put them on the object's own metadata (for a workload: the StatefulSet/Deployment/Job, not its pod template).
   */
  public static annotations(exemptions: PolicyExemption[], existing: Record<string, string> = {}): Record<string, string> {
    const result: Record<string, string> = { ...existing };
    const kubeScore = new Set((existing[KUBE_SCORE_IGNORE] ?? '').split(',').map((s) => s.trim()).filter((s) => s));
    for (const exemption of exemptions) {
      const reason = (exemption.reason ?? '').trim();
      if (!reason) throw new Error(`PolicyExemptions: the exemption from "${exemption.check}" needs a reason`);
      if (!(exemption.check in UPSTREAM_BY_ID)) throw new Error(`PolicyExemptions: unknown check "${exemption.check}"`);
      const upstream = UPSTREAM_BY_ID[exemption.check];
      result[`${REASON_PREFIX}${exemption.check}`] = reason;
      for (const check of upstream.kubeLinter ?? []) result[`${KUBE_LINTER_PREFIX}${check}`] = reason;
      for (const check of upstream.polaris ?? []) result[`${POLARIS_PREFIX}${check}-exempt`] = 'true';
      for (const check of upstream.kubeScore ?? []) kubeScore.add(check);
    }
    if (kubeScore.size > 0) result[KUBE_SCORE_IGNORE] = [...kubeScore].sort().join(',');
    return result;
  }

  /** The upstream checks a check stands for, as 'tool:check'. */
  public static upstreamChecks(check: PolicyCheck): string[] {
    const upstream = UPSTREAM_BY_ID[check] ?? {};
    return [
      ...(upstream.kubeLinter ?? []).map((c) => `kube-linter:${c}`),
      ...(upstream.kubeScore ?? []).map((c) => `kube-score:${c}`),
      ...(upstream.polaris ?? []).map((c) => `polaris:${c}`),
    ];
  }

  private constructor() {}
}

const UPSTREAM_BY_ID: Record<string, Upstream> = UPSTREAM;

/**
 * Whether an object is exempt from a check: each tool's annotation is present and our reason is
 * non-empty. Returns the missing pieces otherwise (empty when there is no exemption attempt at all).
 */
function exemptionStatus(manifest: any, check: PolicyCheck): { exempt: boolean; missing: string[] } {
  const annotations: Record<string, string> = {
    ...asObject(asObject(templateOf(manifest)?.metadata).annotations),
    ...asObject(asObject(manifest?.metadata).annotations),
  };
  const own: Record<string, string> = asObject(asObject(manifest?.metadata).annotations);
  const upstream = UPSTREAM[check];
  const missing: string[] = [];
  let attempted = false;
  const reason = own[`${REASON_PREFIX}${check}`];
  if (reason !== undefined) attempted = true;
  if (!reason || !String(reason).trim()) missing.push(`${REASON_PREFIX}${check} (a non-empty reason)`);
  for (const c of upstream.kubeLinter ?? []) {
    if (own[`${KUBE_LINTER_PREFIX}${c}`] !== undefined) attempted = true;
    else missing.push(`${KUBE_LINTER_PREFIX}${c}`);
  }
  for (const c of upstream.polaris ?? []) {
    const value = own[`${POLARIS_PREFIX}${c}-exempt`];
    if (value !== undefined) attempted = true;
    if (value !== 'true' && own[`${POLARIS_PREFIX}exempt`] !== 'true') missing.push(`${POLARIS_PREFIX}${c}-exempt: "true"`);
  }
  // kube-score reads the object's annotations and its pod template's ("child") annotations.
  const kubeScoreIgnored = new Set(String(annotations[KUBE_SCORE_IGNORE] ?? '').split(',').map((s) => s.trim()));
  for (const c of upstream.kubeScore ?? []) {
    if (kubeScoreIgnored.has(c)) attempted = true;
    else if (!kubeScoreIgnored.has('*')) missing.push(`${KUBE_SCORE_IGNORE} listing ${c}`);
  }
  return { exempt: missing.length === 0, missing: attempted ? missing : [] };
}

/** Evaluates {@link PolicyCheck}s on synthesized manifests. */
export class PolicyRules {
  /** Every check, in report order. */
  public static readonly ALL_CHECKS: PolicyCheck[] = Object.values(PolicyCheck) as PolicyCheck[];

  /**
   * Runs every check on the manifests (plain objects, e.g. `Testing.synth(chart)`), honouring
   * complete exemptions (see {@link PolicyExemptions.annotations}). Cross-object checks (Services,
   * PodDisruptionBudgets, NetworkPolicies, ServiceAccounts) only see the manifests given, so pass a
   * whole bundle.
   */
  public static check(manifests: any[], options: PolicyRulesOptions = {}): PolicyViolation[] {
    const ctx = new Context(manifests.filter(isObject), options);
    const skip = new Set(options.skip ?? []);
    const violations: PolicyViolation[] = [];
    for (const [check, run] of CHECKS) {
      if (skip.has(check)) continue;
      for (const finding of run(ctx)) {
        const status = exemptionStatus(finding.manifest, check);
        if (status.exempt) continue;
        const partial = status.missing.length > 0 ? ` (incomplete exemption: missing ${status.missing.join(', ')})` : '';
        violations.push({
          check,
          object: objectName(finding.manifest),
          path: finding.path,
          message: `${finding.message}${partial}`,
          upstream: PolicyExemptions.upstreamChecks(check),
        });
      }
    }
    return violations;
  }

  private constructor() {}
}

// ---------------------------------------------------------------------------------------------
// Context and helpers

interface Finding {
  readonly manifest: any;
  readonly path: string;
  readonly message: string;
}

interface PodTemplate {
  readonly manifest: any;
  readonly kind: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly spec: any;
  readonly specPath: string;
  /** Replicas of Deployments, StatefulSets and ReplicaSets; undefined otherwise. */
  readonly replicas?: number;
  /** Deployments, StatefulSets, DaemonSets, ReplicaSets: containers that should stay up (probes apply). */
  readonly longRunning: boolean;
}

interface ContainerRef {
  readonly container: any;
  readonly path: string;
  readonly label: string;
  readonly init: boolean;
}

const TEMPLATE_PATHS: Record<string, string[]> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};
const LONG_RUNNING = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);
const REPLICATED = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);

function templateOf(manifest: any): any {
  const path = TEMPLATE_PATHS[manifest?.kind];
  if (!path) return undefined;
  let value = manifest;
  for (const key of path) value = isObject(value) ? value[key] : undefined;
  return isObject(value) ? value : undefined;
}

class Context {
  public readonly pods: PodTemplate[] = [];

  constructor(public readonly manifests: any[], public readonly options: PolicyRulesOptions) {
    for (const manifest of manifests) {
      const namespace = String(asObject(manifest.metadata).namespace ?? '');
      if (manifest.kind === 'Pod' && isObject(manifest.spec)) {
        this.pods.push({ manifest, kind: 'Pod', namespace, labels: asObject(asObject(manifest.metadata).labels), spec: manifest.spec, specPath: 'spec', longRunning: false });
        continue;
      }
      const template = templateOf(manifest);
      if (!template || !isObject(template.spec)) continue;
      this.pods.push({
        manifest,
        kind: manifest.kind,
        namespace,
        labels: asObject(asObject(template.metadata).labels),
        spec: template.spec,
        specPath: `${TEMPLATE_PATHS[manifest.kind].join('.')}.spec`,
        replicas: REPLICATED.has(manifest.kind) ? (typeof manifest.spec?.replicas === 'number' ? manifest.spec.replicas : 1) : undefined,
        longRunning: LONG_RUNNING.has(manifest.kind),
      });
    }
  }

  public ofKind(...kinds: string[]): any[] {
    return this.manifests.filter((m) => kinds.includes(m.kind));
  }

  public podsIn(namespace: string): PodTemplate[] {
    return this.pods.filter((p) => p.namespace === namespace);
  }
}

function containers(pod: PodTemplate, includeInit = true): ContainerRef[] {
  const refs: ContainerRef[] = [];
  const groups: Array<[string, boolean]> = includeInit ? [['initContainers', true], ['containers', false]] : [['containers', false]];
  for (const [field, init] of groups) {
    asArray(pod.spec[field]).forEach((container, i) => {
      if (!isObject(container)) return;
      refs.push({ container, path: `${pod.specPath}.${field}[${i}]`, label: `${init ? 'init container' : 'container'} "${container.name}"`, init });
    });
  }
  return refs;
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObject(value: unknown): Record<string, any> {
  return isObject(value) ? value : {};
}

function asArray(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}

function objectName(manifest: any): string {
  return `${manifest?.kind}/${asObject(manifest?.metadata).name ?? ''}`;
}

/** Kubernetes label selector semantics (matchLabels AND matchExpressions; an empty selector matches everything). */
function selectorMatches(selector: any, labels: Record<string, string>): boolean {
  if (!isObject(selector)) return false;
  for (const [key, value] of Object.entries(asObject(selector.matchLabels))) {
    if (labels[key] !== value) return false;
  }
  for (const expression of asArray(selector.matchExpressions)) {
    const has = Object.prototype.hasOwnProperty.call(labels, expression.key);
    const values: string[] = asArray(expression.values);
    switch (expression.operator) {
      case 'In': if (!has || !values.includes(labels[expression.key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[expression.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

/** A Service's `spec.selector` is a plain map; undefined or empty selects nothing (no Endpoints are managed). */
function mapSelectorMatches(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function quantitySet(resources: any, kind: 'requests' | 'limits', name: string): boolean {
  const value = asObject(asObject(resources)[kind])[name];
  return value !== undefined && value !== null && String(value) !== '' && !/^0+(\.0*)?[a-zA-Z]*$/.test(String(value));
}

function effective(container: any, pod: PodTemplate, field: string): any {
  const own = asObject(container.securityContext)[field];
  return own !== undefined ? own : asObject(pod.spec.securityContext)[field];
}

type Run = (ctx: Context) => Finding[];

/** A per-container check over every pod template. */
function perContainer(test: (c: ContainerRef, pod: PodTemplate) => Array<[string, string]> | undefined, includeInit = true): Run {
  return (ctx) => {
    const findings: Finding[] = [];
    for (const pod of ctx.pods) {
      for (const c of containers(pod, includeInit)) {
        for (const [path, message] of test(c, pod) ?? []) findings.push({ manifest: pod.manifest, path: `${c.path}${path}`, message: `${c.label}: ${message}` });
      }
    }
    return findings;
  };
}

function resourceCheck(kind: 'requests' | 'limits', name: string, why: string): Run {
  return perContainer((c) => (quantitySet(c.container.resources, kind, name) ? undefined : [[`.resources.${kind}`, `sets no ${name} ${kind === 'requests' ? 'request' : 'limit'} (${why})`]]));
}

function probe(c: ContainerRef, pod: PodTemplate, field: string, why: string): Array<[string, string]> | undefined {
  if (!pod.longRunning || c.init) return undefined;
  return isObject(c.container[field]) ? undefined : [[`.${field}`, `has no ${field} (${why})`]];
}

const SECRET_LIKE_NAME = [/password/i, /token/i, /bearer/i, /secret/i, /^AWS_SECRET_ACCESS_KEY$/i, /^GOOGLE_APPLICATION_CREDENTIALS$/i, /^AZURE_.+KEY$/i, /^OCI_CLI_KEY_CONTENT$/i];
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const SPREAD_KEYS = new Set(['kubernetes.io/hostname', 'topology.kubernetes.io/zone', 'topology.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/region']);

function imageProblem(image: unknown): string | undefined {
  if (typeof image !== 'string' || image === '') return 'has no image';
  if (image.includes('@sha256:')) return undefined;
  const last = image.split('/').pop() ?? '';
  if (!last.includes(':')) return `image "${image}" has no tag (means latest)`;
  if (last.split(':').pop() === 'latest') return `image "${image}" uses the latest tag`;
  return undefined;
}

function pdbsFor(ctx: Context, pod: PodTemplate): any[] {
  return ctx.ofKind('PodDisruptionBudget').filter((p) => String(asObject(p.metadata).namespace ?? '') === pod.namespace && selectorMatches(p.spec?.selector, pod.labels));
}

function policiesFor(ctx: Context, pod: PodTemplate): any[] {
  return ctx.ofKind('NetworkPolicy').filter((p) => String(asObject(p.metadata).namespace ?? '') === pod.namespace && selectorMatches(p.spec?.podSelector ?? {}, pod.labels));
}

function policyTypes(policy: any): string[] {
  const types = asArray(policy.spec?.policyTypes).map((t) => String(t).toLowerCase());
  if (types.length > 0) return types;
  // The API server's default: Ingress always, Egress when egress rules exist.
  return ['ingress', ...policy.spec?.egress ? ['egress'] : []];
}

const CHECKS: Array<[PolicyCheck, Run]> = [
  [PolicyCheck.CPU_REQUEST, resourceCheck('requests', 'cpu', 'the scheduler cannot place it and it gets no CPU share under contention')],
  [PolicyCheck.MEMORY_REQUEST, resourceCheck('requests', 'memory', 'the scheduler cannot place it')],
  [PolicyCheck.MEMORY_LIMIT, resourceCheck('limits', 'memory', 'one container can exhaust the node\'s memory')],
  [PolicyCheck.CPU_LIMIT, resourceCheck('limits', 'cpu', 'exempt with a reason where throttling is worse, e.g. a database holding locks')],
  [PolicyCheck.EPHEMERAL_STORAGE, perContainer((c) => {
    const missing = ['requests', 'limits'].filter((k) => !quantitySet(c.container.resources, k as 'requests', 'ephemeral-storage'));
    return missing.length ? [['.resources', `sets no ephemeral-storage ${missing.join(' or ')} (its writable layer and logs can fill the node's disk)`]] : undefined;
  })],
  [PolicyCheck.READINESS_PROBE, perContainer((c, pod) => probe(c, pod, 'readinessProbe', 'Services would send traffic before it is ready'), false)],
  [PolicyCheck.LIVENESS_PROBE, perContainer((c, pod) => probe(c, pod, 'livenessProbe', 'a hung process is never restarted'), false)],
  [PolicyCheck.PROBES_IDENTICAL, perContainer((c) => {
    const { readinessProbe: r, livenessProbe: l } = c.container;
    return isObject(r) && isObject(l) && JSON.stringify(r) === JSON.stringify(l)
      ? [['.livenessProbe', 'has identical readiness and liveness probes (a slow dependency restarts the container instead of taking it out of rotation)']]
      : undefined;
  }, false)],
  [PolicyCheck.PROBE_PORT, perContainer((c) => {
    const names = new Set(asArray(c.container.ports).map((p) => p?.name).filter((n) => n));
    const problems: Array<[string, string]> = [];
    for (const field of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      const p = asObject(c.container[field]);
      const port = asObject(p.httpGet).port ?? asObject(p.tcpSocket).port;
      if (typeof port === 'string' && !/^\d+$/.test(port) && !names.has(port)) problems.push([`.${field}`, `${field} uses port "${port}", which the container does not declare`]);
    }
    return problems;
  }, false)],
  [PolicyCheck.IMAGE_TAG, perContainer((c) => {
    const problem = imageProblem(c.container.image);
    return problem ? [['.image', `${problem}: pin a release tag or a digest`]] : undefined;
  })],
  [PolicyCheck.IMAGE_PULL_POLICY, perContainer((c) => (c.container.imagePullPolicy === 'Always' ? undefined
    : [['.imagePullPolicy', `imagePullPolicy is ${c.container.imagePullPolicy ?? 'unset'}, not Always`]]))],
  [PolicyCheck.PRIVILEGED, perContainer((c) => (asObject(c.container.securityContext).privileged === true ? [['.securityContext.privileged', 'runs privileged']] : undefined))],
  ...(['hostNetwork', 'hostPID', 'hostIPC'] as const).map((field): [PolicyCheck, Run] => [
    { hostNetwork: PolicyCheck.HOST_NETWORK, hostPID: PolicyCheck.HOST_PID, hostIPC: PolicyCheck.HOST_IPC }[field],
    (ctx) => ctx.pods.filter((p) => p.spec[field] === true).map((p) => ({ manifest: p.manifest, path: `${p.specPath}.${field}`, message: `pod sets ${field}: true (shares the node's namespace)` })),
  ]),
  [PolicyCheck.HOST_PATH, (ctx) => ctx.pods.flatMap((p) => asArray(p.spec.volumes).map((v, i) => [v, i] as const)
    .filter(([v]) => isObject(v?.hostPath))
    .map(([v, i]) => ({ manifest: p.manifest, path: `${p.specPath}.volumes[${i}].hostPath`, message: `volume "${v.name}" mounts the node's ${v.hostPath.path}` })))],
  [PolicyCheck.HOST_PORT, perContainer((c) => asArray(c.container.ports).map((p, i) => [p, i] as const).filter(([p]) => p?.hostPort)
    .map(([p, i]) => [`.ports[${i}].hostPort`, `binds host port ${p.hostPort}`] as [string, string]))],
  [PolicyCheck.RUN_AS_NON_ROOT, perContainer((c, pod) => {
    const nonRoot = effective(c.container, pod, 'runAsNonRoot');
    const user = effective(c.container, pod, 'runAsUser');
    if (user === 0) return [['.securityContext.runAsUser', 'runs as uid 0']];
    if (asObject(c.container.securityContext).runAsGroup === 0 || asObject(pod.spec.securityContext).runAsGroup === 0) return [['.securityContext.runAsGroup', 'runs with gid 0']];
    return nonRoot === true || (typeof user === 'number' && user > 0) ? undefined : [['.securityContext', 'may run as root: set runAsNonRoot: true and a non-zero runAsUser']];
  })],
  [PolicyCheck.HIGH_UID, perContainer((c, pod) => {
    const user = effective(c.container, pod, 'runAsUser');
    const group = effective(c.container, pod, 'runAsGroup');
    return typeof user === 'number' && user >= 10000 && typeof group === 'number' && group >= 10000 ? undefined
      : [['.securityContext', `runs as uid ${user ?? 'unset'} / gid ${group ?? 'unset'}, not both >= 10000 (ids that no host account uses)`]];
  })],
  [PolicyCheck.READ_ONLY_ROOT_FS, perContainer((c) => (asObject(c.container.securityContext).readOnlyRootFilesystem === true ? undefined
    : [['.securityContext.readOnlyRootFilesystem', 'has a writable root filesystem']]))],
  [PolicyCheck.PRIVILEGE_ESCALATION, perContainer((c) => {
    const sc = asObject(c.container.securityContext);
    if (sc.allowPrivilegeEscalation !== false) return [['.securityContext.allowPrivilegeEscalation', 'does not set allowPrivilegeEscalation: false']];
    return asArray(asObject(sc.capabilities).add).includes('SYS_ADMIN') ? [['.securityContext.capabilities.add', 'adds SYS_ADMIN']] : undefined;
  })],
  [PolicyCheck.DROP_ALL_CAPABILITIES, perContainer((c) => {
    const caps = asObject(asObject(c.container.securityContext).capabilities);
    const problems: Array<[string, string]> = [];
    if (!asArray(caps.drop).includes('ALL')) problems.push(['.securityContext.capabilities.drop', 'does not drop ALL capabilities']);
    const dangerous = asArray(caps.add).filter((a) => ['ALL', 'SYS_ADMIN', 'NET_ADMIN', 'NET_RAW'].includes(a));
    if (dangerous.length) problems.push(['.securityContext.capabilities.add', `adds ${dangerous.join(', ')}`]);
    return problems;
  })],
  [PolicyCheck.SECCOMP_PROFILE, perContainer((c, pod) => {
    const type = asObject(effective(c.container, pod, 'seccompProfile')).type;
    return type === 'RuntimeDefault' || type === 'Localhost' ? undefined : [['.securityContext.seccompProfile', `seccomp profile is ${type ?? 'unset'} (Unconfined)`]];
  })],
  [PolicyCheck.SERVICE_ACCOUNT_TOKEN, (ctx) => ctx.pods.filter((p) => p.spec.automountServiceAccountToken !== false).map((p) => ({
    manifest: p.manifest,
    path: `${p.specPath}.automountServiceAccountToken`,
    message: `pod mounts a ServiceAccount token (automountServiceAccountToken is ${p.spec.automountServiceAccountToken ?? 'unset'}): set it to false unless the pod talks to the Kubernetes API`,
  }))],
  [PolicyCheck.SERVICE_ACCOUNT_EXISTS, (ctx) => ctx.pods.flatMap((p) => {
    const name = p.spec.serviceAccountName ?? p.spec.serviceAccount;
    if (name === undefined || name === 'default') {
      return p.spec.automountServiceAccountToken === false ? []
        : [{ manifest: p.manifest, path: `${p.specPath}.serviceAccountName`, message: 'pod uses the namespace\'s default ServiceAccount with its token mounted: give it its own ServiceAccount' }];
    }
    const exists = ctx.ofKind('ServiceAccount').some((sa) => asObject(sa.metadata).name === name && String(asObject(sa.metadata).namespace ?? '') === p.namespace);
    return exists ? [] : [{ manifest: p.manifest, path: `${p.specPath}.serviceAccountName`, message: `ServiceAccount "${name}" is not in the bundle` }];
  })],
  [PolicyCheck.ENV_SECRET_LITERAL, perContainer((c) => asArray(c.container.env).map((e, i) => [e, i] as const)
    .filter(([e]) => isObject(e) && e.value !== undefined && e.value !== '' && SECRET_LIKE_NAME.some((r) => r.test(String(e.name))))
    .map(([e, i]) => [`.env[${i}]`, `env var ${e.name} has a literal value but its name looks secret: take it from a Secret (valueFrom) or rename it`] as [string, string]))],
  [PolicyCheck.DUPLICATE_ENV, perContainer((c) => {
    const seen = new Set<string>();
    const problems: Array<[string, string]> = [];
    asArray(c.container.env).forEach((e, i) => {
      if (seen.has(e?.name)) problems.push([`.env[${i}]`, `sets env var ${e.name} twice`]);
      seen.add(e?.name);
    });
    return problems;
  })],
  [PolicyCheck.ANTI_AFFINITY, (ctx) => ctx.pods.filter((p) => (p.replicas ?? 0) >= 2).flatMap((p) => {
    const anti = asObject(asObject(p.spec.affinity).podAntiAffinity);
    const terms = [
      ...asArray(anti.requiredDuringSchedulingIgnoredDuringExecution),
      ...asArray(anti.preferredDuringSchedulingIgnoredDuringExecution).map((t) => t?.podAffinityTerm),
    ].filter(isObject);
    const ok = terms.some((t) => SPREAD_KEYS.has(t.topologyKey) && selectorMatches(t.labelSelector, p.labels));
    return ok ? [] : [{ manifest: p.manifest, path: `${p.specPath}.affinity.podAntiAffinity`, message: `${p.replicas} replicas without pod anti-affinity on its own pods (one node failure can take several down)` }];
  })],
  [PolicyCheck.POD_DISRUPTION_BUDGET, (ctx) => ctx.pods.filter((p) => (p.replicas ?? 0) >= 2 && ['Deployment', 'StatefulSet'].includes(p.kind))
    .filter((p) => pdbsFor(ctx, p).length === 0)
    .map((p) => ({ manifest: p.manifest, path: 'spec.template.metadata.labels', message: `${p.replicas} replicas and no PodDisruptionBudget selects its pods (a drain may evict them all at once)` }))],
  [PolicyCheck.PDB_POLICY, (ctx) => ctx.ofKind('PodDisruptionBudget').flatMap((pdb) => {
    const spec = asObject(pdb.spec);
    const findings: Finding[] = [];
    const add = (path: string, message: string) => findings.push({ manifest: pdb, path, message });
    if (spec.minAvailable === undefined && spec.maxUnavailable === undefined) add('spec', 'sets neither minAvailable nor maxUnavailable');
    if (spec.maxUnavailable === 0 || spec.maxUnavailable === '0' || spec.maxUnavailable === '0%') add('spec.maxUnavailable', 'maxUnavailable 0 blocks every voluntary disruption (node drains never finish)');
    if (spec.minAvailable === '100%') add('spec.minAvailable', 'minAvailable 100% blocks every voluntary disruption');
    if (typeof spec.minAvailable === 'number') {
      const replicas = ctx.pods.filter((p) => p.namespace === String(asObject(pdb.metadata).namespace ?? '') && selectorMatches(spec.selector, p.labels)).map((p) => p.replicas ?? 1);
      if (replicas.some((r) => spec.minAvailable >= r)) add('spec.minAvailable', `minAvailable ${spec.minAvailable} is not below the replicas of the pods it selects (${replicas.join(', ')}): no eviction is ever allowed`);
    }
    if (!spec.unhealthyPodEvictionPolicy) add('spec.unhealthyPodEvictionPolicy', 'does not set unhealthyPodEvictionPolicy (AlwaysAllow lets a drain evict pods that are not Ready)');
    return findings;
  })],
  [PolicyCheck.STATEFULSET_SERVICE_NAME, (ctx) => ctx.pods.filter((p) => p.kind === 'StatefulSet').flatMap((p) => {
    const name = p.manifest.spec?.serviceName;
    const service = ctx.ofKind('Service').find((s) => asObject(s.metadata).name === name && String(asObject(s.metadata).namespace ?? '') === p.namespace);
    if (!name) return [{ manifest: p.manifest, path: 'spec.serviceName', message: 'has no serviceName' }];
    if (!service) return [{ manifest: p.manifest, path: 'spec.serviceName', message: `serviceName "${name}" is not a Service of the bundle` }];
    if (service.spec?.clusterIP !== 'None') return [{ manifest: p.manifest, path: 'spec.serviceName', message: `Service "${name}" is not headless (clusterIP: None)` }];
    if (!mapSelectorMatches(service.spec?.selector, p.labels)) return [{ manifest: p.manifest, path: 'spec.serviceName', message: `Service "${name}" does not select the StatefulSet's pods` }];
    return [];
  })],
  [PolicyCheck.SERVICE_TARGETS_POD, (ctx) => ctx.ofKind('Service').filter((s) => s.spec?.type !== 'ExternalName' && Object.keys(asObject(s.spec?.selector)).length > 0)
    .filter((s) => !ctx.podsIn(String(asObject(s.metadata).namespace ?? '')).some((p) => mapSelectorMatches(s.spec.selector, p.labels)))
    .map((s) => ({ manifest: s, path: 'spec.selector', message: `selector ${JSON.stringify(s.spec.selector)} matches no pod template of the bundle` }))],
  [PolicyCheck.SELECTOR_MATCHES_TEMPLATE, (ctx) => ctx.pods.filter((p) => ['Deployment', 'StatefulSet', 'ReplicaSet', 'DaemonSet'].includes(p.kind))
    .filter((p) => {
      const selector = p.manifest.spec?.selector;
      return !isObject(selector) || Object.keys(selector).length === 0 || !selectorMatches(selector, p.labels);
    })
    .map((p) => ({ manifest: p.manifest, path: 'spec.selector', message: 'selector does not match the pod template\'s labels' }))],
  [PolicyCheck.SELECTOR_OVERLAP, (ctx) => [
    ...ctx.ofKind('Service').filter((s) => Object.keys(asObject(s.spec?.selector)).length > 0).map((s) => [s, 'spec.selector', (l: Record<string, string>) => mapSelectorMatches(s.spec.selector, l)] as const),
    ...ctx.ofKind('PodDisruptionBudget').map((p) => [p, 'spec.selector', (l: Record<string, string>) => selectorMatches(p.spec?.selector, l)] as const),
  ].flatMap(([manifest, path, matches]) => {
    const selected = ctx.podsIn(String(asObject(manifest.metadata).namespace ?? '')).filter((p) => matches(p.labels));
    return selected.length > 1
      ? [{ manifest, path, message: `selects the pods of ${selected.map((p) => objectName(p.manifest)).join(', ')}: give each workload a label the others do not share` }]
      : [];
  })],
  [PolicyCheck.LABELS, (ctx) => ctx.manifests.flatMap((m) => {
    const labels = asObject(asObject(m.metadata).labels);
    const findings: Finding[] = [];
    for (const key of ctx.options.requiredLabels ?? ['app.kubernetes.io/name']) {
      if (!labels[key]) findings.push({ manifest: m, path: 'metadata.labels', message: `has no label ${key}` });
    }
    const template = templateOf(m);
    for (const [where, map] of [['metadata.labels', labels], ['pod template labels', asObject(asObject(template?.metadata).labels)]] as const) {
      for (const [key, value] of Object.entries(map)) {
        if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) findings.push({ manifest: m, path: where, message: `label ${key} has an invalid value ${JSON.stringify(value)}` });
      }
    }
    return findings;
  })],
  [PolicyCheck.NETWORK_POLICY, (ctx) => ctx.pods.flatMap((p) => {
    const types = new Set(policiesFor(ctx, p).flatMap(policyTypes));
    const missing = ['ingress', 'egress'].filter((t) => !types.has(t));
    return missing.length ? [{ manifest: p.manifest, path: `${p.specPath.replace(/\.spec$/, '')}.metadata.labels`, message: `no NetworkPolicy isolates its pods for ${missing.join(' and ')}` }] : [];
  })],
  [PolicyCheck.NETWORK_POLICY_RULES, (ctx) => ctx.pods.flatMap((p) => {
    const ok = ctx.ofKind('NetworkPolicy').some((policy) => {
      if (String(asObject(policy.metadata).namespace ?? '') !== p.namespace) return false;
      const matchLabels = asObject(policy.spec?.podSelector?.matchLabels);
      // Polaris' schema: oneOf over the pod's labels, i.e. exactly one pod label appears in matchLabels.
      const matching = Object.entries(p.labels).filter(([k, v]) => matchLabels[k] === v).length;
      const types = asArray(policy.spec?.policyTypes).map((t) => String(t).toLowerCase());
      return matching === 1 && asArray(policy.spec?.ingress).length > 0 && asArray(policy.spec?.egress).length > 0 && types.includes('ingress') && types.includes('egress');
    });
    return ok ? [] : [{
      manifest: p.manifest,
      path: `${p.specPath.replace(/\.spec$/, '')}.metadata.labels`,
      message: 'no NetworkPolicy selects its pods by exactly one of their labels with non-empty ingress and egress rules (Polaris missingNetworkPolicy)',
    }];
  })],
  [PolicyCheck.NETWORK_POLICY_TARGETS_POD, (ctx) => ctx.ofKind('NetworkPolicy')
    .filter((policy) => !ctx.podsIn(String(asObject(policy.metadata).namespace ?? '')).some((p) => selectorMatches(policy.spec?.podSelector ?? {}, p.labels)))
    .map((policy) => ({ manifest: policy, path: 'spec.podSelector', message: 'selects no pod template of the bundle' }))],
  [PolicyCheck.JOB_TTL, (ctx) => [
    ...ctx.ofKind('Job').filter((j) => j.spec?.ttlSecondsAfterFinished === undefined)
      .map((j) => ({ manifest: j, path: 'spec.ttlSecondsAfterFinished', message: 'Job sets no ttlSecondsAfterFinished (finished Jobs and their pods stay forever)' })),
    ...ctx.ofKind('CronJob').filter((j) => j.spec?.jobTemplate?.spec?.ttlSecondsAfterFinished !== undefined)
      .map((j) => ({ manifest: j, path: 'spec.jobTemplate.spec.ttlSecondsAfterFinished', message: 'CronJob job template sets ttlSecondsAfterFinished (the history limits govern cleanup)' })),
  ]],
  [PolicyCheck.CRONJOB_DEADLINE, (ctx) => ctx.ofKind('CronJob').flatMap((j) => {
    const findings: Finding[] = [];
    if (typeof j.spec?.startingDeadlineSeconds !== 'number') findings.push({ manifest: j, path: 'spec.startingDeadlineSeconds', message: 'sets no startingDeadlineSeconds (after 100 missed schedules the CronJob stops for good)' });
    const restart = j.spec?.jobTemplate?.spec?.template?.spec?.restartPolicy;
    if (restart !== 'OnFailure' && restart !== 'Never') findings.push({ manifest: j, path: 'spec.jobTemplate.spec.template.spec.restartPolicy', message: `restartPolicy ${restart ?? 'unset'} is not OnFailure or Never` });
    return findings;
  })],
  [PolicyCheck.DEPLOYMENT_REPLICAS, (ctx) => ctx.pods.filter((p) => p.kind === 'Deployment' && (p.replicas ?? 1) < 2)
    .map((p) => ({ manifest: p.manifest, path: 'spec.replicas', message: `${p.replicas} replica: any restart is an outage` }))],
  [PolicyCheck.RBAC_WILDCARD, (ctx) => ctx.ofKind('Role', 'ClusterRole').flatMap((r) => asArray(r.rules).map((rule, i) => [rule, i] as const)
    .filter(([rule]) => ['verbs', 'resources', 'apiGroups'].some((f) => asArray(rule?.[f]).includes('*')))
    .map(([, i]) => ({ manifest: r, path: `rules[${i}]`, message: 'grants a wildcard (*)' })))],
  [PolicyCheck.RBAC_SECRETS, (ctx) => ctx.ofKind('Role', 'ClusterRole').flatMap((r) => asArray(r.rules).map((rule, i) => [rule, i] as const)
    .filter(([rule]) => asArray(rule?.resources).some((res) => res === 'secrets' || res === '*') && asArray(rule?.apiGroups).some((g) => g === '' || g === '*'))
    .map(([rule, i]) => ({ manifest: r, path: `rules[${i}]`, message: `grants ${asArray(rule.verbs).join(', ')} on Secrets` })))],
  [PolicyCheck.SERVICE_TYPE, (ctx) => ctx.ofKind('Service').filter((s) => s.spec?.type === 'NodePort')
    .map((s) => ({ manifest: s, path: 'spec.type', message: 'is a NodePort Service (opens a port on every node)' }))],
];
