import { Credentials, PodSecurity, PodSecurityLevel, PostgresCluster, PostgresClusterProps } from '../../../src';
import { PasswordSync } from '../../../src/credentials/password-sync';
import { generatedSecretsProblems, SecretGeneratorScript } from '../../../src/credentials/secret-generator-script';
import { unexpectedViolations } from '../../harness/bundle-exemptions';
import { findObject, synth, testChart } from '../../harness/synth';

function build(props: Partial<PostgresClusterProps> = {}) {
  const chart = testChart('shop');
  new PostgresCluster(chart, 'db', { name: 'shop-db', roles: [{ name: 'app' }], ...props });
  return synth(chart);
}

const APP_SECRET = 'app.shop-db.credentials.postgresql.acid.zalan.do';
const generator = (objects: any[]) => objects.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('shop-db-secrets-'));
const specs = (objects: any[]) => JSON.parse(generator(objects).spec.template.spec.containers[0].env[0].value);

describe('declarative rotation of generated credentials', () => {
  test('rotation 0 (the default) renders exactly what a cluster without rotation renders', () => {
    const plain = build({ passwordSync: true });
    const zero = build({ passwordSync: true, roleCredentials: { app: Credentials.generated({ rotation: 0 }) } });
    expect(generator(zero).metadata.name).toBe(generator(plain).metadata.name);
    expect(specs(zero).every((s: any) => s.rotation === undefined)).toBe(true);
  });

  test('a rotation is in the spec, changes the Job name, and the Role may patch only that Secret', () => {
    const zero = build({ passwordSync: true });
    const one = build({ passwordSync: true, roleCredentials: { app: Credentials.generated({ rotation: 1 }) } });
    expect(generator(one).metadata.name).not.toBe(generator(zero).metadata.name);
    expect(specs(one).find((s: any) => s.name === APP_SECRET).rotation).toBe(1);
    const rules = findObject(one, 'Role', 'shop-db-secrets').rules;
    expect(rules).toContainEqual({ apiGroups: [''], resources: ['secrets'], verbs: ['patch'], resourceNames: [APP_SECRET] });
    expect(findObject(zero, 'Role', 'shop-db-secrets').rules.some((r: any) => r.verbs.includes('patch'))).toBe(false);
  });

  test('rotation needs passwordSync, and is refused for passwords that reach their consumers as environment variables', () => {
    expect(() => build({ roleCredentials: { app: Credentials.generated({ rotation: 1 }) } })).toThrow(/passwordSync: .* must be true to rotate app/);
    const error = (() => {
      try {
        build({
          passwordSync: true,
          connectionPooler: {},
          superuserCredentials: Credentials.generated({ rotation: 1 }),
          replicationCredentials: Credentials.generated({ rotation: 2 }),
          patroniApiCredentials: Credentials.generated({ rotation: 1 }),
          roleCredentials: { pooler: Credentials.generated({ rotation: 1 }), app: Credentials.generated({ rotation: -1 }) },
        });
      } catch (e) {
        return String(e);
      }
      return '';
    })();
    for (const property of ['superuserCredentials.rotation', 'replicationCredentials.rotation', 'patroniApiCredentials.rotation', 'roleCredentials.pooler.rotation']) {
      expect(error).toContain(`${property}: `);
    }
    expect(error).toContain('roleCredentials.app.rotation: -1 is invalid: must be a whole number >= 0');
  });

  test('the script\'s rules for a rotation hold at synth time', () => {
    expect(generatedSecretsProblems([{ name: 'a', username: 'a', rotation: 1.5 }]).map((p) => p.property)).toEqual(['secrets[0].rotation']);
    expect(SecretGeneratorScript.secretsEnvValue([{ name: 'a', username: 'a', rotation: 3 }])).toBe('[{"name":"a","username":"a","rotation":3}]');
  });
});

describe('password sync', () => {
  test('none by default', () => {
    expect(build().some((o) => o.metadata.name === 'shop-db-password-sync')).toBe(false);
  });

  test('a one-replica Deployment mounting the superuser and every login role\'s Secret except standby; admitted to the members', () => {
    const objects = build({ passwordSync: true, connectionPooler: {} });
    const deployment = findObject(objects, 'Deployment', 'shop-db-password-sync');
    expect(deployment.spec.replicas).toBe(1);
    const pod = deployment.spec.template.spec;
    const secrets = pod.volumes.filter((v: any) => v.secret).map((v: any) => v.secret.secretName);
    expect(secrets).toEqual([
      'postgres.shop-db.credentials.postgresql.acid.zalan.do',
      APP_SECRET,
      'pooler.shop-db.credentials.postgresql.acid.zalan.do',
    ]);
    const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(JSON.parse(env.PGAAS_SYNC_ROLES)).toEqual([
      { role: 'app', passwordFile: '/pgaas/roles/app/password' },
      { role: 'pooler', passwordFile: '/pgaas/roles/pooler/password' },
    ]);
    expect(env.PGHOST).toBe('shop-db.shop.svc');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers[0].env.some((e: any) => e.valueFrom)).toBe(false);
    expect(findObject(objects, 'ConfigMap', 'shop-db-password-sync').data['password-sync.py']).toBe(PasswordSync.SCRIPT_SOURCE);
    const policy = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name.endsWith('password-sync'));
    expect(policy.spec.podSelector.matchLabels).toEqual({ [Object.keys(policy.spec.podSelector.matchLabels)[0]]: 'shop-db-password-sync' });
    expect(deployment.spec.template.metadata.labels).toMatchObject(policy.spec.podSelector.matchLabels);
  });

  test('passes Pod Security "restricted" and the policy rule set (with written exemptions); probes follow the loop\'s heartbeat', () => {
    const objects = build({ passwordSync: true, roleCredentials: { app: Credentials.generated({ rotation: 1 }) } });
    const sync = objects.filter((o) => o.metadata.name === 'shop-db-password-sync' || o.metadata.name?.endsWith('-password-sync'));
    expect(PodSecurity.checkManifests(sync, { level: PodSecurityLevel.RESTRICTED, version: 'v1.30' })).toEqual([]);
    expect(unexpectedViolations(objects)).toEqual([]);
    const container = findObject(objects, 'Deployment', 'shop-db-password-sync').spec.template.spec.containers[0];
    expect(container.livenessProbe.exec.command.join(' ')).toContain('/run/pgaas/heartbeat');
    expect(container.readinessProbe).not.toEqual(container.livenessProbe);
  });
});
