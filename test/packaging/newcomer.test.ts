import { execFileSync } from 'child_process';
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { CACHE, cleanEnv, firstTypeScriptExample, freshApp, installedVersion, ROOT, run, Timings } from '../harness/fresh-app';

// The newcomer's path, end to end: pack the library, install it into a fresh app (cdk8s-plus-27, and the
// current cdk8s-plus-33 that `cdk8s init` scaffolds), paste the README's first example, compile it with
// the strict tsconfig of `cdk8s init`, synthesize, and check that its app is admitted to the database.

const timings = new Timings();
// npm's cache in the cache folder too, so that a cold run is really cold.
const NPM_ENV = cleanEnv({ npm_config_cache: join(CACHE, 'npm') });
// Packed by the global setup.
const tarball = readFileSync(join(CACHE, 'tarball.txt'), 'utf8');

afterAll(() => {
  // The pack the global setup timed is the newcomer's first step.
  Object.assign(timings.steps, JSON.parse(readFileSync(join(CACHE, 'pack.json'), 'utf8')));
  timings.save('newcomer.json');
});

test('the tarball holds the compiled library and what users need, nothing else', () => {
  const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n').map((f) => f.replace(/^package\//, ''));
  for (const needed of ['package.json', 'README.md', 'LICENSE', 'API.md', '.jsii', 'lib/index.js', 'lib/index.d.ts']) expect(files).toContain(needed);
  expect(files.filter((f) => /^(src|test|bench|examples|\.ci|\.projen|projenrc|node_modules|dist|\.cache)\//.test(f) || f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
  expect(manifest.version).toMatch(/^0\.\d+\.\d+$/);
  expect(manifest.stability).toBe('experimental');
  expect(Object.keys(manifest.jsii.targets).sort()).toEqual(['go', 'java', 'python']);
  // A pooler is created by its cluster only (a standalone one could never work): no public initializer.
  const assembly = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/.jsii'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
  expect(assembly.types['cdk8s-pgaas.ConnectionPooler'].initializer).toBeUndefined();
  expect(assembly.types['cdk8s-pgaas.PostgresCluster'].initializer).toBeDefined();
  for (const field of ['description', 'license', 'repository', 'homepage', 'bugs', 'keywords', 'main', 'types']) expect(manifest[field]).toBeDefined();
});

test('npm install from git: the clone has no lib/, npm compiles it through the prepare script', () => {
  const commit = run('git', ['rev-parse', 'HEAD'], ROOT).trim();
  const dir = freshApp('newcomer-git', {
    'cdk8s': installedVersion('cdk8s'),
    'constructs': installedVersion('constructs'),
    'cdk8s-plus-27': installedVersion('cdk8s-plus-27'),
    'cdk8s-pgaas': `git+file://${ROOT}#${commit}`,
  }, {});
  timings.time('git: install', () => run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], dir, NPM_ENV));
  const library = join(dir, 'node_modules', 'cdk8s-pgaas');
  for (const file of ['lib/index.js', 'lib/index.d.ts', '.jsii']) expect(existsSync(join(library, file))).toBe(true);
  expect(run(process.execPath, ['-e', "process.stdout.write(typeof require('cdk8s-pgaas').PostgresCluster)"], dir)).toBe('function');
}, 900_000);

describe.each(['cdk8s-plus-27', 'cdk8s-plus-33'])('a fresh app with %s', (plus) => {
  let objects: any[];

  test('npm install of the tarball, the README\'s first example compiled (strict) and synthesized', () => {
    const dir = freshApp(`newcomer-${plus}`, {
      'cdk8s': installedVersion('cdk8s'),
      'constructs': installedVersion('constructs'),
      [plus]: installedVersion(plus),
      'cdk8s-pgaas': `file:${tarball}`,
    }, { 'typescript': installedVersion('typescript'), '@types/node': installedVersion('@types/node') });
    timings.time(`${plus}: install`, () => run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], dir, NPM_ENV));

    const example = firstTypeScriptExample(join(ROOT, 'README.md'));
    expect(example).toContain("from 'cdk8s-pgaas'");
    writeFileSync(join(dir, 'main.ts'), example.replace(/'cdk8s-plus-27'/g, `'${plus}'`));
    timings.time(`${plus}: compile`, () => run(join(dir, 'node_modules', '.bin', 'tsc'), ['-p', '.'], dir));
    timings.time(`${plus}: synth`, () => run(process.execPath, ['main.js'], dir, cleanEnv()));

    objects = parseAllDocuments(readFileSync(join(dir, 'dist', 'hello.k8s.yaml'), 'utf8')).map((d) => d.toJS());
    expect(objects[0]).toMatchObject({ kind: 'Namespace', metadata: { name: 'hello' } });
    expect(objects.map((o) => o.kind)).toEqual(expect.arrayContaining(['StatefulSet', 'Deployment', 'NetworkPolicy', 'Job']));
  }, 600_000);

  test('the example\'s app is admitted to the database by the synthesized NetworkPolicy', () => {
    const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
    const client = find('Deployment', 'hello-client');
    const database = find('StatefulSet', 'hello-db');
    const policy = find('NetworkPolicy', 'hello-db-database');
    const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    // The policy applies to the database's pods ...
    expect(matches(policy.spec.podSelector.matchLabels, database.spec.template.metadata.labels)).toBe(true);
    // ... and one of its ingress rules admits the client's pods (same namespace) on PostgreSQL's port.
    const clientLabels = client.spec.template.metadata.labels;
    const admitting = policy.spec.ingress.filter((rule: any) => (rule.from ?? []).some((peer: any) =>
      !peer.namespaceSelector && !peer.ipBlock && peer.podSelector && matches(peer.podSelector.matchLabels ?? {}, clientLabels)));
    expect(admitting.flatMap((rule: any) => rule.ports.map((p: any) => p.port))).toContain(5432);
    // ... with a libpq environment whose password comes from the Secret.
    const env = Object.fromEntries(client.spec.template.spec.containers[0].env.map((v: any) => [v.name, v.value ?? v.valueFrom]));
    expect(env).toMatchObject({ PGHOST: 'hello-db.hello.svc', PGUSER: { secretKeyRef: { key: 'username' } }, PGPASSWORD: { secretKeyRef: { key: 'password' } } });
  });
});
