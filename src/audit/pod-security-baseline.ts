/**
 * The baseline checks of the Pod Security Standards, one function per upstream check (or per
 * upstream policy version where a version changed it); see the table in pod-security.ts.
 */
import { asArray, asObject, containersOf, isObject, PodRef, podSecurityContext, volumesOf } from './manifest';
import { annotationPath, CheckFn, eachSecurityContext, Finding, show } from './pod-security-check';

export function hostNamespaces(pod: PodRef): Finding[] {
  return ['hostNetwork', 'hostPID', 'hostIPC']
    .filter((field) => pod.spec[field] === true)
    .map((field) => ({
      path: `${pod.specPath}.${field}`,
      message: `pod must not set ${field}=true (sharing host namespaces is forbidden)`,
    }));
}

export function privileged(pod: PodRef): Finding[] {
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

export function capabilitiesBaseline(pod: PodRef): Finding[] {
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

export function hostPathVolumes(pod: PodRef): Finding[] {
  return volumesOf(pod)
    .filter(({ volume }) => isObject(volume.hostPath))
    .map(({ volume, path }) => ({
      path: `${path}.hostPath`,
      message: `volume ${show(volume.name)} must not be a hostPath volume (path ${show(volume.hostPath.path)})`,
    }));
}

export function hostPorts(pod: PodRef): Finding[] {
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
export function appArmorProfile(pod: PodRef): Finding[] {
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
  return findings.concat(eachSecurityContext(pod, (path, who, sc) => {
    const profile = sc.appArmorProfile;
    if (!isObject(profile) || profile.type === undefined || ALLOWED_APPARMOR_TYPES.has(profile.type)) return [];
    return [{
      path: `${path}.appArmorProfile.type`,
      message: `${who} must not set securityContext.appArmorProfile.type=${show(profile.type)} (allowed: "RuntimeDefault", "Localhost")`,
    }];
  }));
}

export const SELINUX_TYPES_1_0 = ['', 'container_t', 'container_init_t', 'container_kvm_t'];
export const SELINUX_TYPES_1_31 = [...SELINUX_TYPES_1_0, 'container_engine_t'];

export function seLinuxOptions(allowedTypes: string[]): CheckFn {
  const allowed = new Set(allowedTypes);
  return (pod) => eachSecurityContext(pod, (path, who, sc) => {
    const options = sc.seLinuxOptions;
    if (!isObject(options)) return [];
    const findings: Finding[] = [];
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
    return findings;
  });
}

export function procMountDefaultOnly(pod: PodRef): Finding[] {
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
export function seccompProfileBaseline_1_0(pod: PodRef): Finding[] {
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

export const VALID_SECCOMP_TYPES = new Set(['RuntimeDefault', 'Localhost']);

/** Explicitly set seccomp profile types that are neither RuntimeDefault nor Localhost. */
export function badSeccompTypes(pod: PodRef): Finding[] {
  return eachSecurityContext(pod, (path, who, sc) => {
    const profile = sc.seccompProfile;
    if (!isObject(profile) || VALID_SECCOMP_TYPES.has(profile.type)) return [];
    return [{
      path: `${path}.seccompProfile.type`,
      message: `${who} must not set securityContext.seccompProfile.type=${show(profile.type)} (allowed: "RuntimeDefault", "Localhost")`,
    }];
  });
}

export const SYSCTLS_1_0 = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
];
export const SYSCTLS_1_27 = [...SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports'];
export const SYSCTLS_1_29 = [
  ...SYSCTLS_1_27,
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
];
export const SYSCTLS_1_32 = [...SYSCTLS_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];
export const SYSCTLS_1_37 = [...SYSCTLS_1_32, 'net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat'];

export function sysctls(safe: string[]): CheckFn {
  const allowed = new Set(safe);
  return (pod) => {
    const findings: Finding[] = [];
    asArray(podSecurityContext(pod).sysctls).forEach((sysctl, i) => {
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

export function windowsHostProcess(pod: PodRef): Finding[] {
  return eachSecurityContext(pod, (path, who, sc) => (asObject(sc.windowsOptions).hostProcess !== true ? [] : [{
    path: `${path}.windowsOptions.hostProcess`,
    message: `${who} must not set securityContext.windowsOptions.hostProcess=true (Windows HostProcess ${who === 'pod' ? 'pods' : 'containers'} are forbidden)`,
  }]));
}

export function hostProbesAndHostLifecycle(pod: PodRef): Finding[] {
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
