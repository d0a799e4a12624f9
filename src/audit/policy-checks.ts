/**
 * The implementations of the policy checks, in report order: one entry per {@link PolicyCheck}.
 */
import { asArray, asObject, ContainerRef, effectiveSetting, isObject, namespaceOf, objectName, podSecurityContext, volumesOf } from './manifest';
import { PolicyCheck } from './policy-check';
import { Finding, mapSelectorMatches, perContainer, PodTemplate, policyTypes, quantitySet, Run, selectorMatches, workloadTemplateOf } from './policy-context';
import { Rules } from '../private/validation';

function resourceCheck(kind: 'requests' | 'limits', name: string, why: string): Run {
  return perContainer((c) => (quantitySet(c.container.resources, kind, name) ? undefined : [[`.resources.${kind}`, `sets no ${name} ${kind === 'requests' ? 'request' : 'limit'} (${why})`]]));
}

function probe(c: ContainerRef, pod: PodTemplate, field: string, why: string): Array<[string, string]> | undefined {
  if (!pod.longRunning || c.init) return undefined;
  return isObject(c.container[field]) ? undefined : [[`.${field}`, `has no ${field} (${why})`]];
}

const SECRET_LIKE_NAME = [/password/i, /token/i, /bearer/i, /secret/i, /^AWS_SECRET_ACCESS_KEY$/i, /^GOOGLE_APPLICATION_CREDENTIALS$/i, /^AZURE_.+KEY$/i, /^OCI_CLI_KEY_CONTENT$/i];
const SPREAD_KEYS = new Set(['kubernetes.io/hostname', 'topology.kubernetes.io/zone', 'topology.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/region']);

function imageProblem(image: unknown): string | undefined {
  if (typeof image !== 'string' || image === '') return 'has no image';
  if (image.includes('@sha256:')) return undefined;
  const last = image.split('/').pop() ?? '';
  if (!last.includes(':')) return `image "${image}" has no tag (means latest)`;
  if (last.split(':').pop() === 'latest') return `image "${image}" uses the latest tag`;
  return undefined;
}

export const CHECKS: Array<[PolicyCheck, Run]> = [
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
  [PolicyCheck.PRIVILEGED, perContainer((c) => (c.sc.privileged === true ? [['.securityContext.privileged', 'runs privileged']] : undefined))],
  ...(['hostNetwork', 'hostPID', 'hostIPC'] as const).map((field): [PolicyCheck, Run] => [
    { hostNetwork: PolicyCheck.HOST_NETWORK, hostPID: PolicyCheck.HOST_PID, hostIPC: PolicyCheck.HOST_IPC }[field],
    (ctx) => ctx.pods.filter((p) => p.spec[field] === true).map((p) => ({ manifest: p.manifest, path: `${p.specPath}.${field}`, message: `pod sets ${field}: true (shares the node's namespace)` })),
  ]),
  [PolicyCheck.HOST_PATH, (ctx) => ctx.pods.flatMap((p) => volumesOf(p).filter(({ volume }) => isObject(volume.hostPath))
    .map(({ volume, path }) => ({ manifest: p.manifest, path: `${path}.hostPath`, message: `volume "${volume.name}" mounts the node's ${volume.hostPath.path}` })))],
  [PolicyCheck.HOST_PORT, perContainer((c) => asArray(c.container.ports).map((p, i) => [p, i] as const).filter(([p]) => p?.hostPort)
    .map(([p, i]) => [`.ports[${i}].hostPort`, `binds host port ${p.hostPort}`] as [string, string]))],
  [PolicyCheck.RUN_AS_NON_ROOT, perContainer((c, pod) => {
    const nonRoot = effectiveSetting(c, pod, 'runAsNonRoot');
    const user = effectiveSetting(c, pod, 'runAsUser');
    if (user === 0) return [['.securityContext.runAsUser', 'runs as uid 0']];
    if (c.sc.runAsGroup === 0 || podSecurityContext(pod).runAsGroup === 0) return [['.securityContext.runAsGroup', 'runs with gid 0']];
    return nonRoot === true || (typeof user === 'number' && user > 0) ? undefined : [['.securityContext', 'may run as root: set runAsNonRoot: true and a non-zero runAsUser']];
  })],
  [PolicyCheck.HIGH_UID, perContainer((c, pod) => {
    const user = effectiveSetting(c, pod, 'runAsUser');
    const group = effectiveSetting(c, pod, 'runAsGroup');
    return typeof user === 'number' && user >= 10000 && typeof group === 'number' && group >= 10000 ? undefined
      : [['.securityContext', `runs as uid ${user ?? 'unset'} / gid ${group ?? 'unset'}, not both >= 10000 (ids that no host account uses)`]];
  })],
  [PolicyCheck.READ_ONLY_ROOT_FS, perContainer((c) => (c.sc.readOnlyRootFilesystem === true ? undefined
    : [['.securityContext.readOnlyRootFilesystem', 'has a writable root filesystem']]))],
  [PolicyCheck.PRIVILEGE_ESCALATION, perContainer((c) => {
    if (c.sc.allowPrivilegeEscalation !== false) return [['.securityContext.allowPrivilegeEscalation', 'does not set allowPrivilegeEscalation: false']];
    return asArray(asObject(c.sc.capabilities).add).includes('SYS_ADMIN') ? [['.securityContext.capabilities.add', 'adds SYS_ADMIN']] : undefined;
  })],
  [PolicyCheck.DROP_ALL_CAPABILITIES, perContainer((c) => {
    const caps = asObject(c.sc.capabilities);
    const problems: Array<[string, string]> = [];
    if (!asArray(caps.drop).includes('ALL')) problems.push(['.securityContext.capabilities.drop', 'does not drop ALL capabilities']);
    const dangerous = asArray(caps.add).filter((a) => ['ALL', 'SYS_ADMIN', 'NET_ADMIN', 'NET_RAW'].includes(a));
    if (dangerous.length) problems.push(['.securityContext.capabilities.add', `adds ${dangerous.join(', ')}`]);
    return problems;
  })],
  [PolicyCheck.SECCOMP_PROFILE, perContainer((c, pod) => {
    const type = asObject(effectiveSetting(c, pod, 'seccompProfile')).type;
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
    const exists = ctx.ofKind('ServiceAccount').some((sa) => asObject(sa.metadata).name === name && namespaceOf(sa) === p.namespace);
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
    .filter((p) => ctx.pdbsFor(p).length === 0)
    .map((p) => ({ manifest: p.manifest, path: `${p.metadataPath}.labels`, message: `${p.replicas} replicas and no PodDisruptionBudget selects its pods (a drain may evict them all at once)` }))],
  [PolicyCheck.PDB_POLICY, (ctx) => ctx.ofKind('PodDisruptionBudget').flatMap((pdb) => {
    const spec = asObject(pdb.spec);
    const findings: Finding[] = [];
    const add = (path: string, message: string) => findings.push({ manifest: pdb, path, message });
    if (spec.minAvailable === undefined && spec.maxUnavailable === undefined) add('spec', 'sets neither minAvailable nor maxUnavailable');
    if (spec.maxUnavailable === 0 || spec.maxUnavailable === '0' || spec.maxUnavailable === '0%') add('spec.maxUnavailable', 'maxUnavailable 0 blocks every voluntary disruption (node drains never finish)');
    if (spec.minAvailable === '100%') add('spec.minAvailable', 'minAvailable 100% blocks every voluntary disruption');
    if (typeof spec.minAvailable === 'number') {
      const replicas = ctx.pods.filter((p) => p.namespace === namespaceOf(pdb) && selectorMatches(spec.selector, p.labels))
        .map((p) => p.replicas ?? 1);
      if (replicas.some((r) => spec.minAvailable >= r)) add('spec.minAvailable', `minAvailable ${spec.minAvailable} is not below the replicas of the pods it selects (${replicas.join(', ')}): no eviction is ever allowed`);
    }
    if (!spec.unhealthyPodEvictionPolicy) add('spec.unhealthyPodEvictionPolicy', 'does not set unhealthyPodEvictionPolicy (AlwaysAllow lets a drain evict pods that are not Ready)');
    return findings;
  })],
  [PolicyCheck.STATEFULSET_SERVICE_NAME, (ctx) => ctx.pods.filter((p) => p.kind === 'StatefulSet').flatMap((p) => {
    const name = p.manifest.spec?.serviceName;
    const service = ctx.ofKind('Service').find((s) => asObject(s.metadata).name === name && namespaceOf(s) === p.namespace);
    if (!name) return [{ manifest: p.manifest, path: 'spec.serviceName', message: 'has no serviceName' }];
    if (!service) return [{ manifest: p.manifest, path: 'spec.serviceName', message: `serviceName "${name}" is not a Service of the bundle` }];
    if (service.spec?.clusterIP !== 'None') return [{ manifest: p.manifest, path: 'spec.serviceName', message: `Service "${name}" is not headless (clusterIP: None)` }];
    if (!mapSelectorMatches(service.spec?.selector, p.labels)) return [{ manifest: p.manifest, path: 'spec.serviceName', message: `Service "${name}" does not select the StatefulSet's pods` }];
    return [];
  })],
  [PolicyCheck.SERVICE_TARGETS_POD, (ctx) => ctx.ofKind('Service').filter((s) => s.spec?.type !== 'ExternalName' && Object.keys(asObject(s.spec?.selector)).length > 0)
    .filter((s) => !ctx.podsIn(namespaceOf(s)).some((p) => mapSelectorMatches(s.spec.selector, p.labels)))
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
    const selected = ctx.podsIn(namespaceOf(manifest)).filter((p) => matches(p.labels));
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
    const template = workloadTemplateOf(m);
    for (const [where, map] of [['metadata.labels', labels], ['pod template labels', asObject(asObject(template?.metadata).labels)]] as const) {
      for (const [key, value] of Object.entries(map)) {
        if (typeof value !== 'string' || Rules.labelValue(value) !== undefined) findings.push({ manifest: m, path: where, message: `label ${key} has an invalid value ${JSON.stringify(value)}` });
      }
    }
    return findings;
  })],
  [PolicyCheck.NETWORK_POLICY, (ctx) => ctx.pods.flatMap((p) => {
    const types = new Set(ctx.policiesFor(p).flatMap(policyTypes));
    const missing = ['ingress', 'egress'].filter((t) => !types.has(t));
    return missing.length ? [{ manifest: p.manifest, path: `${p.metadataPath}.labels`, message: `no NetworkPolicy isolates its pods for ${missing.join(' and ')}` }] : [];
  })],
  [PolicyCheck.NETWORK_POLICY_RULES, (ctx) => ctx.pods.flatMap((p) => {
    const ok = ctx.ofKind('NetworkPolicy').some((policy) => {
      if (namespaceOf(policy) !== p.namespace) return false;
      const matchLabels = asObject(policy.spec?.podSelector?.matchLabels);
      // Polaris' schema: oneOf over the pod's labels, i.e. exactly one pod label appears in matchLabels.
      const matching = Object.entries(p.labels).filter(([k, v]) => matchLabels[k] === v).length;
      const types = asArray(policy.spec?.policyTypes).map((t) => String(t).toLowerCase());
      return matching === 1 && asArray(policy.spec?.ingress).length > 0 && asArray(policy.spec?.egress).length > 0 && types.includes('ingress') && types.includes('egress');
    });
    return ok ? [] : [{
      manifest: p.manifest,
      path: `${p.metadataPath}.labels`,
      message: 'no NetworkPolicy selects its pods by exactly one of their labels with non-empty ingress and egress rules (Polaris missingNetworkPolicy)',
    }];
  })],
  [PolicyCheck.NETWORK_POLICY_TARGETS_POD, (ctx) => ctx.ofKind('NetworkPolicy')
    .filter((policy) => !ctx.podsIn(namespaceOf(policy)).some((p) => selectorMatches(policy.spec?.podSelector ?? {}, p.labels)))
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

