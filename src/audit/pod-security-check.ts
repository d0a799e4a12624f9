import { asObject, containersOf, ContainerRef, PodRef, podSecurityContext } from './manifest';

/** One offending field of a pod, found by one Pod Security Standards check. */
export interface Finding {
  readonly path: string;
  readonly message: string;
}

/** A check (one upstream policy version of it) on the pod of a manifest. */
export type CheckFn = (pod: PodRef) => Finding[];

export function show(value: unknown): string {
  return JSON.stringify(value);
}

export function annotationPath(pod: PodRef, key: string): string {
  return `${pod.metadataPath}.annotations['${key}']`;
}

/** Pods declaring `spec.os.name: windows` are exempt from the Linux-only restricted rules since v1.25. */
export function isWindowsPod(pod: PodRef): boolean {
  return asObject(pod.spec.os).name === 'windows';
}

/** User-namespaced pods (`hostUsers: false`) get relaxed root and /proc rules since v1.35 (KEP-127). */
export function isUserNamespacePod(pod: PodRef): boolean {
  return pod.spec.hostUsers === false;
}

/** Wraps a check so that it allows pods matching `exempt`. */
export function unless(exempt: (pod: PodRef) => boolean, check: CheckFn): CheckFn {
  return (pod) => (exempt(pod) ? [] : check(pod));
}

/**
 * Runs `inspect` on the pod's security context, then on each container's, with the path of the
 * security context and how messages name its owner: for rules that apply at both levels alike.
 */
export function eachSecurityContext(pod: PodRef, inspect: (path: string, who: string, sc: Record<string, any>) => Finding[]): Finding[] {
  return [
    ...inspect(`${pod.specPath}.securityContext`, 'pod', podSecurityContext(pod)),
    ...containersOf(pod).flatMap((c: ContainerRef) => inspect(`${c.path}.securityContext`, c.label, c.sc)),
  ];
}
