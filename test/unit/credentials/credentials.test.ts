import * as fs from 'fs';
import { App, Chart, Testing } from 'cdk8s';
import { Credentials, GitOpsOrdering, PostgresCluster, PostgresClusterProps, SecretGenerator, SecretStoreKind } from '../../../src';
import { built as validatedTree, envOf, findObject, spiloContainer, synth, testChart } from '../../harness/synth';

function build(props: Partial<PostgresClusterProps> = {}) {
  const chart = testChart('shop');
  const cluster = new PostgresCluster(chart, 'db', { name: 'shop-db', ...props });
  return { chart, cluster, objects: synth(chart) };
}

const jobs = (objects: any[]) => objects.filter((o) => o.kind === 'Job');
const generatorJob = (objects: any[]) => jobs(objects).find((j) => j.metadata.name.startsWith('shop-db-secrets-'));
const bootstrapJob = (objects: any[]) => jobs(objects).find((j) => j.metadata.name.startsWith('shop-db-bootstrap-'));

describe('generated credentials (default)', () => {
  test('a generator Job creates the superuser and replication Secrets with postgres-operator names', () => {
    const { objects } = build();
    const job = generatorJob(objects);
    const secrets = JSON.parse(job.spec.template.spec.containers[0].env[0].value);
    expect(secrets.map((s: any) => [s.name, s.username])).toEqual([
      ['patroni-api.shop-db.credentials.postgresql.acid.zalan.do', 'patroni'],
      ['postgres.shop-db.credentials.postgresql.acid.zalan.do', 'postgres'],
      ['standby.shop-db.credentials.postgresql.acid.zalan.do', 'standby'],
    ]);
    expect(job.spec.template.spec.containers[0].image).toBe('ghcr.io/zalando/spilo-17:4.0-p3');
    expect(job.spec.template.spec.containers[0].command).toEqual(['python3', '/scripts/generate-secrets.py']);
    expect(findObject(objects, 'ConfigMap', 'shop-db-secrets-script').data['generate-secrets.py']).toMatch(/^#!\/usr\/bin\/env python3/);
  });

  test('its Role allows only create on Secrets and get on exactly the managed ones', () => {
    const { objects } = build({ roles: [{ name: 'app' }] });
    expect(findObject(objects, 'Role', 'shop-db-secrets').rules).toEqual([
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      {
        apiGroups: [''],
        resources: ['secrets'],
        verbs: ['get'],
        resourceNames: [
          'app.shop-db.credentials.postgresql.acid.zalan.do',
          'patroni-api.shop-db.credentials.postgresql.acid.zalan.do',
          'postgres.shop-db.credentials.postgresql.acid.zalan.do',
          'standby.shop-db.credentials.postgresql.acid.zalan.do',
        ],
      },
    ]);
    expect(findObject(objects, 'RoleBinding', 'shop-db-secrets').subjects).toEqual([{ kind: 'ServiceAccount', name: 'shop-db-secrets', namespace: 'shop' }]);
  });

  test('the StatefulSet comes after the generator Job in the output', () => {
    const names = build().objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names.findIndex((n) => n.startsWith('Job/shop-db-secrets-'))).toBeLessThan(names.indexOf('StatefulSet/shop-db'));
  });

  test('the Job name changes exactly when what it generates changes', () => {
    const a = generatorJob(build().objects).metadata.name;
    expect(generatorJob(build().objects).metadata.name).toBe(a);
    expect(generatorJob(build({ roles: [{ name: 'app' }] }).objects).metadata.name).not.toBe(a);
    expect(a).toMatch(/^shop-db-secrets-[0-9a-f]{10}$/);
  });

  test('Job names stay within 63 characters for the longest cluster names', () => {
    const chart = testChart('shop');
    new PostgresCluster(chart, 'db', { name: 'a'.repeat(51), roles: [{ name: 'app' }] });
    for (const job of jobs(synth(chart))) expect(job.metadata.name.length).toBeLessThanOrEqual(63);
  });

  test('a custom Secret name for a generated password', () => {
    const env = envOf(spiloContainer(build({ superuserCredentials: Credentials.generated({ secretName: 'shop-admin' }) }).objects));
    expect(env.PGPASSWORD_SUPERUSER.secretKeyRef).toEqual({ name: 'shop-admin', key: 'password' });
  });
});

describe('existing Secrets', () => {
  test('no generator when every password comes from existing Secrets', () => {
    const { objects } = build({
      superuserCredentials: Credentials.fromSecret('a'), replicationCredentials: Credentials.fromSecret('b'), patroniApiCredentials: Credentials.fromSecret('c'),
    });
    expect(jobs(objects).map((j: any) => j.metadata.name)).toEqual([expect.stringMatching(/^shop-db-config-/), expect.stringMatching(/^shop-db-upgrade-/)]);
    expect(objects.filter((o) => o.metadata.name.startsWith('shop-db-secrets'))).toEqual([]);
  });
});

describe('External Secrets Operator', () => {
  test('a typed ExternalSecret per user: the password from the store, the user name fixed by the declaration', () => {
    const { objects } = build({
      superuserCredentials: Credentials.fromExternalSecret({ secretStoreName: 'vault', secretStoreKind: SecretStoreKind.CLUSTER_SECRET_STORE, remoteKey: 'pg/shop', passwordProperty: 'password' }),
    });
    const external = findObject(objects, 'ExternalSecret');
    expect(external.apiVersion).toBe('external-secrets.io/v1');
    expect(external.metadata.name).toBe('postgres.shop-db.credentials.postgresql.acid.zalan.do');
    expect(external.spec).toEqual({
      refreshInterval: '3600s',
      secretStoreRef: { name: 'vault', kind: 'ClusterSecretStore' },
      target: {
        name: 'postgres.shop-db.credentials.postgresql.acid.zalan.do',
        creationPolicy: 'Owner',
        template: { engineVersion: 'v2', data: { username: 'postgres', password: '{{ .password }}' } },
      },
      data: [{ secretKey: 'password', remoteRef: { key: 'pg/shop', property: 'password' } }],
    });
    // The replication password is still generated.
    expect(JSON.parse(generatorJob(objects).spec.template.spec.containers[0].env[0].value).map((s: any) => s.username)).toEqual(['patroni', 'standby']);
  });
});

describe('GitOps ordering', () => {
  test('Argo CD sync waves: generator -1, bootstrap 1, database untouched (wave 0)', () => {
    const { objects } = build({ roles: [{ name: 'app' }], gitOpsOrdering: GitOpsOrdering.ARGO_CD });
    const wave = (o: any) => o.metadata.annotations?.['argocd.argoproj.io/sync-wave'];
    for (const o of objects.filter((x) => x.kind !== 'NetworkPolicy' && x.metadata.name.startsWith('shop-db-secrets'))) expect(wave(o)).toBe('-1');
    expect(wave(bootstrapJob(objects))).toBe('1');
    expect(wave(findObject(objects, 'StatefulSet'))).toBeUndefined();
  });

  test('no ordering annotations by default', () => {
    for (const o of build({ roles: [{ name: 'app' }] }).objects) expect(o.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBeUndefined();
  });

  test('a generator in its own chart (its own Flux Kustomization) is shared and ordered first', () => {
    const app = new App({ outdir: Testing.app().outdir });
    const secretsChart = new Chart(app, 'secrets', { namespace: 'shop' });
    const dbChart = new Chart(app, 'db', { namespace: 'shop' });
    const generator = new SecretGenerator(secretsChart, 'gen', { name: 'shop-secrets', image: 'ghcr.io/zalando/spilo-17:4.0-p3' });
    new PostgresCluster(dbChart, 'db', { name: 'shop-db', secretGenerator: generator });
    expect(synth(dbChart).filter((o) => o.kind === 'Job').map((o) => o.metadata.name)).toEqual([expect.stringMatching(/^shop-db-config-/), expect.stringMatching(/^shop-db-upgrade-/)]);
    const job = findObject(synth(secretsChart), 'Job');
    expect(JSON.parse(job.spec.template.spec.containers[0].env[0].value)).toHaveLength(3);
    app.synth();
    // cdk8s orders charts by their dependencies: the secrets chart's file comes first.
    expect(fs.readdirSync(app.outdir).sort()).toEqual(['0000-secrets.k8s.yaml', '0001-db.k8s.yaml']);
  });

  test('a generator in another namespace is rejected', () => {
    const app = Testing.app();
    const generator = new SecretGenerator(new Chart(app, 's', { namespace: 'other' }), 'gen', { name: 'g', image: 'x/spilo-17:4.0-p3' });
    expect(() => validatedTree(new PostgresCluster(new Chart(app, 'd', { namespace: 'shop' }), 'db', { name: 'shop-db', secretGenerator: generator })))
      .toThrow(/secretGenerator: "s\/gen" is invalid: must be in the cluster's namespace \(shop\)/);
  });

  test('a generator with nothing to generate fails synthesis', () => {
    const chart = testChart('shop');
    new SecretGenerator(chart, 'gen', { name: 'g', image: 'x/spilo-17:4.0-p3' });
    expect(() => synth(chart)).toThrow(/secrets: \[\] is invalid: must not be empty: add a Secret with addSecret\(\)/);
  });
});

describe('bootstrap Job', () => {
  test('none without roles or databases', () => {
    expect(bootstrapJob(build().objects)).toBeUndefined();
  });

  test('SQL in a ConfigMap with the Job\'s hashed name; passwords only through secretKeyRefs', () => {
    const { objects, cluster } = build({ roles: [{ name: 'app' }], databases: [{ name: 'shop', owner: 'app' }] });
    const job = bootstrapJob(objects);
    const configMap = findObject(objects, 'ConfigMap', job.metadata.name);
    expect(configMap.data['bootstrap.sql']).toBe(cluster.bootstrap!.sql);
    const container = job.spec.template.spec.containers[0];
    expect(container.command.slice(3)).toEqual(['wait-for-primary', 'psql', '-X', '-w', '-q', '-v', 'ON_ERROR_STOP=1', '-f', '/sql/bootstrap.sql']);
    const env = envOf(container);
    expect(env.PGHOST).toBe('shop-db.shop.svc');
    expect(env.PGSSLMODE).toBe('require');
    expect(env.PGPASSWORD).toEqual({ secretKeyRef: { name: 'postgres.shop-db.credentials.postgresql.acid.zalan.do', key: 'password' } });
    expect(env.PGAAS_PASSWORD_APP).toEqual({ secretKeyRef: { name: 'app.shop-db.credentials.postgresql.acid.zalan.do', key: 'password' } });
    expect(job.spec.template.spec.automountServiceAccountToken).toBe(false);
  });

  test('the Job name changes when the declaration changes, not otherwise', () => {
    const name = (props: Partial<PostgresClusterProps>) => bootstrapJob(build(props).objects).metadata.name;
    const base = { roles: [{ name: 'app' }] };
    expect(name(base)).toBe(name(base));
    expect(name({ roles: [{ name: 'app', connectionLimit: 5 }] })).not.toBe(name(base));
  });

  test('connection env for a declared role uses its Secret', () => {
    const { cluster } = build({ roles: [{ name: 'app' }], roleCredentials: { app: Credentials.fromSecret('app-db', { usernameKey: 'user' }) } });
    expect(cluster.users).toEqual(['postgres', 'standby', 'app']);
    expect(cluster.connectionEnvVars({ user: 'app' }).slice(2, 4)).toEqual([
      { name: 'PGUSER', valueFrom: { secretKeyRef: { name: 'app-db', key: 'user' } } },
      { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'app-db', key: 'password' } } },
    ]);
  });
});

describe('Credentials._bind', () => {
  test('generated: the Secret for the generator, with the default name', () => {
    const { value, problems } = Credentials.generated()._bind('app', 'app.db.credentials', { secretLabels: { a: 'b' } });
    expect(problems).toEqual([]);
    expect(value.credentials).toMatchObject({ secretName: 'app.db.credentials', usernameKey: 'username', passwordKey: 'password' });
    expect(value.generatedSecret).toEqual({ name: 'app.db.credentials', username: 'app', labels: { a: 'b' } });
    expect(value.externalSecret).toBeUndefined();
  });

  test('existing Secret: nothing to add; bad keys are problems of their options', () => {
    const { value, problems } = Credentials.fromSecret('app-db', { passwordKey: 'pass word' })._bind('app', 'unused');
    expect(value.credentials.secretName).toBe('app-db');
    expect(value.generatedSecret).toBeUndefined();
    expect(value.externalSecret).toBeUndefined();
    expect(problems.map((p) => p.property)).toEqual(['passwordKey']);
  });

  test('External Secrets Operator: the ExternalSecret that writes the Secret', () => {
    const credentials = Credentials.fromExternalSecret({ secretStoreName: 'vault', remoteKey: 'pg/app', passwordProperty: 'password' });
    const { value, problems } = credentials._bind('app', 'app.db.credentials', { externalSecretMetadata: { labels: { a: 'b' } } });
    expect(problems).toEqual([]);
    expect(value.generatedSecret).toBeUndefined();
    expect(value.externalSecret).toEqual({
      metadata: { labels: { a: 'b' }, name: 'app.db.credentials' },
      secretStoreRef: { name: 'vault', kind: SecretStoreKind.SECRET_STORE },
      refreshInterval: '3600s',
      target: { name: 'app.db.credentials', templateData: { username: 'app', password: '{{ .password }}' } },
      data: [{ secretKey: 'password', remoteRef: { key: 'pg/app', property: 'password' } }],
    });
    expect(Credentials.fromExternalSecret({ secretStoreName: 'Vault', remoteKey: ' ' })._bind('app', 'x').problems.map((p) => p.property))
      .toEqual(['secretStoreName', 'remoteKey']);
  });
});

describe('SecretGenerator problems', () => {
  test('a Secret name generated for two users fails synthesis, the same user twice does not', () => {
    const chart = testChart('shop');
    const generator = new SecretGenerator(chart, 'gen', { name: 'g', image: 'x/spilo-17:4.0-p3' });
    generator.addSecret({ name: 'a', username: 'app' });
    generator.addSecret({ name: 'a', username: 'app' });
    expect(() => synth(chart)).not.toThrow();
    generator.addSecret({ name: 'a', username: 'other' });
    expect(() => synth(chart)).toThrow(/secrets: "a" is invalid: is already generated for user "app", not "other"/);
  });

  test('an invalid Secret fails synthesis with the script\'s rule', () => {
    const chart = testChart('shop');
    new SecretGenerator(chart, 'gen', { name: 'g', image: 'x/spilo-17:4.0-p3' }).addSecret({ name: 'Upper', username: 'app' });
    expect(() => synth(chart)).toThrow(/secrets\[0\]\.name: "Upper" is invalid: must be a Secret name/);
  });
});
