import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { PodSecurity, PodSecurityCheckOptions, PodSecurityLevel, PodSecurityViolation } from '../../../src/audit/pod-security';

// The upstream conformance vectors, vendored with their source and license (test/fixtures/pod-security/README.md).
const VECTORS_DIR = path.resolve(__dirname, '../../fixtures/pod-security');

interface Vector {
  readonly name: string;
  readonly level: PodSecurityLevel;
  readonly version: string;
  readonly expectPass: boolean;
  /** The file name without its trailing number, e.g. 'capabilities_restricted'. */
  readonly check: string;
  readonly file: string;
}

function loadVectors(): Vector[] {
  if (!fs.existsSync(VECTORS_DIR)) return [];
  const vectors: Vector[] = [];
  for (const level of fs.readdirSync(VECTORS_DIR).sort()) {
    const levelDir = path.join(VECTORS_DIR, level);
    if (!fs.statSync(levelDir).isDirectory()) continue;
    for (const version of fs.readdirSync(levelDir).sort()) {
      for (const outcome of ['pass', 'fail']) {
        const dir = path.join(levelDir, version, outcome);
        if (!fs.existsSync(dir)) continue;
        for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
          vectors.push({
            name: `${level}/${version}/${outcome}/${file}`,
            level: level as PodSecurityLevel,
            version,
            expectPass: outcome === 'pass',
            check: file.replace(/\d*\.yaml$/, ''),
            file: path.join(dir, file),
          });
        }
      }
    }
  }
  return vectors;
}

function readManifests(file: string): any[] {
  return YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map((doc) => doc.toJS())
    .filter((doc) => doc !== null && doc !== undefined);
}

/**
 * At restricted, upstream replaces some baseline checks with a stricter restricted one (its
 * "overrides"), so a vector written for the baseline check is rejected under the restricted ID.
 */
function acceptedChecks(vector: Vector): string[] {
  if (vector.level !== PodSecurityLevel.RESTRICTED) return [vector.check];
  const minor = Number(vector.version.replace(/^v1\./, ''));
  const overriddenBy: Record<string, string> = {
    hostpathvolumes: 'restrictedvolumes',
    capabilities_baseline: 'capabilities_restricted',
    seccompprofile_baseline: 'seccompprofile_restricted',
    ...(minor >= 35 ? { procmount: 'procmount_restricted' } : {}),
  };
  return overriddenBy[vector.check] ? [overriddenBy[vector.check]] : [vector.check];
}

/**
 * Rules that some fail fixtures break besides their own, because the upstream fixture needs it:
 * a HostProcess pod must use the host network, privileged containers cannot set
 * allowPrivilegeEscalation=false, and the allowPrivilegeEscalation fixtures drop the whole
 * securityContext (and with it `capabilities.drop`).
 */
const INHERENT_VIOLATIONS: Record<string, string[]> = {
  'baseline/windowshostprocess': ['hostnamespaces'],
  'restricted/windowshostprocess': ['hostnamespaces'],
  'restricted/privileged': ['allowprivilegeescalation'],
  'restricted/allowprivilegeescalation': ['capabilities_restricted'],
};

const vectors = loadVectors();

describe('upstream conformance vectors', () => {
  test('are present in the repository', () => {
    if (!fs.existsSync(VECTORS_DIR)) {
      throw new Error(`Pod Security conformance vectors not found at ${VECTORS_DIR}: they ship with the repository (test/fixtures/pod-security)`);
    }
    expect(vectors.length).toBeGreaterThan(0);
    // Every level and version the README promises is there, with both outcomes.
    for (const level of ['baseline', 'restricted']) {
      for (const version of ['v1.27', 'v1.37']) {
        for (const outcome of ['pass', 'fail']) {
          expect(vectors.some((v) => v.name.startsWith(`${level}/${version}/${outcome}/`))).toBe(true);
        }
      }
    }
  });

  // test.each rejects an empty table; the test above already fails loudly in that case.
  const table = vectors.length > 0 ? vectors : [undefined];
  test.each(table.map((v) => [v?.name ?? '(no vectors)', v] as const))('%s', (_name, vector) => {
    if (!vector) throw new Error(`no conformance vectors under ${VECTORS_DIR}`);
    const manifests = readManifests(vector.file);
    expect(manifests.length).toBeGreaterThan(0);
    const violations = PodSecurity.checkManifests(manifests, { level: vector.level, version: vector.version });
    if (vector.expectPass) {
      expect(violations).toEqual([]);
    } else {
      expect(violations.length).toBeGreaterThan(0);
      // The vector's own rule must be reported, and nothing beyond the rules its fixture inherently breaks.
      const checks = [...new Set(violations.map((v) => v.check.toLowerCase()))].sort();
      const expected = acceptedChecks(vector);
      expect(checks).toEqual(expect.arrayContaining(expected));
      const tolerated = INHERENT_VIOLATIONS[`${vector.level}/${vector.check}`] ?? [];
      expect(checks.filter((c) => !expected.includes(c) && !tolerated.includes(c))).toEqual([]);
      for (const violation of violations) {
        expect(violation.object).toBe(`Pod/${manifests[0].metadata.name}`);
        expect(violation.path).toMatch(/^(spec|metadata)[.[]/);
        expect(violation.message.length).toBeGreaterThan(0);
      }
    }
  });
});

describe('upstream conformance vectors under the other version', () => {
  // The rules that changed between v1.27 and v1.37: new safe sysctls (1.29, 1.32, 1.37), the baseline
  // procMount relaxation for user-namespaced pods (1.35) and the probe/lifecycle host check (1.34).
  const FLIPPED = [
    'baseline/v1.37/pass/procmount1.yaml',
    'baseline/v1.37/pass/sysctls1.yaml',
    'restricted/v1.37/pass/sysctls1.yaml',
    'baseline/v1.27/fail/procmount0.yaml',
    'baseline/v1.27/fail/procmount1.yaml',
    ...[0, 1, 2, 3, 4].flatMap((i) => [
      `baseline/v1.37/fail/hostprobesandhostlifecycle${i}.yaml`,
      `restricted/v1.37/fail/hostprobesandhostlifecycle${i}.yaml`,
    ]),
  ];

  test('only the vectors of rules that changed get the opposite verdict', () => {
    expect(vectors.length).toBeGreaterThan(0);
    const flipped = vectors.filter((vector) => {
      const other = vector.version === 'v1.27' ? 'v1.37' : 'v1.27';
      const violations = PodSecurity.checkManifests(readManifests(vector.file), { level: vector.level, version: other });
      return (violations.length === 0) !== vector.expectPass;
    }).map((v) => v.name);
    expect(flipped.sort()).toEqual([...FLIPPED].sort());
  });
});

// ---------------------------------------------------------------------------------------------

const RESTRICTED: PodSecurityCheckOptions = { level: PodSecurityLevel.RESTRICTED };
const BASELINE: PodSecurityCheckOptions = { level: PodSecurityLevel.BASELINE };

function hardenedContainer(name: string): any {
  return {
    name,
    image: 'postgres:16',
    ports: [{ containerPort: 5432 }],
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
    },
    readinessProbe: { tcpSocket: { port: 5432 } },
  };
}

function hardenedPodSpec(): any {
  return {
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 101,
      fsGroup: 103,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    initContainers: [hardenedContainer('init')],
    containers: [hardenedContainer('postgres'), hardenedContainer('exporter')],
    volumes: [
      { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
      { name: 'run', emptyDir: {} },
      { name: 'config', configMap: { name: 'config' } },
      { name: 'tls', secret: { secretName: 'tls' } },
    ],
  };
}

function pod(spec: any, metadata: any = {}): any {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ...metadata }, spec };
}

function checkIds(violations: PodSecurityViolation[]): string[] {
  return [...new Set(violations.map((v) => v.check))].sort();
}

describe('hardened pod', () => {
  test.each(['latest', 'v1.37', 'v1.30', 'v1.27', 'v1.23', 'v1.19'])('passes restricted at %s', (version) => {
    expect(PodSecurity.checkManifest(pod(hardenedPodSpec()), { ...RESTRICTED, version })).toEqual([]);
  });

  test('passes baseline', () => {
    expect(PodSecurity.checkManifest(pod(hardenedPodSpec()), BASELINE)).toEqual([]);
  });

  test('a single weakened field is reported with its path and value', () => {
    const spec = hardenedPodSpec();
    spec.containers[1].securityContext.runAsUser = 0;
    expect(PodSecurity.checkManifest(pod(spec), RESTRICTED)).toEqual([{
      check: 'runAsUser',
      object: 'Pod/p',
      path: 'spec.containers[1].securityContext.runAsUser',
      message: expect.stringContaining('"exporter" must not set securityContext.runAsUser=0'),
    }]);
  });

  test('an unhardened pod breaks every restricted rule it omits', () => {
    const violations = PodSecurity.checkManifest(pod({ containers: [{ name: 'c', image: 'x' }] }), RESTRICTED);
    expect(checkIds(violations)).toEqual(['allowPrivilegeEscalation', 'capabilities_restricted', 'runAsNonRoot', 'seccompProfile_restricted']);
    expect(PodSecurity.checkManifest(pod({ containers: [{ name: 'c', image: 'x' }] }), BASELINE)).toEqual([]);
  });
});

describe('pod templates', () => {
  const privilegedSpec = (): any => {
    const spec = hardenedPodSpec();
    spec.containers[0].securityContext.privileged = true;
    return spec;
  };
  const template = (spec: any, annotations?: Record<string, string>): any => ({ metadata: { labels: { app: 'db' }, annotations }, spec });

  test.each([
    ['Deployment', 'apps/v1', (t: any) => ({ replicas: 1, template: t }), 'spec.template.spec'],
    ['StatefulSet', 'apps/v1', (t: any) => ({ serviceName: 'db', template: t }), 'spec.template.spec'],
    ['DaemonSet', 'apps/v1', (t: any) => ({ template: t }), 'spec.template.spec'],
    ['ReplicaSet', 'apps/v1', (t: any) => ({ template: t }), 'spec.template.spec'],
    ['ReplicationController', 'v1', (t: any) => ({ template: t }), 'spec.template.spec'],
    ['Job', 'batch/v1', (t: any) => ({ backoffLimit: 1, template: t }), 'spec.template.spec'],
    ['CronJob', 'batch/v1', (t: any) => ({ schedule: '0 * * * *', jobTemplate: { spec: { template: t } } }), 'spec.jobTemplate.spec.template.spec'],
  ])('%s: the template is checked and the path points into it', (kind, apiVersion, specOf, specPath) => {
    const manifest = { apiVersion, kind, metadata: { name: 'db' }, spec: specOf(template(privilegedSpec())) };
    expect(PodSecurity.checkManifest(manifest, BASELINE)).toEqual([{
      check: 'privileged',
      object: `${kind}/db`,
      path: `${specPath}.containers[0].securityContext.privileged`,
      message: expect.stringContaining('privileged=true'),
    }]);
    const clean = { apiVersion, kind, metadata: { name: 'db' }, spec: specOf(template(hardenedPodSpec())) };
    expect(PodSecurity.checkManifest(clean, RESTRICTED)).toEqual([]);
  });

  test('PodTemplate objects are checked too', () => {
    const manifest = { apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 't' }, template: template(privilegedSpec()) };
    expect(PodSecurity.checkManifest(manifest, BASELINE).map((v) => v.path)).toEqual(['template.spec.containers[0].securityContext.privileged']);
  });

  test('annotations are read from the template metadata, not the workload metadata', () => {
    const key = 'container.apparmor.security.beta.kubernetes.io/postgres';
    const onTemplate = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: { template: template(hardenedPodSpec(), { [key]: 'unconfined' }) },
    };
    expect(PodSecurity.checkManifest(onTemplate, BASELINE)).toEqual([{
      check: 'appArmorProfile',
      object: 'StatefulSet/db',
      path: `spec.template.metadata.annotations['${key}']`,
      message: expect.stringContaining('unconfined'),
    }]);
    const onWorkload = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', annotations: { [key]: 'unconfined' } },
      spec: { template: template(hardenedPodSpec()) },
    };
    expect(PodSecurity.checkManifest(onWorkload, BASELINE)).toEqual([]);
  });

  test('seccomp annotations of a template matter for policies before v1.19', () => {
    const manifest = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'db' },
      spec: { template: template(hardenedPodSpec(), { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' }) },
    };
    expect(checkIds(PodSecurity.checkManifest(manifest, { ...BASELINE, version: 'v1.18' }))).toEqual(['seccompProfile_baseline']);
    expect(PodSecurity.checkManifest(manifest, { ...BASELINE, version: 'v1.19' })).toEqual([]);
  });

  test('checkManifests concatenates the violations of every manifest', () => {
    const bad = pod({ hostNetwork: true, containers: [{ name: 'c', image: 'x' }] });
    const violations = PodSecurity.checkManifests([bad, { kind: 'Service', metadata: { name: 's' } }, pod(hardenedPodSpec()), bad], BASELINE);
    expect(violations.map((v) => `${v.check} ${v.path}`)).toEqual(['hostNamespaces spec.hostNetwork', 'hostNamespaces spec.hostNetwork']);
  });
});

describe('non-pod manifests', () => {
  test.each([
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 5432 }] } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'pdb' }, spec: { maxUnavailable: 1 } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'no-spec' } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'no-template' }, spec: {} },
    { metadata: { name: 'no-kind' }, spec: { hostNetwork: true } },
    null,
    'kind: Pod',
    [],
  ])('%j returns []', (manifest) => {
    expect(PodSecurity.checkManifest(manifest, RESTRICTED)).toEqual([]);
  });
});

describe('versions', () => {
  const run = (manifest: any, level: PodSecurityLevel, version?: string): string[] =>
    checkIds(PodSecurity.checkManifest(manifest, { level, version }));

  test("'v1.27', '1.27' and 'v1.27.4' are the same policy", () => {
    const manifest = pod({ securityContext: { sysctls: [{ name: 'net.ipv4.tcp_keepalive_time', value: '60' }] }, containers: [{ name: 'c', image: 'x' }] });
    for (const version of ['v1.27', '1.27', 'v1.27.4', ' v1.27 ']) {
      expect(run(manifest, PodSecurityLevel.BASELINE, version)).toEqual(['sysctls']);
    }
    expect(run(manifest, PodSecurityLevel.BASELINE, 'v1.29')).toEqual([]);
  });

  test("'latest', the default and versions past the newest policy change all resolve to the newest policy", () => {
    const manifest = pod({ securityContext: { sysctls: [{ name: 'net.ipv4.tcp_notsent_lowat', value: '16384' }] }, containers: [{ name: 'c', image: 'x' }] });
    expect(run(manifest, PodSecurityLevel.BASELINE, 'v1.36')).toEqual(['sysctls']);
    for (const version of [undefined, 'latest', 'LATEST', 'v1.37', 'v1.40', '1.99']) {
      expect(run(manifest, PodSecurityLevel.BASELINE, version)).toEqual([]);
    }
  });

  test('invalid versions and levels are rejected', () => {
    for (const version of ['', 'v2.0', '1', 'one.two', 'v1.x', 'v0.9']) {
      expect(() => PodSecurity.checkManifest(pod(hardenedPodSpec()), { ...BASELINE, version })).toThrow(/invalid Pod Security Standards version/);
    }
    expect(() => PodSecurity.checkManifest(pod(hardenedPodSpec()), { level: 'privileged' as PodSecurityLevel })).toThrow(/invalid Pod Security Standards level/);
  });

  test.each([
    // [what, level, how the hardened pod is changed, a version allowing it, a version rejecting it, check]
    ['probe host', 'baseline', (s: any) => { s.containers[0].readinessProbe = { httpGet: { host: '10.0.0.1', port: 80 } }; }, 'v1.33', 'v1.34', 'hostProbesAndHostLifecycle'],
    ['lifecycle host', 'baseline', (s: any) => { s.containers[0].lifecycle = { preStop: { tcpSocket: { host: 'x', port: 1 } } }; }, 'v1.33', 'v1.34', 'hostProbesAndHostLifecycle'],
    ['runAsUser 0', 'restricted', (s: any) => { s.securityContext.runAsUser = 0; }, 'v1.22', 'v1.23', 'runAsUser'],
    ['CHOWN without drop ALL', 'restricted', (s: any) => { s.containers[0].securityContext.capabilities = { add: ['CHOWN'] }; }, 'v1.21', 'v1.22', 'capabilities_restricted'],
    ['no allowPrivilegeEscalation', 'restricted', (s: any) => { delete s.containers[0].securityContext.allowPrivilegeEscalation; }, 'v1.7', 'v1.8', 'allowPrivilegeEscalation'],
    ['unset seccomp', 'restricted', (s: any) => { delete s.securityContext.seccompProfile; }, 'v1.18', 'v1.19', 'seccompProfile_restricted'],
    ['tcp_rmem sysctl', 'baseline', (s: any) => { s.securityContext.sysctls = [{ name: 'net.ipv4.tcp_rmem', value: '4096 87380 6291456' }]; }, 'v1.32', 'v1.31', 'sysctls'],
    ['ip_local_reserved_ports sysctl', 'baseline', (s: any) => { s.securityContext.sysctls = [{ name: 'net.ipv4.ip_local_reserved_ports', value: '1024' }]; }, 'v1.27', 'v1.26', 'sysctls'],
    ['container_engine_t', 'baseline', (s: any) => { s.securityContext.seLinuxOptions = { type: 'container_engine_t' }; }, 'v1.31', 'v1.30', 'seLinuxOptions'],
  ])('%s: %s policy changes between versions', (_what, level, mutate, allowedAt, rejectedAt, check) => {
    const spec = hardenedPodSpec();
    mutate(spec);
    expect(run(pod(spec), level as PodSecurityLevel, allowedAt)).toEqual([]);
    expect(run(pod(spec), level as PodSecurityLevel, rejectedAt)).toEqual([check]);
  });

  test('user-namespaced pods: baseline relaxes procMount from v1.35, restricted never does', () => {
    const spec = hardenedPodSpec();
    spec.hostUsers = false;
    spec.containers[0].securityContext.procMount = 'Unmasked';
    expect(run(pod(spec), PodSecurityLevel.BASELINE, 'v1.34')).toEqual(['procMount']);
    expect(run(pod(spec), PodSecurityLevel.BASELINE, 'v1.35')).toEqual([]);
    expect(run(pod(spec), PodSecurityLevel.RESTRICTED, 'v1.34')).toEqual(['procMount']);
    expect(run(pod(spec), PodSecurityLevel.RESTRICTED, 'v1.35')).toEqual(['procMount_restricted']);
    spec.hostUsers = true;
    expect(run(pod(spec), PodSecurityLevel.BASELINE, 'v1.35')).toEqual(['procMount']);
  });

  test('user-namespaced pods may run as UID 0 under restricted from v1.35', () => {
    const spec = hardenedPodSpec();
    spec.hostUsers = false;
    spec.securityContext.runAsNonRoot = false;
    spec.securityContext.runAsUser = 0;
    expect(run(pod(spec), PodSecurityLevel.RESTRICTED, 'v1.34')).toEqual(['runAsNonRoot', 'runAsUser']);
    expect(run(pod(spec), PodSecurityLevel.RESTRICTED, 'v1.35')).toEqual([]);
  });

  test('Windows pods are exempt from the Linux-only restricted rules from v1.25', () => {
    const manifest = pod({ os: { name: 'windows' }, securityContext: { runAsNonRoot: true }, containers: [{ name: 'c', image: 'x' }] });
    expect(run(manifest, PodSecurityLevel.RESTRICTED, 'v1.24')).toEqual(['allowPrivilegeEscalation', 'capabilities_restricted', 'seccompProfile_restricted']);
    expect(run(manifest, PodSecurityLevel.RESTRICTED, 'v1.25')).toEqual([]);
    // The exemption needs spec.os: a Linux pod gets no such pass.
    expect(run({ ...manifest, spec: { ...manifest.spec, os: { name: 'linux' } } }, PodSecurityLevel.RESTRICTED, 'v1.25')).toHaveLength(3);
  });

  test('at restricted, baseline checks are replaced by their restricted counterparts only once those exist', () => {
    const spec = hardenedPodSpec();
    spec.containers[0].securityContext.capabilities = { add: ['SYS_ADMIN'] };
    expect(run(pod(spec), PodSecurityLevel.RESTRICTED, 'v1.21')).toEqual(['capabilities_baseline']);
    expect(run(pod(spec), PodSecurityLevel.RESTRICTED, 'v1.22')).toEqual(['capabilities_restricted']);
    expect(run(pod(spec), PodSecurityLevel.BASELINE, 'v1.22')).toEqual(['capabilities_baseline']);
  });
});

describe('individual rules', () => {
  const violationsOf = (mutate: (spec: any) => void, options: PodSecurityCheckOptions = RESTRICTED, metadata?: any) => {
    const spec = hardenedPodSpec();
    mutate(spec);
    return PodSecurity.checkManifest(pod(spec, metadata), options);
  };

  test('every offending container and field gets its own violation', () => {
    const violations = violationsOf((s) => {
      s.hostPID = true;
      s.containers[0].ports = [{ containerPort: 5432, hostPort: 5432 }];
      s.initContainers[0].securityContext.seLinuxOptions = { type: 'spc_t', user: 'root' };
      s.containers[1].securityContext.appArmorProfile = { type: 'Unconfined' };
      s.volumes.push({ name: 'host', hostPath: { path: '/var/run' } });
    }, BASELINE);
    expect(violations.map((v) => [v.check, v.path])).toEqual([
      ['hostNamespaces', 'spec.hostPID'],
      ['hostPathVolumes', 'spec.volumes[4].hostPath'],
      ['hostPorts', 'spec.containers[0].ports[0].hostPort'],
      ['appArmorProfile', 'spec.containers[1].securityContext.appArmorProfile.type'],
      ['seLinuxOptions', 'spec.initContainers[0].securityContext.seLinuxOptions.type'],
      ['seLinuxOptions', 'spec.initContainers[0].securityContext.seLinuxOptions.user'],
    ]);
    expect(violations[2].message).toContain('hostPort=5432');
    expect(violations[4].message).toContain('"spc_t"');
  });

  test('ephemeral containers are checked', () => {
    const violations = violationsOf((s) => { s.ephemeralContainers = [{ name: 'debug', image: 'busybox', securityContext: { privileged: true } }]; }, BASELINE);
    expect(violations.map((v) => v.path)).toEqual(['spec.ephemeralContainers[0].securityContext.privileged']);
  });

  test('restricted volumes name the forbidden type; image and csi volumes are allowed', () => {
    const violations = violationsOf((s) => {
      s.volumes.push({ name: 'nfs', nfs: { server: 'x', path: '/' } }, { name: 'img', image: { reference: 'x' } }, { name: 'csi', csi: { driver: 'x' } });
    });
    expect(violations.map((v) => [v.check, v.path])).toEqual([['restrictedVolumes', 'spec.volumes[4].nfs']]);
    expect(violations[0].message).toContain('"nfs"');
  });

  test('runAsNonRoot: a container may opt in itself, but an explicit false is always reported', () => {
    expect(violationsOf((s) => {
      delete s.securityContext.runAsNonRoot;
      for (const c of [...s.containers, ...s.initContainers]) c.securityContext.runAsNonRoot = true;
    })).toEqual([]);
    const violations = violationsOf((s) => { s.containers[0].securityContext.runAsNonRoot = false; });
    expect(violations.map((v) => [v.check, v.path])).toEqual([['runAsNonRoot', 'spec.containers[0].securityContext.runAsNonRoot']]);
  });

  test('seccomp: the container level may override the pod level, but not with Unconfined', () => {
    expect(violationsOf((s) => {
      s.securityContext.seccompProfile = { type: 'Unconfined' };
      for (const c of [...s.containers, ...s.initContainers]) c.securityContext.seccompProfile = { type: 'Localhost', localhostProfile: 'p.json' };
    }).map((v) => [v.check, v.path])).toEqual([['seccompProfile_restricted', 'spec.securityContext.seccompProfile.type']]);
    expect(violationsOf((s) => { s.containers[0].securityContext.seccompProfile = { type: 'Unconfined' }; }, BASELINE).map((v) => v.check))
      .toEqual(['seccompProfile_baseline']);
  });

  test('capabilities: restricted allows adding only NET_BIND_SERVICE, baseline a fixed set', () => {
    const mutate = (s: any): void => { s.containers[0].securityContext.capabilities = { drop: ['ALL'], add: ['NET_BIND_SERVICE', 'CHOWN', 'NET_RAW'] }; };
    expect(violationsOf(mutate).map((v) => v.path)).toEqual([
      'spec.containers[0].securityContext.capabilities.add[1]',
      'spec.containers[0].securityContext.capabilities.add[2]',
    ]);
    expect(violationsOf(mutate, BASELINE).map((v) => v.path)).toEqual(['spec.containers[0].securityContext.capabilities.add[2]']);
  });

  test('Windows HostProcess is forbidden at pod and container level', () => {
    const violations = violationsOf((s) => {
      s.securityContext.windowsOptions = { hostProcess: true };
      s.containers[0].securityContext.windowsOptions = { hostProcess: true };
    }, BASELINE);
    expect(violations.map((v) => v.path)).toEqual([
      'spec.securityContext.windowsOptions.hostProcess',
      'spec.containers[0].securityContext.windowsOptions.hostProcess',
    ]);
  });
});
