import { Credentials, PostgresClusterProps, PostgresCluster, RotationStrategy } from '../../../src';
import { generatedSecretsProblems, SecretGeneratorScript } from '../../../src/credentials/secret-generator-script';
import { BootstrapSql } from '../../../src/database/bootstrap-sql';
import { unexpectedViolations } from '../../harness/bundle-exemptions';
import { findObject, synth, testChart } from '../../harness/synth';

const ALTERNATING = RotationStrategy.ALTERNATING_USERS;
const SECRET = 'shop-app.shop-db.credentials.postgresql.acid.zalan.do';

function build(props: Partial<PostgresClusterProps> = {}, rotation = 0) {
  const chart = testChart('shop');
  new PostgresCluster(chart, 'db', {
    name: 'shop-db',
    roles: [{ name: 'shop_app', connectionLimit: 20 }],
    databases: [{ name: 'shop', owner: 'shop_app' }],
    passwordSync: true,
    roleCredentials: { shop_app: Credentials.generated({ rotation, rotationStrategy: ALTERNATING }) },
    ...props,
  });
  return synth(chart);
}

function error(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return String(e);
  }
  return '';
}

const specs = (objects: any[]) => JSON.parse(objects.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('shop-db-secrets-')).spec.template.spec.containers[0].env[0].value);
const bootstrapJob = (objects: any[]) => objects.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('shop-db-bootstrap-'));

describe('RotationStrategy.ALTERNATING_USERS', () => {
  test('is opt-in: the default strategy renders exactly what it rendered before', () => {
    expect(Credentials.generated().rotationStrategy).toBe(RotationStrategy.SINGLE_USER);
    const plain = build({ roleCredentials: { shop_app: Credentials.generated() } });
    const single = build({ roleCredentials: { shop_app: Credentials.generated({ rotationStrategy: RotationStrategy.SINGLE_USER }) } });
    expect(single).toEqual(plain);
    expect(specs(plain).find((s: any) => s.name === SECRET).alternatingUsers).toBeUndefined();
  });

  test('the generator logs in to the primary Service before a switch; its pods may reach the members', () => {
    const objects = build({}, 1);
    expect(specs(objects).find((s: any) => s.name === SECRET)).toMatchObject({ username: 'shop_app', rotation: 1, alternatingUsers: { host: 'shop-db', port: 5432 } });
    const policy = findObject(objects, 'NetworkPolicy', 'shop-db-secrets-login-check');
    const generatorPods = objects.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('shop-db-secrets-')).spec.template.metadata.labels;
    expect(generatorPods).toMatchObject(policy.spec.podSelector.matchLabels);
    expect(JSON.stringify(policy.spec.egress)).toContain('5432');
    expect(unexpectedViolations(objects)).toEqual([]);
    // The Job may patch that Secret even before a rotation (it converts a single-user Secret in place), and no other.
    const patch = findObject(build(), 'Role', 'shop-db-secrets').rules.filter((r: any) => r.verbs.includes('patch'));
    expect(patch).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['patch'], resourceNames: [SECRET] }]);
  });

  test('the bootstrap creates both logins from their keys of the one Secret; the sync follows the logins, not the NOLOGIN role', () => {
    const objects = build();
    const env = bootstrapJob(objects).spec.template.spec.containers[0].env.filter((e: any) => e.name.startsWith('PGAAS_PASSWORD_'));
    expect(env.map((e: any) => [e.name, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key])).toEqual([
      ['PGAAS_PASSWORD_SHOP_APP_A', SECRET, 'password-a'],
      ['PGAAS_PASSWORD_SHOP_APP_B', SECRET, 'password-b'],
    ]);
    const pod = findObject(objects, 'Deployment', 'shop-db-password-sync').spec.template.spec;
    expect(JSON.parse(pod.containers[0].env.find((e: any) => e.name === 'PGAAS_SYNC_ROLES').value).map((r: any) => r.role)).toEqual(['shop_app_a', 'shop_app_b']);
    expect(pod.volumes.filter((v: any) => v.secret?.secretName === SECRET).map((v: any) => v.secret.items)).toEqual([
      [{ key: 'password-a', path: 'password' }], [{ key: 'password-b', path: 'password' }],
    ]);
  });

  test('apps read the active pair: userCredentials and addConnectionEnv name the Secret\'s username and password keys', () => {
    const chart = testChart('shop');
    const db = new PostgresCluster(chart, 'db', {
      name: 'shop-db', roles: [{ name: 'shop_app' }], passwordSync: true, roleCredentials: { shop_app: Credentials.generated({ rotationStrategy: ALTERNATING }) },
    });
    expect(db.userCredentials('shop_app')).toEqual({ secretName: SECRET, usernameKey: 'username', passwordKey: 'password' });
    const env = db.connectionEnvVars({ user: 'shop_app' });
    expect(env.find((e) => e.name === 'PGUSER')!.valueFrom!.secretKeyRef).toEqual({ name: SECRET, key: 'username' });
    expect(env.find((e) => e.name === 'PGPASSWORD')!.valueFrom!.secretKeyRef).toEqual({ name: SECRET, key: 'password' });
  });

  test('the bootstrap SQL: the declared role NOLOGIN, its logins members that act as it', () => {
    const sql = BootstrapSql.render({ roles: [{ name: 'shop_app', connectionLimit: 20 }], alternatingLogins: ['shop_app'] });
    expect(sql).toContain('CREATE ROLE "shop_app" WITH NOLOGIN');
    for (const login of ['shop_app_a', 'shop_app_b']) {
      expect(sql).toContain(`CREATE ROLE "${login}" WITH LOGIN NOSUPERUSER INHERIT NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 20`);
      expect(sql).toContain(`GRANT "shop_app" TO "${login}"`);
      expect(sql).toContain(`ALTER ROLE "${login}" SET role = ''shop_app''`);
    }
    expect(BootstrapSql.loginRoles({ roles: [{ name: 'shop_app' }], alternatingLogins: ['shop_app'] }).map((l) => l.role)).toEqual(['shop_app_a', 'shop_app_b']);
  });

  test('names: the logins must fit 63 bytes, must not collide with declared roles, and name a declared login role', () => {
    const long = 'r'.repeat(62);
    expect(BootstrapSql.problems({ roles: [{ name: long }], alternatingLogins: [long] }).map((p) => `${p.property}: ${p.rule}`))
      .toEqual([expect.stringMatching(/^alternatingLogins\[0\]: is 62 bytes: .* at most 61/)]);
    expect(BootstrapSql.problems({ roles: [{ name: 'r'.repeat(61) }], alternatingLogins: ['r'.repeat(61)] })).toEqual([]);
    expect(BootstrapSql.problems({ roles: [{ name: 'app' }, { name: 'app_b' }], alternatingLogins: ['app'] }).map((p) => p.property)).not.toEqual([]);
    expect(BootstrapSql.problems({ roles: [{ name: 'app', login: false }], alternatingLogins: ['app'] }).map((p) => p.rule)).toEqual([expect.stringContaining('must be a login role')]);
    expect(BootstrapSql.problems({ roles: [{ name: 'app', superuser: true }], alternatingLogins: ['app'] }).map((p) => p.rule)).toEqual([expect.stringContaining('cannot be a superuser')]);
    expect(BootstrapSql.problems({ alternatingLogins: ['ghost'] }).map((p) => p.rule)).toEqual([expect.stringContaining('must name a role declared in roles')]);
    expect(error(() => build({ roles: [{ name: long }], roleCredentials: { [long]: Credentials.generated({ rotationStrategy: ALTERNATING }) } })))
      .toContain('alternatingLogins[0]');
    expect(generatedSecretsProblems([{ name: 'a', username: 'r'.repeat(62), alternatingUsers: { host: 'db', port: 5432 } }]).map((p) => p.property)).toEqual(['secrets[0].username']);
    expect(generatedSecretsProblems([{ name: 'a', username: 'app', alternatingUsers: { host: '', port: 0 } }]).map((p) => p.property)).toEqual(['secrets[0].alternatingUsers']);
  });

  test('refused for users whose name is fixed: superuser, replication, Patroni API, pooler, monitoring; an unknown strategy is reported', () => {
    const message = error(() => build({
      connectionPooler: {},
      superuserCredentials: Credentials.generated({ rotationStrategy: ALTERNATING }),
      replicationCredentials: Credentials.generated({ rotationStrategy: ALTERNATING }),
      patroniApiCredentials: Credentials.generated({ rotationStrategy: ALTERNATING }),
      roleCredentials: { pooler: Credentials.generated({ rotationStrategy: ALTERNATING }), shop_app: Credentials.generated({ rotationStrategy: 'alternating' as any }) },
    }));
    for (const property of ['superuserCredentials', 'replicationCredentials', 'patroniApiCredentials', 'roleCredentials.pooler']) {
      expect(message).toContain(`${property}.rotationStrategy: "alternating-users" is invalid: cannot be used here`);
    }
    expect(message).toContain('roleCredentials.shop_app.rotationStrategy: "alternating" is invalid: must be one of single-user, alternating-users');
  });

  test('the script documents and validates the spec key', () => {
    expect(SecretGeneratorScript.secretsEnvValue([{ name: 'a', username: 'app', alternatingUsers: { host: 'db', port: 5432 } }]))
      .toBe('[{"name":"a","username":"app","alternatingUsers":{"host":"db","port":5432}}]');
    expect(SecretGeneratorScript.render()).toContain('def ensure_alternating(');
  });
});
