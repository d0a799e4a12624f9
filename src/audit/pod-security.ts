/**
 * Kubernetes Pod Security Standards (https://kubernetes.io/docs/concepts/security/pod-security-standards/),
 * evaluated offline against synthesized manifests.
 *
 * The rules mirror the upstream `k8s.io/pod-security-admission` policy package: every check has the
 * upstream check ID and one entry per upstream policy version ("minimum version") that changed it, so
 * pinning a version reproduces what an API server enforcing `pod-security.kubernetes.io/enforce-version`
 * at that version would accept or reject. The upstream conformance vectors are the test oracle.
 */
import { podOf } from './manifest';
import { hostNamespaces, privileged, capabilitiesBaseline, hostPathVolumes, hostPorts, appArmorProfile, seLinuxOptions, SELINUX_TYPES_1_0, SELINUX_TYPES_1_31, procMountDefaultOnly, seccompProfileBaseline_1_0, badSeccompTypes, sysctls, SYSCTLS_1_0, SYSCTLS_1_27, SYSCTLS_1_29, SYSCTLS_1_32, SYSCTLS_1_37, windowsHostProcess, hostProbesAndHostLifecycle } from './pod-security-baseline';
import { CheckFn, isUserNamespacePod, isWindowsPod, unless } from './pod-security-check';
import { allowPrivilegeEscalation, capabilitiesRestricted, restrictedVolumes, runAsNonRoot, runAsUser, seccompProfileRestricted } from './pod-security-restricted';

/** A Pod Security Standards level. The `privileged` level is not modelled: it allows everything. */
export enum PodSecurityLevel {
  /** Minimally restrictive: prevents known privilege escalations. */
  BASELINE = 'baseline',
  /** Heavily restricted: current pod hardening best practices (includes every baseline rule). */
  RESTRICTED = 'restricted',
}

/** Options of a Pod Security Standards check. */
export interface PodSecurityCheckOptions {
  /** The level to enforce. */
  readonly level: PodSecurityLevel;

  /**
   * Kubernetes minor version whose policy applies, e.g. 'v1.27' or '1.30' (a patch suffix such as
   * 'v1.30.2' is ignored). Versions newer than the newest policy change, and 'latest', resolve to
   * the newest policy, as the admission controller does.
   *
   * @default 'latest'
   */
  readonly version?: string;
}

/** One way in which a pod (or a pod template) breaks a Pod Security Standards rule. */
export interface PodSecurityViolation {
  /** Upstream check ID, e.g. 'runAsNonRoot', 'capabilities_restricted' or 'seccompProfile_baseline'. */
  readonly check: string;

  /** The offending manifest as 'Kind/name', e.g. 'StatefulSet/db'. */
  readonly object: string;

  /** Path of the offending field in the manifest, e.g. 'spec.template.spec.containers[0].securityContext.runAsUser'. */
  readonly path: string;

  /** Human-readable explanation naming the offending value and the rule. */
  readonly message: string;
}

/**
 * Checks manifests against the Pod Security Standards.
 *
 * @example
 * const violations = PodSecurity.checkManifests(Testing.synth(chart), { level: PodSecurityLevel.RESTRICTED, version: 'v1.30' });
 */
export class PodSecurity {
  /**
   * Checks the pod spec inside a manifest: a Pod, or the pod template of a Deployment, StatefulSet,
   * DaemonSet, ReplicaSet, ReplicationController, Job, CronJob (`spec.jobTemplate.spec.template`)
   * or PodTemplate. Annotations are read from the template's own metadata, as the pods created
   * from it will carry them.
   *
   * @param manifest a Kubernetes manifest as a plain object (e.g. one element of `Chart.toJson()`)
   * @returns the violations; empty when the pod complies, or when the manifest holds no pod spec
   */
  public static checkManifest(manifest: any, options: PodSecurityCheckOptions): PodSecurityViolation[] {
    const checks = activeChecks(options);
    const pod = podOf(manifest);
    if (!pod) return [];
    const violations: PodSecurityViolation[] = [];
    for (const check of checks) {
      for (const finding of check.run(pod)) {
        violations.push({ check: check.id, object: pod.object, path: finding.path, message: finding.message });
      }
    }
    return violations;
  }

  /** Checks every manifest with `checkManifest` and concatenates the violations. */
  public static checkManifests(manifests: any[], options: PodSecurityCheckOptions): PodSecurityViolation[] {
    return manifests.flatMap((manifest) => PodSecurity.checkManifest(manifest, options));
  }
}

// ---------------------------------------------------------------------------------------------
// The check table: upstream check IDs, levels and policy versions

interface VersionedCheck {
  /** Kubernetes minor version (of major 1) from which this variant applies. */
  readonly since: number;
  readonly run: CheckFn;
  /** Baseline check IDs this restricted variant replaces while it applies. */
  readonly overrides?: string[];
}

interface CheckDefinition {
  readonly id: string;
  readonly level: PodSecurityLevel;
  /** Variants, oldest first; a version uses the newest variant whose `since` it has reached. */
  readonly versions: VersionedCheck[];
}

const { BASELINE, RESTRICTED } = PodSecurityLevel;

const CHECKS: CheckDefinition[] = [
  { id: 'hostNamespaces', level: BASELINE, versions: [{ since: 0, run: hostNamespaces }] },
  { id: 'privileged', level: BASELINE, versions: [{ since: 0, run: privileged }] },
  { id: 'capabilities_baseline', level: BASELINE, versions: [{ since: 0, run: capabilitiesBaseline }] },
  { id: 'hostPathVolumes', level: BASELINE, versions: [{ since: 0, run: hostPathVolumes }] },
  { id: 'hostPorts', level: BASELINE, versions: [{ since: 0, run: hostPorts }] },
  { id: 'appArmorProfile', level: BASELINE, versions: [{ since: 0, run: appArmorProfile }] },
  {
    id: 'seLinuxOptions',
    level: BASELINE,
    versions: [
      { since: 0, run: seLinuxOptions(SELINUX_TYPES_1_0) },
      { since: 31, run: seLinuxOptions(SELINUX_TYPES_1_31) },
    ],
  },
  {
    id: 'procMount',
    level: BASELINE,
    versions: [
      { since: 0, run: procMountDefaultOnly },
      { since: 35, run: unless(isUserNamespacePod, procMountDefaultOnly) },
    ],
  },
  {
    id: 'seccompProfile_baseline',
    level: BASELINE,
    versions: [
      { since: 0, run: seccompProfileBaseline_1_0 },
      { since: 19, run: badSeccompTypes },
    ],
  },
  {
    id: 'sysctls',
    level: BASELINE,
    versions: [
      { since: 0, run: sysctls(SYSCTLS_1_0) },
      { since: 27, run: sysctls(SYSCTLS_1_27) },
      { since: 29, run: sysctls(SYSCTLS_1_29) },
      { since: 32, run: sysctls(SYSCTLS_1_32) },
      { since: 37, run: sysctls(SYSCTLS_1_37) },
    ],
  },
  { id: 'windowsHostProcess', level: BASELINE, versions: [{ since: 0, run: windowsHostProcess }] },
  { id: 'hostProbesAndHostLifecycle', level: BASELINE, versions: [{ since: 34, run: hostProbesAndHostLifecycle }] },

  { id: 'restrictedVolumes', level: RESTRICTED, versions: [{ since: 0, run: restrictedVolumes, overrides: ['hostPathVolumes'] }] },
  {
    id: 'allowPrivilegeEscalation',
    level: RESTRICTED,
    versions: [
      { since: 8, run: allowPrivilegeEscalation },
      { since: 25, run: unless(isWindowsPod, allowPrivilegeEscalation) },
    ],
  },
  {
    id: 'runAsNonRoot',
    level: RESTRICTED,
    versions: [
      { since: 0, run: runAsNonRoot },
      { since: 35, run: unless(isUserNamespacePod, runAsNonRoot) },
    ],
  },
  {
    id: 'runAsUser',
    level: RESTRICTED,
    versions: [
      { since: 23, run: runAsUser },
      { since: 35, run: unless(isUserNamespacePod, runAsUser) },
    ],
  },
  {
    id: 'seccompProfile_restricted',
    level: RESTRICTED,
    versions: [
      { since: 19, run: seccompProfileRestricted, overrides: ['seccompProfile_baseline'] },
      { since: 25, run: unless(isWindowsPod, seccompProfileRestricted), overrides: ['seccompProfile_baseline'] },
    ],
  },
  {
    id: 'capabilities_restricted',
    level: RESTRICTED,
    versions: [
      { since: 22, run: capabilitiesRestricted, overrides: ['capabilities_baseline'] },
      { since: 25, run: unless(isWindowsPod, capabilitiesRestricted), overrides: ['capabilities_baseline'] },
    ],
  },
  // Restricted keeps the strict /proc rule for user-namespaced pods that baseline relaxed in v1.35.
  { id: 'procMount_restricted', level: RESTRICTED, versions: [{ since: 35, run: procMountDefaultOnly, overrides: ['procMount'] }] },
];

/** The newest policy version: 'latest' and anything newer resolve to it, as upstream clamps them. */
const LATEST_MINOR = Math.max(...CHECKS.flatMap((c) => c.versions.map((v) => v.since)));

/** Parses 'v1.27', '1.27', 'v1.27.3' or 'latest' into a minor version of Kubernetes 1. */
function parseMinor(version: string | undefined): number {
  if (version === undefined || version.trim().toLowerCase() === 'latest') return LATEST_MINOR;
  const match = /^v?(\d+)\.(\d+)(?:\.\d+)?$/.exec(version.trim());
  if (!match || Number(match[1]) !== 1) {
    throw new Error(`invalid Pod Security Standards version ${JSON.stringify(version)}: expected 'latest' or a Kubernetes 1.x minor version such as 'v1.27'`);
  }
  return Math.min(Number(match[2]), LATEST_MINOR);
}

interface ActiveCheck {
  readonly id: string;
  readonly run: CheckFn;
}

function activeChecks(options: PodSecurityCheckOptions): ActiveCheck[] {
  if (options.level !== BASELINE && options.level !== RESTRICTED) {
    throw new Error(`invalid Pod Security Standards level ${JSON.stringify(options.level)}: expected 'baseline' or 'restricted'`);
  }
  const minor = parseMinor(options.version);
  const active: Array<ActiveCheck & { readonly level: PodSecurityLevel }> = [];
  const overridden = new Set<string>();
  for (const check of CHECKS) {
    if (check.level === RESTRICTED && options.level !== RESTRICTED) continue;
    const variant = [...check.versions].reverse().find((v) => v.since <= minor);
    if (!variant) continue;
    active.push({ id: check.id, level: check.level, run: variant.run });
    for (const id of variant.overrides ?? []) overridden.add(id);
  }
  return active.filter((c) => c.level === RESTRICTED || !overridden.has(c.id));
}
