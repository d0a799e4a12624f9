/**
 * Kubernetes Pod Security Standards (https://kubernetes.io/docs/concepts/security/pod-security-standards/),
 * evaluated offline against synthesized manifests.
 *
 * The rules mirror the upstream `k8s.io/pod-security-admission` policy package: every check has the
 * upstream check ID and one entry per upstream policy version ("minimum version") that changed it, so
 * pinning a version reproduces what an API server enforcing `pod-security.kubernetes.io/enforce-version`
 * at that version would accept or reject. The upstream conformance vectors are the test oracle.
 */

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

/** Checks manifests against the Pod Security Standards. */
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
    const pod = extractPod(manifest);
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
// Pod extraction

interface PodContext {
  readonly object: string;
  readonly metadata: any;
  readonly spec: any;
  readonly metadataPath: string;
  readonly specPath: string;
}

/** Where the pod template sits in each pod-bearing kind (the API group is irrelevant to the rules). */
const TEMPLATE_PATHS: Record<string, string[]> = {
  PodTemplate: ['template'],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

function extractPod(manifest: any): PodContext | undefined {
  if (!isObject(manifest) || typeof manifest.kind !== 'string') return undefined;
  const meta = asObject(manifest.metadata);
  const object = `${manifest.kind}/${meta.name ?? meta.generateName ?? ''}`;
  if (manifest.kind === 'Pod') {
    if (!isObject(manifest.spec)) return undefined;
    return { object, metadata: meta, spec: manifest.spec, metadataPath: 'metadata', specPath: 'spec' };
  }
  const templatePath = TEMPLATE_PATHS[manifest.kind];
  if (!templatePath) return undefined;
  let template: any = manifest;
  for (const key of templatePath) template = isObject(template) ? template[key] : undefined;
  if (!isObject(template) || !isObject(template.spec)) return undefined;
  const prefix = templatePath.join('.');
  return {
    object,
    metadata: asObject(template.metadata),
    spec: template.spec,
    metadataPath: `${prefix}.metadata`,
    specPath: `${prefix}.spec`,
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the checks

interface Finding {
  readonly path: string;
  readonly message: string;
}

type CheckFn = (pod: PodContext) => Finding[];

interface ContainerRef {
  readonly container: any;
  /** Path of the container, e.g. 'spec.initContainers[0]'. */
  readonly path: string;
  /** How messages name it, e.g. 'init container "setup"'. */
  readonly label: string;
  /** Its security context, or an empty object. */
  readonly sc: any;
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

function annotationPath(pod: PodContext, key: string): string {
  return `${pod.metadataPath}.annotations['${key}']`;
}

/** Init, regular and ephemeral containers, in the order upstream visits them. */
function containersOf(pod: PodContext): ContainerRef[] {
  const groups: Array<[string, string]> = [
    ['initContainers', 'init container'],
    ['containers', 'container'],
    ['ephemeralContainers', 'ephemeral container'],
  ];
  const refs: ContainerRef[] = [];
  for (const [field, kind] of groups) {
    asArray(pod.spec[field]).forEach((container, i) => {
      if (!isObject(container)) return;
      refs.push({
        container,
        path: `${pod.specPath}.${field}[${i}]`,
        label: `${kind} ${JSON.stringify(container.name ?? `#${i}`)}`,
        sc: asObject(container.securityContext),
      });
    });
  }
  return refs;
}

function podSc(pod: PodContext): Record<string, any> {
  return asObject(pod.spec.securityContext);
}

function show(value: unknown): string {
  return JSON.stringify(value);
}

/** Pods declaring `spec.os.name: windows` are exempt from the Linux-only restricted rules since v1.25. */
function isWindowsPod(pod: PodContext): boolean {
  return asObject(pod.spec.os).name === 'windows';
}

/** User-namespaced pods (`hostUsers: false`) get relaxed root and /proc rules since v1.35 (KEP-127). */
function isUserNamespacePod(pod: PodContext): boolean {
  return pod.spec.hostUsers === false;
}

/** Wraps a check so that it allows pods matching `exempt`. */
function unless(exempt: (pod: PodContext) => boolean, check: CheckFn): CheckFn {
  return (pod) => (exempt(pod) ? [] : check(pod));
}

// ---------------------------------------------------------------------------------------------
// Baseline checks

function hostNamespaces(pod: PodContext): Finding[] {
  return ['hostNetwork', 'hostPID', 'hostIPC']
    .filter((field) => pod.spec[field] === true)
    .map((field) => ({
      path: `${pod.specPath}.${field}`,
      message: `pod must not set ${field}=true (sharing host namespaces is forbidden)`,
    }));
}

function privileged(pod: PodContext): Finding[] {
  return containersOf(pod)
    .filter((c) => c.sc.privileged === true)
    .map((c) => ({
      path: `${c.path}.securityContext.privileged`,
      message: `${c.label} must not set securityContext.privileged=true (privileged containers are forbidden)`,
    }));
}

const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
  'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);

function capabilitiesBaseline(pod: PodContext): Finding[] {
  const findings: Finding[] = [];
  for (const c of containersOf(pod)) {
    asArray(asObject(c.sc.capabilities).add).forEach((cap, i) => {
      if (BASELINE_CAPABILITIES.has(cap)) return;
      findings.push({
        path: `${c.path}.securityContext.capabilities.add[${i}]`,
        message: `${c.label} must not add capability ${show(cap)} (baseline allows only ${[...BASELINE_CAPABILITIES].join(', ')})`,
      });
    });
  }
  return findings;
}

function hostPathVolumes(pod: PodContext): Finding[] {
  const findings: Finding[] = [];
  asArray(pod.spec.volumes).forEach((volume, i) => {
    if (!isObject(volume) || !isObject(volume.hostPath)) return;
    findings.push({
      path: `${pod.specPath}.volumes[${i}].hostPath`,
      message: `volume ${show(volume.name)} must not be a hostPath volume (path ${show(volume.hostPath.path)})`,
    });
  });
  return findings;
}

function hostPorts(pod: PodContext): Finding[] {
  const findings: Finding[] = [];
  for (const c of containersOf(pod)) {
    asArray(c.container.ports).forEach((port, i) => {
      const hostPort = asObject(port).hostPort;
      if (hostPort === undefined || hostPort === null || hostPort === 0) return;
      findings.push({
        path: `${c.path}.ports[${i}].hostPort`,
        message: `${c.label} must not set hostPort=${show(hostPort)} (host ports are forbidden)`,
      });
    });
  }
  return findings;
}

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
const ALLOWED_APPARMOR_TYPES = new Set(['RuntimeDefault', 'Localhost']);

// Upstream has a single version of this check: the field rules were added to it in place, so they
// apply at every pinned policy version, and the deprecated annotations are still enforced too.
function appArmorProfile(pod: PodContext): Finding[] {
  const findings: Finding[] = [];
  const annotations = asObject(pod.metadata.annotations);
  for (const [key, value] of Object.entries(annotations)) {
    if (!key.startsWith(APPARMOR_ANNOTATION_PREFIX)) continue;
    const ok = value === '' || value === 'runtime/default' || (typeof value === 'string' && value.startsWith('localhost/'));
    if (ok) continue;
    findings.push({
      path: annotationPath(pod, key),
      message: `annotation ${key}=${show(value)} is forbidden (AppArmor profile must be "runtime/default" or "localhost/*")`,
    });
  }
  const fieldFinding = (path: string, who: string, profile: unknown): void => {
    if (!isObject(profile) || profile.type === undefined || ALLOWED_APPARMOR_TYPES.has(profile.type)) return;
    findings.push({
      path: `${path}.appArmorProfile.type`,
      message: `${who} must not set securityContext.appArmorProfile.type=${show(profile.type)} (allowed: "RuntimeDefault", "Localhost")`,
    });
  };
  fieldFinding(`${pod.specPath}.securityContext`, 'pod', podSc(pod).appArmorProfile);
  for (const c of containersOf(pod)) fieldFinding(`${c.path}.securityContext`, c.label, c.sc.appArmorProfile);
  return findings;
}

const SELINUX_TYPES_1_0 = ['', 'container_t', 'container_init_t', 'container_kvm_t'];
const SELINUX_TYPES_1_31 = [...SELINUX_TYPES_1_0, 'container_engine_t'];

function seLinuxOptions(allowedTypes: string[]): CheckFn {
  const allowed = new Set(allowedTypes);
  return (pod) => {
    const findings: Finding[] = [];
    const inspect = (path: string, who: string, options: unknown): void => {
      if (!isObject(options)) return;
      const type = options.type ?? '';
      if (!allowed.has(type)) {
        findings.push({
          path: `${path}.seLinuxOptions.type`,
          message: `${who} must not set securityContext.seLinuxOptions.type=${show(type)} (allowed: ${allowedTypes.filter((t) => t).map(show).join(', ')} or unset)`,
        });
      }
      for (const field of ['user', 'role']) {
        if (typeof options[field] === 'string' && options[field].length > 0) {
          findings.push({
            path: `${path}.seLinuxOptions.${field}`,
            message: `${who} must not set securityContext.seLinuxOptions.${field}=${show(options[field])} (custom SELinux ${field}s are forbidden)`,
          });
        }
      }
    };
    inspect(`${pod.specPath}.securityContext`, 'pod', podSc(pod).seLinuxOptions);
    for (const c of containersOf(pod)) inspect(`${c.path}.securityContext`, c.label, c.sc.seLinuxOptions);
    return findings;
  };
}

function procMountDefaultOnly(pod: PodContext): Finding[] {
  return containersOf(pod)
    .filter((c) => c.sc.procMount !== undefined && c.sc.procMount !== null && c.sc.procMount !== 'Default')
    .map((c) => ({
      path: `${c.path}.securityContext.procMount`,
      message: `${c.label} must not set securityContext.procMount=${show(c.sc.procMount)} (only "Default" keeps the /proc masks)`,
    }));
}

const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

function validSeccompAnnotation(value: unknown): boolean {
  return value === 'runtime/default' || value === 'docker/default' || (typeof value === 'string' && value.startsWith('localhost/'));
}

// Before v1.19 seccomp was configured with alpha annotations only.
function seccompProfileBaseline_1_0(pod: PodContext): Finding[] {
  const annotations = asObject(pod.metadata.annotations);
  const names = containersOf(pod).map((c) => c.container.name).filter((name) => typeof name === 'string');
  const keys = [SECCOMP_POD_ANNOTATION, ...names.map((name) => SECCOMP_CONTAINER_ANNOTATION_PREFIX + name)];
  return keys
    .filter((key) => key in annotations && !validSeccompAnnotation(annotations[key]))
    .map((key) => ({
      path: annotationPath(pod, key),
      message: `annotation ${key}=${show(annotations[key])} is forbidden (seccomp profile must be "runtime/default", "docker/default" or "localhost/*")`,
    }));
}

const VALID_SECCOMP_TYPES = new Set(['RuntimeDefault', 'Localhost']);

/** Explicitly set seccomp profile types that are neither RuntimeDefault nor Localhost. */
function badSeccompTypes(pod: PodContext): Finding[] {
  const findings: Finding[] = [];
  const inspect = (path: string, who: string, profile: unknown): void => {
    if (!isObject(profile) || VALID_SECCOMP_TYPES.has(profile.type)) return;
    findings.push({
      path: `${path}.seccompProfile.type`,
      message: `${who} must not set securityContext.seccompProfile.type=${show(profile.type)} (allowed: "RuntimeDefault", "Localhost")`,
    });
  };
  inspect(`${pod.specPath}.securityContext`, 'pod', podSc(pod).seccompProfile);
  for (const c of containersOf(pod)) inspect(`${c.path}.securityContext`, c.label, c.sc.seccompProfile);
  return findings;
}

const SYSCTLS_1_0 = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports'];
const SYSCTLS_1_29 = [
  ...SYSCTLS_1_27,
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];
const SYSCTLS_1_37 = [...SYSCTLS_1_32, 'net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat'];

function sysctls(safe: string[]): CheckFn {
  const allowed = new Set(safe);
  return (pod) => {
    const findings: Finding[] = [];
    asArray(podSc(pod).sysctls).forEach((sysctl, i) => {
      const name = asObject(sysctl).name;
      if (allowed.has(name)) return;
      findings.push({
        path: `${pod.specPath}.securityContext.sysctls[${i}].name`,
        message: `pod must not set sysctl ${show(name)} (not in the safe set of this policy version)`,
      });
    });
    return findings;
  };
}

function windowsHostProcess(pod: PodContext): Finding[] {
  const findings: Finding[] = [];
  if (asObject(podSc(pod).windowsOptions).hostProcess === true) {
    findings.push({
      path: `${pod.specPath}.securityContext.windowsOptions.hostProcess`,
      message: 'pod must not set securityContext.windowsOptions.hostProcess=true (Windows HostProcess pods are forbidden)',
    });
  }
  for (const c of containersOf(pod)) {
    if (asObject(c.sc.windowsOptions).hostProcess !== true) continue;
    findings.push({
      path: `${c.path}.securityContext.windowsOptions.hostProcess`,
      message: `${c.label} must not set securityContext.windowsOptions.hostProcess=true (Windows HostProcess containers are forbidden)`,
    });
  }
  return findings;
}

function hostProbesAndHostLifecycle(pod: PodContext): Finding[] {
  const findings: Finding[] = [];
  for (const c of containersOf(pod)) {
    const handlers: Array<[string, unknown]> = [
      ['livenessProbe', c.container.livenessProbe],
      ['readinessProbe', c.container.readinessProbe],
      ['startupProbe', c.container.startupProbe],
      ['lifecycle.postStart', asObject(c.container.lifecycle).postStart],
      ['lifecycle.preStop', asObject(c.container.lifecycle).preStop],
    ];
    for (const [field, handler] of handlers) {
      for (const action of ['httpGet', 'tcpSocket']) {
        const host = asObject(asObject(handler)[action]).host;
        if (host === undefined || host === null || host === '') continue;
        findings.push({
          path: `${c.path}.${field}.${action}.host`,
          message: `${c.label} must not set ${field}.${action}.host=${show(host)} (probes and lifecycle hooks may only target the pod itself)`,
        });
      }
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------------------------
// Restricted checks

// A volume without any source is defaulted to emptyDir by the API server.
const RESTRICTED_VOLUME_SOURCES = new Set([
  'configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret',
]);

function restrictedVolumes(pod: PodContext): Finding[] {
  const findings: Finding[] = [];
  asArray(pod.spec.volumes).forEach((volume, i) => {
    if (!isObject(volume)) return;
    const sources = Object.keys(volume).filter((key) => key !== 'name' && volume[key] !== undefined && volume[key] !== null);
    if (sources.length === 0 || sources.some((key) => RESTRICTED_VOLUME_SOURCES.has(key))) return;
    findings.push({
      path: `${pod.specPath}.volumes[${i}].${sources[0]}`,
      message: `volume ${show(volume.name)} must not use volume type ${show(sources[0])} (restricted allows only ${[...RESTRICTED_VOLUME_SOURCES].join(', ')})`,
    });
  });
  return findings;
}

function allowPrivilegeEscalation(pod: PodContext): Finding[] {
  return containersOf(pod)
    .filter((c) => c.sc.allowPrivilegeEscalation !== false)
    .map((c) => ({
      path: `${c.path}.securityContext.allowPrivilegeEscalation`,
      message: `${c.label} must set securityContext.allowPrivilegeEscalation=false (it is ${c.sc.allowPrivilegeEscalation === undefined ? 'unset' : show(c.sc.allowPrivilegeEscalation)})`,
    }));
}

function runAsNonRoot(pod: PodContext): Finding[] {
  const findings: Finding[] = [];
  const podValue = podSc(pod).runAsNonRoot;
  if (podValue === false) {
    findings.push({
      path: `${pod.specPath}.securityContext.runAsNonRoot`,
      message: 'pod must not set securityContext.runAsNonRoot=false',
    });
  }
  for (const c of containersOf(pod)) {
    const value = c.sc.runAsNonRoot;
    if (value === true || ((value === undefined || value === null) && podValue === true)) continue;
    findings.push({
      path: `${c.path}.securityContext.runAsNonRoot`,
      message: value === false
        ? `${c.label} must not set securityContext.runAsNonRoot=false`
        : `pod or ${c.label} must set securityContext.runAsNonRoot=true`,
    });
  }
  return findings;
}

function runAsUser(pod: PodContext): Finding[] {
  const findings: Finding[] = [];
  if (podSc(pod).runAsUser === 0) {
    findings.push({
      path: `${pod.specPath}.securityContext.runAsUser`,
      message: 'pod must not set securityContext.runAsUser=0 (running as root is forbidden)',
    });
  }
  for (const c of containersOf(pod)) {
    if (c.sc.runAsUser !== 0) continue;
    findings.push({
      path: `${c.path}.securityContext.runAsUser`,
      message: `${c.label} must not set securityContext.runAsUser=0 (running as root is forbidden)`,
    });
  }
  return findings;
}

function seccompProfileRestricted(pod: PodContext): Finding[] {
  const findings = badSeccompTypes(pod);
  const podProfile = podSc(pod).seccompProfile;
  const podSet = isObject(podProfile) && VALID_SECCOMP_TYPES.has(podProfile.type);
  for (const c of containersOf(pod)) {
    if (podSet || isObject(c.sc.seccompProfile)) continue;
    findings.push({
      path: `${c.path}.securityContext.seccompProfile.type`,
      message: `pod or ${c.label} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
    });
  }
  return findings;
}

function capabilitiesRestricted(pod: PodContext): Finding[] {
  const findings: Finding[] = [];
  for (const c of containersOf(pod)) {
    const capabilities = asObject(c.sc.capabilities);
    if (!asArray(capabilities.drop).includes('ALL')) {
      findings.push({
        path: `${c.path}.securityContext.capabilities.drop`,
        message: `${c.label} must set securityContext.capabilities.drop=["ALL"]`,
      });
    }
    asArray(capabilities.add).forEach((cap, i) => {
      if (cap === 'NET_BIND_SERVICE') return;
      findings.push({
        path: `${c.path}.securityContext.capabilities.add[${i}]`,
        message: `${c.label} must not add capability ${show(cap)} (restricted allows adding only "NET_BIND_SERVICE")`,
      });
    });
  }
  return findings;
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
