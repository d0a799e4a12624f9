/**
 * Reading synthesized Kubernetes manifests (plain objects, e.g. one element of `Chart.toJson()`):
 * where a manifest keeps its pod spec, its containers and their security contexts. One walker for
 * the Pod Security Standards checker and the policy rules, so both see the same pods and paths.
 * Manifests are untrusted input: every accessor tolerates missing or mistyped fields.
 */

export function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asObject(value: unknown): Record<string, any> {
  return isObject(value) ? value : {};
}

export function asArray(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}

/** A manifest as 'Kind/name' (the generateName prefix for objects the API server names). */
export function objectName(manifest: any): string {
  const metadata = asObject(manifest?.metadata);
  return `${manifest?.kind}/${metadata.name ?? metadata.generateName ?? ''}`;
}

/** The namespace of a manifest, '' when it names none. */
export function namespaceOf(manifest: any): string {
  return String(asObject(manifest?.metadata).namespace ?? '');
}

/** Where the pod template sits in each pod-bearing kind (the API group is irrelevant to the checks). */
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

/** The pod template of a controller (or a PodTemplate) and its path; undefined for a Pod and for other kinds. */
export function podTemplateOf(manifest: any): { readonly template: Record<string, any>; readonly path: string } | undefined {
  const path = TEMPLATE_PATHS[manifest?.kind];
  if (!path) return undefined;
  let value = manifest;
  for (const key of path) value = isObject(value) ? value[key] : undefined;
  return isObject(value) ? { template: value, path: path.join('.') } : undefined;
}

/** The pod a manifest runs: a Pod itself, or the pod template of a controller. */
export interface PodRef {
  readonly manifest: any;
  readonly kind: string;
  /** The manifest as 'Kind/name'. */
  readonly object: string;
  /** The pod's metadata: the template's own for a controller, as the pods created from it carry it. */
  readonly metadata: Record<string, any>;
  readonly metadataPath: string;
  readonly spec: Record<string, any>;
  readonly specPath: string;
}

/** The pod of a Pod or a pod-bearing controller; undefined for other manifests and for ones without a pod spec. */
export function podOf(manifest: any): PodRef | undefined {
  if (!isObject(manifest) || typeof manifest.kind !== 'string') return undefined;
  const object = objectName(manifest);
  if (manifest.kind === 'Pod') {
    if (!isObject(manifest.spec)) return undefined;
    return { manifest, kind: manifest.kind, object, metadata: asObject(manifest.metadata), metadataPath: 'metadata', spec: manifest.spec, specPath: 'spec' };
  }
  const found = podTemplateOf(manifest);
  if (!found || !isObject(found.template.spec)) return undefined;
  return {
    manifest,
    kind: manifest.kind,
    object,
    metadata: asObject(found.template.metadata),
    metadataPath: `${found.path}.metadata`,
    spec: found.template.spec,
    specPath: `${found.path}.spec`,
  };
}

export type ContainerGroup = 'initContainers' | 'containers' | 'ephemeralContainers';

/** Init, regular and ephemeral containers: the order in which Pod Security admission visits them. */
export const ALL_CONTAINERS: readonly ContainerGroup[] = ['initContainers', 'containers', 'ephemeralContainers'];

const GROUP_LABELS: Record<ContainerGroup, string> = {
  initContainers: 'init container',
  containers: 'container',
  ephemeralContainers: 'ephemeral container',
};

export interface ContainerRef {
  readonly container: Record<string, any>;
  /** Path of the container, e.g. 'spec.template.spec.initContainers[0]'. */
  readonly path: string;
  /** How messages name it, e.g. 'init container "setup"'. */
  readonly label: string;
  readonly init: boolean;
  /** Its security context, or an empty object. */
  readonly sc: Record<string, any>;
}

/** The containers of a pod in the given groups, in group order. */
export function containersOf(pod: PodRef, groups: readonly ContainerGroup[] = ALL_CONTAINERS): ContainerRef[] {
  const refs: ContainerRef[] = [];
  for (const group of groups) {
    asArray(pod.spec[group]).forEach((container, i) => {
      if (!isObject(container)) return;
      refs.push({
        container,
        path: `${pod.specPath}.${group}[${i}]`,
        label: `${GROUP_LABELS[group]} ${JSON.stringify(container.name ?? `#${i}`)}`,
        init: group === 'initContainers',
        sc: asObject(container.securityContext),
      });
    });
  }
  return refs;
}

/** The pod-level security context, or an empty object. */
export function podSecurityContext(pod: PodRef): Record<string, any> {
  return asObject(pod.spec.securityContext);
}

/** A security setting as it applies to a container: its own, else the pod's. */
export function effectiveSetting(c: ContainerRef, pod: PodRef, field: string): any {
  return c.sc[field] !== undefined ? c.sc[field] : podSecurityContext(pod)[field];
}

/** The pod's volumes that are objects, with their paths. */
export function volumesOf(pod: PodRef): Array<{ readonly volume: Record<string, any>; readonly path: string }> {
  return asArray(pod.spec.volumes)
    .map((volume, i) => ({ volume, path: `${pod.specPath}.volumes[${i}]` }))
    .filter((v) => isObject(v.volume));
}
