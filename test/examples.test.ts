import { Testing } from 'cdk8s';
import { EXAMPLES } from '../examples';
import { PodSecurity, PodSecurityLevel } from '../src';
import { schemaErrors } from './harness/schema';

function synthExample(build: (typeof EXAMPLES)[number]['build']): { objects: any[]; yaml: string } {
  const app = Testing.app();
  const chart = build(app);
  return { objects: Testing.synth(chart), yaml: app.synthYaml() };
}

describe.each(EXAMPLES.map((e) => [e.name, e.build] as const))('example %s', (_name, build) => {
  const { objects, yaml } = synthExample(build);

  test('every object is valid against the Kubernetes OpenAPI schema, with no unknown fields', () => {
    expect(objects.length).toBeGreaterThan(0);
    expect(objects.flatMap(schemaErrors)).toEqual([]);
  });

  test('every pod template passes Pod Security "restricted"', () => {
    expect(PodSecurity.checkManifests(objects, { level: PodSecurityLevel.RESTRICTED })).toEqual([]);
  });

  test('no Secret values: no Secret objects, no data/stringData, every password env var is a secretKeyRef', () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(yaml).not.toMatch(/^\s*(data|stringData):/m);
    const env = objects.flatMap((o) => JSON.stringify(o).match(/\{"name":"[A-Z_]*PASSWORD[A-Z_]*"[^}]*\}+/g) ?? []);
    expect(env.length).toBeGreaterThan(0);
    for (const variable of env) expect(variable).toMatch(/"valueFrom":\{"secretKeyRef":/);
    expect(yaml).not.toMatch(/password\s*[:=]\s*['"]?\w{6,}/i);
  });

  test('synthesis is deterministic: byte-identical YAML twice', () => {
    expect(synthExample(build).yaml).toBe(yaml);
  });

  test('object names are stable: no hash suffixes', () => {
    for (const o of objects) expect(o.metadata.name).not.toMatch(/-[0-9a-f]{8,}$/);
  });
});
