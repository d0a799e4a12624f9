/**
 * Exemptions from the checks of PolicyRules (policy-rules.ts). Every check names the upstream checks
 * it stands for, so that an exemption can be written in each tool's own annotation convention and
 * the YAML passes the real tools too:
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
import { asObject } from './manifest';
import { PolicyCheck, PolicyExemption } from './policy-check';
import { workloadTemplateOf } from './policy-context';

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

const UPSTREAM_BY_ID: Record<string, Upstream> = UPSTREAM;

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
    const result: Record<string, string> = {};
    const kubeScore = new Set<string>();
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
    return exemptionAnnotationsOver(existing, result);
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

  /**
   * Whether an object is exempt from a check: each tool's annotation is present and our reason is
   * non-empty. Returns the missing pieces otherwise (empty when there is no exemption attempt at all).
   * @internal
   */
  public static _status(manifest: any, check: PolicyCheck): { exempt: boolean; missing: string[] } {
    const annotations: Record<string, string> = {
      ...asObject(asObject(workloadTemplateOf(manifest)?.metadata).annotations),
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

  private constructor() {}
}

/**
 * The annotations of a list of exemptions (as `PolicyExemptions.annotations(list)` makes them) merged into `existing`:
 * its own annotations of the same names replaced, and an existing `kube-score/ignore` list extended (sorted, no
 * duplicates).
 */
export function exemptionAnnotationsOver(existing: Record<string, string>, exemptions: Record<string, string>): Record<string, string> {
  const result = { ...existing, ...exemptions };
  if (existing[KUBE_SCORE_IGNORE] !== undefined) {
    const kubeScore = new Set([existing, exemptions].flatMap((a) => (a[KUBE_SCORE_IGNORE] ?? '').split(',').map((s) => s.trim()).filter((s) => s)));
    if (kubeScore.size > 0) result[KUBE_SCORE_IGNORE] = [...kubeScore].sort().join(',');
  }
  return result;
}
