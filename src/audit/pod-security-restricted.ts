/**
 * The restricted checks of the Pod Security Standards (on top of every baseline check); see the
 * table in pod-security.ts.
 */
import { asArray, asObject, containersOf, isObject, PodRef, podSecurityContext, volumesOf } from './manifest';
import { badSeccompTypes, VALID_SECCOMP_TYPES } from './pod-security-baseline';
import { eachSecurityContext, Finding, show } from './pod-security-check';

// A volume without any source is defaulted to emptyDir by the API server.
const RESTRICTED_VOLUME_SOURCES = new Set([
  'configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret',
]);

export function restrictedVolumes(pod: PodRef): Finding[] {
  const findings: Finding[] = [];
  for (const { volume, path } of volumesOf(pod)) {
    const sources = Object.keys(volume).filter((key) => key !== 'name' && volume[key] !== undefined && volume[key] !== null);
    if (sources.length === 0 || sources.some((key) => RESTRICTED_VOLUME_SOURCES.has(key))) continue;
    findings.push({
      path: `${path}.${sources[0]}`,
      message: `volume ${show(volume.name)} must not use volume type ${show(sources[0])} (restricted allows only ${[...RESTRICTED_VOLUME_SOURCES].join(', ')})`,
    });
  }
  return findings;
}

export function allowPrivilegeEscalation(pod: PodRef): Finding[] {
  return containersOf(pod)
    .filter((c) => c.sc.allowPrivilegeEscalation !== false)
    .map((c) => ({
      path: `${c.path}.securityContext.allowPrivilegeEscalation`,
      message: `${c.label} must set securityContext.allowPrivilegeEscalation=false (it is ${c.sc.allowPrivilegeEscalation === undefined ? 'unset' : show(c.sc.allowPrivilegeEscalation)})`,
    }));
}

export function runAsNonRoot(pod: PodRef): Finding[] {
  const findings: Finding[] = [];
  const podValue = podSecurityContext(pod).runAsNonRoot;
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

export function runAsUser(pod: PodRef): Finding[] {
  return eachSecurityContext(pod, (path, who, sc) => (sc.runAsUser !== 0 ? [] : [{
    path: `${path}.runAsUser`,
    message: `${who} must not set securityContext.runAsUser=0 (running as root is forbidden)`,
  }]));
}

export function seccompProfileRestricted(pod: PodRef): Finding[] {
  const findings = badSeccompTypes(pod);
  const podProfile = podSecurityContext(pod).seccompProfile;
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

export function capabilitiesRestricted(pod: PodRef): Finding[] {
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
