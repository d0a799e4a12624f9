/*
 * What a synthesized object needs to exist before it (in its namespace), read from its manifest: the
 * ServiceAccount its pods run as, the ConfigMaps, Secrets and claims they mount or read env from, the
 * Services whose DNS names they connect to, a StatefulSet's governing Service, a RoleBinding's Role and
 * ServiceAccount. A Secret is "made" by the object that writes it: the library's secret generator Job (its
 * credential specs), an ExternalSecret (its target) or a cert-manager Certificate (its secretName).
 * `orderViolations` lists every reference to an object of the same output that comes after the referencing one.
 */

type Manifest = { kind: string; metadata: { name: string; namespace?: string }; spec?: any; [key: string]: any };

const key = (kind: string, namespace: string | undefined, name: string) => `${kind}/${namespace ?? ''}/${name}`;

function podSpecOf(o: Manifest): any {
  if (o.kind === 'Pod') return o.spec;
  if (o.kind === 'CronJob') return o.spec?.jobTemplate?.spec?.template?.spec;
  return o.spec?.template?.spec;
}

function containersOf(pod: any): any[] {
  return [...pod.initContainers ?? [], ...pod.containers ?? []];
}

/** The `Kind/namespace/name` keys an object references. */
export function referencesOf(o: Manifest, services: readonly Manifest[]): string[] {
  const ns = o.metadata.namespace;
  const refs: string[] = [];
  const pod = podSpecOf(o);
  if (pod) {
    if (pod.serviceAccountName) refs.push(key('ServiceAccount', ns, pod.serviceAccountName));
    for (const v of pod.volumes ?? []) {
      if (v.configMap) refs.push(key('ConfigMap', ns, v.configMap.name));
      if (v.secret) refs.push(key('Secret', ns, v.secret.secretName));
      if (v.persistentVolumeClaim) refs.push(key('PersistentVolumeClaim', ns, v.persistentVolumeClaim.claimName));
      for (const s of v.projected?.sources ?? []) {
        if (s.configMap) refs.push(key('ConfigMap', ns, s.configMap.name));
        if (s.secret) refs.push(key('Secret', ns, s.secret.name));
      }
    }
    for (const c of containersOf(pod)) {
      for (const e of c.env ?? []) {
        if (e.valueFrom?.configMapKeyRef) refs.push(key('ConfigMap', ns, e.valueFrom.configMapKeyRef.name));
        if (e.valueFrom?.secretKeyRef) refs.push(key('Secret', ns, e.valueFrom.secretKeyRef.name));
        if (typeof e.value === 'string') {
          for (const s of services) if (connectsTo(e.value, s)) refs.push(key('Service', s.metadata.namespace, s.metadata.name));
        }
      }
      for (const e of c.envFrom ?? []) {
        if (e.configMapRef) refs.push(key('ConfigMap', ns, e.configMapRef.name));
        if (e.secretRef) refs.push(key('Secret', ns, e.secretRef.name));
      }
    }
  }
  if (o.kind === 'StatefulSet' && o.spec?.serviceName) refs.push(key('Service', ns, o.spec.serviceName));
  if (o.kind === 'RoleBinding') {
    if (o.roleRef?.kind === 'Role') refs.push(key('Role', ns, o.roleRef.name));
    for (const s of o.subjects ?? []) if (s.kind === 'ServiceAccount') refs.push(key('ServiceAccount', s.namespace ?? ns, s.name));
  }
  return [...new Set(refs)];
}

/** A host name of the Service (`<name>.<namespace>.svc`, or a member's `<pod>.<name>.<namespace>.svc`) in an env value. */
function connectsTo(value: string, service: Manifest): boolean {
  const host = `${service.metadata.name}.${service.metadata.namespace}.svc`;
  return new RegExp(`(^|[^a-z0-9-])${host.replace(/\./g, '\\.')}($|[^a-z0-9-])`).test(value);
}

/** The `Secret/namespace/name` keys an object writes. */
export function secretsMadeBy(o: Manifest): string[] {
  const ns = o.metadata.namespace;
  if (o.kind === 'ExternalSecret') return [key('Secret', ns, o.spec?.target?.name ?? o.metadata.name)];
  if (o.kind === 'Certificate' && o.spec?.secretName) return [key('Secret', ns, o.spec.secretName)];
  const made: string[] = [];
  for (const c of containersOf(podSpecOf(o) ?? {})) {
    for (const e of c.env ?? []) {
      if (e.name === 'PGAAS_CREDENTIAL_SPECS') for (const s of JSON.parse(e.value)) made.push(key('Secret', ns, s.name));
    }
  }
  return made;
}

/** Every reference (`Kind/name -> Kind/namespace/name`) to an object of `objects` that comes after the referencing object. */
export function orderViolations(objects: readonly Manifest[]): string[] {
  const position = new Map<string, number>();
  objects.forEach((o, i) => {
    position.set(key(o.kind, o.metadata.namespace, o.metadata.name), i);
    for (const secret of secretsMadeBy(o)) if (!position.has(secret)) position.set(secret, i);
  });
  const services = objects.filter((o) => o.kind === 'Service');
  const violations: string[] = [];
  objects.forEach((o, i) => {
    for (const ref of referencesOf(o, services)) {
      const at = position.get(ref);
      if (at !== undefined && at > i) violations.push(`${o.kind}/${o.metadata.name} -> ${ref}`);
    }
  });
  return violations;
}

/** How many references the objects make to objects of the same output (a check that finds none proves nothing). */
export function referenceCount(objects: readonly Manifest[]): number {
  const present = new Set<string>();
  for (const o of objects) {
    present.add(key(o.kind, o.metadata.namespace, o.metadata.name));
    for (const secret of secretsMadeBy(o)) present.add(secret);
  }
  const services = objects.filter((o) => o.kind === 'Service');
  return objects.reduce((n, o) => n + referencesOf(o, services).filter((r) => present.has(r)).length, 0);
}
