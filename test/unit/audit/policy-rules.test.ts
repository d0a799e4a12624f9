import { PolicyCheck, PolicyExemptions, PolicyRules } from '../../../src/audit/policy-rules';

/** A small bundle that passes every check: a Deployment with everything the tools ask for. */
function goodBundle(): any[] {
  const labels = { 'app.kubernetes.io/name': 'api', 'app': 'api' };
  const container = {
    name: 'api',
    image: 'example/api:1.2.3',
    imagePullPolicy: 'Always',
    ports: [{ name: 'http', containerPort: 8080 }],
    env: [{ name: 'MODE', value: 'prod' }, { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 's', key: 'password' } } }],
    resources: {
      requests: { 'cpu': '100m', 'memory': '128Mi', 'ephemeral-storage': '64Mi' },
      limits: { 'cpu': '500m', 'memory': '128Mi', 'ephemeral-storage': '256Mi' },
    },
    readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
    livenessProbe: { httpGet: { path: '/live', port: 'http' } },
    securityContext: { allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
  };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'api', namespace: 'ns', labels }, automountServiceAccountToken: false },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'ns', labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'api' } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: 'api',
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'api' } } } },
                ],
              },
            },
            containers: [container],
          },
        },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'ns', labels }, spec: { selector: { app: 'api' }, ports: [{ port: 80, targetPort: 'http' }] } },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'api', namespace: 'ns', labels },
      spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'api' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'api', namespace: 'ns', labels },
      spec: { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Ingress', 'Egress'], ingress: [{ ports: [{ port: 8080 }] }], egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] },
    },
  ];
}

const find = (objects: any[], kind: string, name?: string) =>
  objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
const deployment = (objects: any[]) => find(objects, 'Deployment');
const pod = (objects: any[]) => deployment(objects).spec.template.spec;
const ctr = (objects: any[]) => pod(objects).containers[0];

/** A mutation that breaks one check, and the object that must carry the exemption. */
const CASES: Array<[PolicyCheck, (o: any[]) => void, string]> = [
  [PolicyCheck.CPU_REQUEST, (o) => { delete ctr(o).resources.requests.cpu; }, 'Deployment'],
  [PolicyCheck.MEMORY_REQUEST, (o) => { delete ctr(o).resources.requests.memory; }, 'Deployment'],
  [PolicyCheck.MEMORY_LIMIT, (o) => { delete ctr(o).resources.limits.memory; }, 'Deployment'],
  [PolicyCheck.CPU_LIMIT, (o) => { delete ctr(o).resources.limits.cpu; }, 'Deployment'],
  [PolicyCheck.EPHEMERAL_STORAGE, (o) => { delete ctr(o).resources.limits['ephemeral-storage']; }, 'Deployment'],
  [PolicyCheck.READINESS_PROBE, (o) => { delete ctr(o).readinessProbe; }, 'Deployment'],
  [PolicyCheck.LIVENESS_PROBE, (o) => { delete ctr(o).livenessProbe; }, 'Deployment'],
  [PolicyCheck.PROBES_IDENTICAL, (o) => { ctr(o).livenessProbe = { ...ctr(o).readinessProbe }; }, 'Deployment'],
  [PolicyCheck.PROBE_PORT, (o) => { ctr(o).readinessProbe.httpGet.port = 'metrics'; }, 'Deployment'],
  [PolicyCheck.IMAGE_TAG, (o) => { ctr(o).image = 'example/api:latest'; }, 'Deployment'],
  [PolicyCheck.IMAGE_PULL_POLICY, (o) => { ctr(o).imagePullPolicy = 'IfNotPresent'; }, 'Deployment'],
  [PolicyCheck.PRIVILEGED, (o) => { ctr(o).securityContext.privileged = true; }, 'Deployment'],
  [PolicyCheck.HOST_NETWORK, (o) => { pod(o).hostNetwork = true; }, 'Deployment'],
  [PolicyCheck.HOST_PID, (o) => { pod(o).hostPID = true; }, 'Deployment'],
  [PolicyCheck.HOST_IPC, (o) => { pod(o).hostIPC = true; }, 'Deployment'],
  [PolicyCheck.HOST_PATH, (o) => { pod(o).volumes = [{ name: 'h', hostPath: { path: '/var/log' } }]; }, 'Deployment'],
  [PolicyCheck.HOST_PORT, (o) => { ctr(o).ports[0].hostPort = 8080; }, 'Deployment'],
  [PolicyCheck.RUN_AS_NON_ROOT, (o) => { delete pod(o).securityContext.runAsNonRoot; delete pod(o).securityContext.runAsUser; }, 'Deployment'],
  [PolicyCheck.HIGH_UID, (o) => { pod(o).securityContext.runAsUser = 101; }, 'Deployment'],
  [PolicyCheck.READ_ONLY_ROOT_FS, (o) => { ctr(o).securityContext.readOnlyRootFilesystem = false; }, 'Deployment'],
  [PolicyCheck.PRIVILEGE_ESCALATION, (o) => { delete ctr(o).securityContext.allowPrivilegeEscalation; }, 'Deployment'],
  [PolicyCheck.DROP_ALL_CAPABILITIES, (o) => { ctr(o).securityContext.capabilities = { drop: ['NET_RAW'] }; }, 'Deployment'],
  [PolicyCheck.SECCOMP_PROFILE, (o) => { delete pod(o).securityContext.seccompProfile; }, 'Deployment'],
  [PolicyCheck.SERVICE_ACCOUNT_TOKEN, (o) => { pod(o).automountServiceAccountToken = true; }, 'Deployment'],
  [PolicyCheck.SERVICE_ACCOUNT_EXISTS, (o) => { pod(o).serviceAccountName = 'missing'; }, 'Deployment'],
  [PolicyCheck.ENV_SECRET_LITERAL, (o) => { ctr(o).env.push({ name: 'API_TOKEN', value: 'abc' }); }, 'Deployment'],
  [PolicyCheck.DUPLICATE_ENV, (o) => { ctr(o).env.push({ name: 'MODE', value: 'dev' }); }, 'Deployment'],
  [PolicyCheck.ANTI_AFFINITY, (o) => { delete pod(o).affinity; }, 'Deployment'],
  [PolicyCheck.POD_DISRUPTION_BUDGET, (o) => { find(o, 'PodDisruptionBudget').spec.selector.matchLabels.app = 'other'; }, 'Deployment'],
  [PolicyCheck.PDB_POLICY, (o) => { delete find(o, 'PodDisruptionBudget').spec.unhealthyPodEvictionPolicy; }, 'PodDisruptionBudget'],
  [PolicyCheck.SERVICE_TARGETS_POD, (o) => { find(o, 'Service').spec.selector = { app: 'gone' }; }, 'Service'],
  [PolicyCheck.SELECTOR_MATCHES_TEMPLATE, (o) => { deployment(o).spec.selector.matchLabels = { app: 'x' }; }, 'Deployment'],
  [PolicyCheck.SELECTOR_OVERLAP, (o) => {
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'job', namespace: 'ns', labels: { 'app.kubernetes.io/name': 'api' } }, spec: { template: { metadata: { labels: { app: 'api' } }, spec: { ...pod(o) } } } };
    job.spec.template.spec.containers = [{ ...ctr(o), readinessProbe: undefined, livenessProbe: undefined }];
    o.push(job);
    // Only the Service overlaps in this case (a PodDisruptionBudget would too).
    o.splice(o.indexOf(find(o, 'PodDisruptionBudget')), 1);
  }, 'Service'],
  [PolicyCheck.LABELS, (o) => { find(o, 'Service').metadata.labels = { 'app.kubernetes.io/name': 'bad value!' }; }, 'Service'],
  [PolicyCheck.NETWORK_POLICY, (o) => { find(o, 'NetworkPolicy').spec.policyTypes = ['Ingress']; delete find(o, 'NetworkPolicy').spec.egress; }, 'Deployment'],
  [PolicyCheck.NETWORK_POLICY_RULES, (o) => { find(o, 'NetworkPolicy').spec.podSelector.matchLabels['app.kubernetes.io/name'] = 'api'; }, 'Deployment'],
  [PolicyCheck.NETWORK_POLICY_TARGETS_POD, (o) => {
    o.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'stale', namespace: 'ns', labels: { 'app.kubernetes.io/name': 'x' } }, spec: { podSelector: { matchLabels: { app: 'gone' } }, policyTypes: ['Ingress'] } });
  }, 'NetworkPolicy/stale'],
  [PolicyCheck.JOB_TTL, (o) => {
    o.push({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'once', namespace: 'ns', labels: { 'app.kubernetes.io/name': 'x' } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [] } } } });
  }, 'Job'],
  [PolicyCheck.CRONJOB_DEADLINE, (o) => {
    o.push({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'cron', namespace: 'ns', labels: { 'app.kubernetes.io/name': 'x' } }, spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [] } } } } } });
  }, 'CronJob'],
  [PolicyCheck.DEPLOYMENT_REPLICAS, (o) => { deployment(o).spec.replicas = 1; }, 'Deployment'],
  [PolicyCheck.RBAC_WILDCARD, (o) => { o.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r', namespace: 'ns', labels: { 'app.kubernetes.io/name': 'x' } }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['*'] }] }); }, 'Role'],
  [PolicyCheck.RBAC_SECRETS, (o) => { o.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r', namespace: 'ns', labels: { 'app.kubernetes.io/name': 'x' } }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] }); }, 'Role'],
  [PolicyCheck.SERVICE_TYPE, (o) => { find(o, 'Service').spec.type = 'NodePort'; }, 'Service'],
  [PolicyCheck.STATEFULSET_SERVICE_NAME, (o) => {
    const sts = JSON.parse(JSON.stringify(deployment(o)));
    sts.kind = 'StatefulSet';
    sts.metadata.name = 'db';
    sts.spec.serviceName = 'api';
    o.push(sts);
  }, 'StatefulSet'],
];

test('the reference bundle passes every check', () => {
  expect(PolicyRules.check(goodBundle())).toEqual([]);
});

test('every check has a case', () => {
  expect(new Set(CASES.map(([check]) => check))).toEqual(new Set(PolicyRules.ALL_CHECKS));
});

describe.each(CASES)('%s', (check, mutate, target) => {
  const bad = () => {
    const objects = goodBundle();
    mutate(objects);
    return objects;
  };
  const targetOf = (objects: any[]) => {
    const [kind, name] = target.split('/');
    return find(objects, kind, name);
  };

  test('fails without an exemption', () => {
    const violations = PolicyRules.check(bad());
    const own = violations.filter((v) => v.check === check);
    expect(own.length).toBeGreaterThan(0);
    expect(own[0].object).toBe(`${targetOf(bad()).kind}/${targetOf(bad()).metadata.name}`);
    expect(own[0].upstream).toEqual(PolicyExemptions.upstreamChecks(check));
    expect(own[0].message.length).toBeGreaterThan(10);
  });

  test('passes with its exemption', () => {
    const objects = bad();
    const object = targetOf(objects);
    object.metadata.annotations = PolicyExemptions.annotations([{ check, reason: 'reviewed: test case' }], object.metadata.annotations);
    expect(PolicyRules.check(objects).filter((v) => v.check === check)).toEqual([]);
  });

  test('an exemption without every tool annotation does not count', () => {
    const objects = bad();
    const object = targetOf(objects);
    const annotations = PolicyExemptions.annotations([{ check, reason: 'reviewed: test case' }]);
    const tool = Object.keys(annotations).find((k) => !k.startsWith(PolicyExemptions.REASON_ANNOTATION_PREFIX));
    if (tool) delete annotations[tool];
    else delete annotations[`${PolicyExemptions.REASON_ANNOTATION_PREFIX}${check}`];
    object.metadata.annotations = annotations;
    const own = PolicyRules.check(objects).filter((v) => v.check === check);
    expect(own.length).toBeGreaterThan(0);
  });
});

test('exemption annotations follow each tool\'s convention', () => {
  const annotations = PolicyExemptions.annotations([
    { check: PolicyCheck.READ_ONLY_ROOT_FS, reason: 'Spilo writes /etc/passwd, /run and /tmp at start' },
    { check: PolicyCheck.CPU_LIMIT, reason: 'throttling stalls a database holding locks' },
  ], { 'kube-score/ignore': 'pod-probes' });
  expect(annotations).toEqual({
    'exemptions.cdk8s-pgaas.io/read-only-root-fs': 'Spilo writes /etc/passwd, /run and /tmp at start',
    'exemptions.cdk8s-pgaas.io/cpu-limit': 'throttling stalls a database holding locks',
    'ignore-check.kube-linter.io/no-read-only-root-fs': 'Spilo writes /etc/passwd, /run and /tmp at start',
    'polaris.fairwinds.com/notReadOnlyRootFilesystem-exempt': 'true',
    'polaris.fairwinds.com/cpuLimitsMissing-exempt': 'true',
    'kube-score/ignore': 'container-resources,container-security-context-readonlyrootfilesystem,pod-probes',
  });
  expect(() => PolicyExemptions.annotations([{ check: PolicyCheck.CPU_LIMIT, reason: ' ' }])).toThrow(/needs a reason/);
});

test('an exemption of one check does not exempt another check of the same kube-score group', () => {
  const objects = goodBundle();
  delete ctr(objects).resources.limits.cpu;
  delete ctr(objects).resources.limits.memory;
  deployment(objects).metadata.annotations = PolicyExemptions.annotations([{ check: PolicyCheck.CPU_LIMIT, reason: 'no throttling' }]);
  expect(PolicyRules.check(objects).map((v) => v.check)).toEqual([PolicyCheck.MEMORY_LIMIT]);
});

test('Jobs need no probes; init containers are checked for security', () => {
  const objects = goodBundle();
  pod(objects).initContainers = [{ ...ctr(objects), name: 'init', readinessProbe: undefined, livenessProbe: undefined, securityContext: { ...ctr(objects).securityContext, privileged: true } }];
  expect(PolicyRules.check(objects).map((v) => v.check)).toEqual([PolicyCheck.PRIVILEGED]);
});
