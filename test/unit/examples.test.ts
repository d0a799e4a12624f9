import { Testing } from 'cdk8s';
import { EXAMPLES } from '../../examples';
import { PodSecurity, PodSecurityLevel } from '../../src';
import { PreStopHook } from '../../src/cluster/prestop-hook';
import { schemaErrors } from '../harness/schema';

function synthExample(build: (typeof EXAMPLES)[number]['build']): { objects: any[]; yaml: string } {
  const app = Testing.app();
  const chart = build(app);
  return { objects: Testing.synth(chart), yaml: app.synthYaml() };
}

/** Every string in the objects that looks like a password given as a literal (SQL, conninfo, YAML/JSON, ExternalSecret template). */
function passwordLiterals(objects: any[]): string[] {
  const found: string[] = [];
  const patterns = [
    /PASSWORD\s+'[^']*'/i, // SQL: only psql variables (PASSWORD :'var') are allowed
    /password=(?![$%{])[^\s&"']+/i, // libpq conninfo
    /["']?password["']?:\s*["'](?!\{\{|\$\()[^"'{]+["']/i, // JSON/YAML with a literal value (not a template or a kubelet $(VAR) reference)
  ];
  const walk = (value: unknown, where: string) => {
    if (typeof value === 'string') {
      for (const p of patterns) if (p.test(value)) found.push(`${where}: ${value.match(p)![0]}`);
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, `${where}.${k}`);
    }
  };
  for (const o of objects) walk(o, `${o.kind}/${o.metadata.name}`);
  return found;
}

test('the password scan finds literals', () => {
  const bait = [
    { kind: 'ConfigMap', metadata: { name: 'a' }, data: { 'x.sql': "ALTER ROLE app PASSWORD 'hunter22';" } },
    { kind: 'ConfigMap', metadata: { name: 'b' }, data: { dsn: 'host=db password=hunter22' } },
    { kind: 'ConfigMap', metadata: { name: 'c' }, data: { 'c.yaml': 'password: "hunter22"' } },
  ];
  expect(passwordLiterals(bait)).toHaveLength(3);
  expect(passwordLiterals([{
    kind: 'ConfigMap',
    metadata: { name: 'ok' },
    data: {
      s: "ALTER ROLE app PASSWORD :'pw'", t: "password: '{{ .password }}'", u: '"password": "$(PATRONI_RESTAPI_PASSWORD)"',
    },
  }])).toEqual([]);
});

describe.each(EXAMPLES.map((e) => [e.name, e.build, e.userWorkloads ?? []] as const))('example %s', (_name, build, userWorkloads) => {
  const { objects, yaml } = synthExample(build);

  test('every object is valid against the Kubernetes OpenAPI schema, with no unknown fields', () => {
    expect(objects.length).toBeGreaterThan(0);
    expect(objects.flatMap(schemaErrors)).toEqual([]);
  });

  test('every pod template of the library passes Pod Security "restricted", the user\'s own "baseline"', () => {
    const own = (o: any) => userWorkloads.includes(o.metadata.name);
    expect(PodSecurity.checkManifests(objects.filter((o) => !own(o)), { level: PodSecurityLevel.RESTRICTED })).toEqual([]);
    expect(PodSecurity.checkManifests(objects, { level: PodSecurityLevel.BASELINE })).toEqual([]);
  });

  test('no Secret values: no Secret objects, every password env var is a secretKeyRef, no password literal anywhere', () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const env = objects.flatMap((o) => JSON.stringify(o).match(/\{"name":"[A-Z_]*PASSWORD[A-Z_]*"[^}]*\}+/g) ?? []);
    expect(env.length).toBeGreaterThan(0);
    for (const variable of env) expect(variable).toMatch(/"valueFrom":\{"secretKeyRef":/);
    expect(passwordLiterals(objects)).toEqual([]);
  });

  test('every database StatefulSet has the switchover-before-stop preStop hook', () => {
    const statefulSets = objects.filter((o) => o.kind === 'StatefulSet');
    expect(statefulSets.length).toBeGreaterThan(0);
    for (const sts of statefulSets) {
      const grace = sts.spec.template.spec.terminationGracePeriodSeconds;
      expect(sts.spec.template.spec.containers[0].lifecycle.preStop.exec.command).toEqual(PreStopHook.command(PreStopHook.timeoutFor(grace)));
    }
  });

  test('synthesis is deterministic: byte-identical YAML twice', () => {
    expect(synthExample(build).yaml).toBe(yaml);
  });

  test('object names are stable: only Jobs (immutable) and their ConfigMaps carry content hashes', () => {
    for (const o of objects.filter((x) => x.kind !== 'Job' && !/-(bootstrap|scripts)-[0-9a-f]{10}$/.test(x.metadata.name))) {
      expect(o.metadata.name).not.toMatch(/-[0-9a-f]{8,}$/);
    }
  });
});
