import { cdk8s, javascript } from 'projen';

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-pgaas',
  description: 'PostgreSQL as a Service for cdk8s: highly available Spilo + Patroni clusters as plain, reviewable manifests, without an operator.',
  author: 'cdk8s-pgaas maintainers',
  authorAddress: 'https://github.com/cdk8s-pgaas/cdk8s-pgaas',
  repositoryUrl: 'https://github.com/cdk8s-pgaas/cdk8s-pgaas.git',
  defaultReleaseBranch: 'main',
  license: 'Apache-2.0',
  keywords: ['cdk8s', 'postgresql', 'patroni', 'spilo', 'kubernetes', 'gitops'],
  homepage: 'https://github.com/cdk8s-pgaas/cdk8s-pgaas#readme',
  bugsUrl: 'https://github.com/cdk8s-pgaas/cdk8s-pgaas/issues',
  // Honest until 1.0: the API may still change between minor versions.
  stability: 'experimental',
  // The jsii bindings (built and smoke-tested by test/bindings).
  publishToPypi: { distName: 'cdk8s-pgaas', module: 'cdk8s_pgaas' },
  publishToMaven: { javaPackage: 'io.github.cdk8s_pgaas', mavenGroupId: 'io.github.cdk8s-pgaas', mavenArtifactId: 'cdk8s-pgaas' },
  publishToGo: { moduleName: 'github.com/cdk8s-pgaas/cdk8s-pgaas-go', packageName: 'cdk8spgaas' },
  projenrcTs: true,
  packageManager: javascript.NodePackageManager.NPM,
  // cdk8s-plus-27 requires cdk8s >= 2.68.11; 2.68.12 is the first such release on the registry.
  cdk8sVersion: '2.68.12',
  constructsVersion: '10.3.0',
  // typescript@latest (7.x) is not supported by jsii.
  jsiiVersion: '~5.9.0',
  typescriptVersion: '~5.9.0',
  minNodeVersion: '20.9.0',
  peerDeps: ['cdk8s-plus-27@^2.9.5'],
  // cdk8s-plus-33: the library's handles must accept the current cdk8s-plus too (tests with both).
  devDeps: ['cdk8s-plus-33@2.5.57', '@types/node@^20', 'kubernetes-models@~4.5.1', 'yaml@^2.5.0', 'fast-check@^3', '@kubernetes/client-node@0.22.3'],
  eslintOptions: { dirs: ['src'], devdirs: ['test', 'examples', 'bench'] },
  jestOptions: {
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      collectCoverage: false,
      // A global option: Jest ignores testTimeout inside a project's config.
      testTimeout: 120_000,
      // Integration tests start real servers; two workers fit the 2-core machines CI runs on.
      maxWorkers: 2,
      // Two projects: unit tests need nothing installed; integration tests start real servers
      // (PostgreSQL, Patroni, etcd, PgBouncer) that their global setup installs or names.
      projects: [
        {
          displayName: 'unit',
          testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
          transform: { '^.+\\.[t]sx?$': ['ts-jest', { tsconfig: 'test/tsconfig.json' }] },
        },
        {
          displayName: 'integration',
          testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
          // Installs the Debian packages the integration tests run (as root), or names the missing ones.
          globalSetup: '<rootDir>/test/integration/global-setup.ts',
          transform: { '^.+\\.[t]sx?$': ['ts-jest', { tsconfig: 'test/tsconfig.json' }] },
        },
        {
          // What users get: the packed library installed into fresh apps, and the jsii bindings.
          // Slow (npm, pip, Maven and Go fetch from registries; cached in .cache/), so in a project of its own.
          displayName: 'packaging',
          testMatch: ['<rootDir>/test/packaging/**/*.test.ts'],
          // Packs the library once (npm pack compiles it) for the fresh apps and the bindings.
          globalSetup: '<rootDir>/test/packaging/global-setup.ts',
          transform: { '^.+\\.[t]sx?$': ['ts-jest', { tsconfig: 'test/tsconfig.json' }] },
        },
      ],
    },
  },
  // `npx cdk8s-pgaas status`: leader, members, lag, timeline, pending restarts, failovers and backups of running clusters.
  bin: { 'cdk8s-pgaas': 'lib/status/cli.js' },
  gitignore: ['/dist/'],
  release: false,
  github: false,
});

// The registry these machines use serves unrs-resolver's platform bindings (optional deps of Jest 30
// and the eslint TypeScript resolver) completely only up to 1.12.2; with a newer release npm leaves the
// missing ones out of package-lock.json and `npm ci` then rejects the lock file as out of sync.
project.package.addField('overrides', { 'unrs-resolver': '1.12.2' });

// Not published by a release workflow (release: false), so projen would write 0.0.0: the version is
// set here, 0.x while the API may change.
project.package.file.addOverride('version', '0.1.0');

// The tarball holds the compiled library, its jsii assembly, README, API.md and LICENSE: no tests,
// benchmarks, CI scripts or examples (they import ../src).
project.npmignore!.exclude('/bench/', '/.ci/', '/examples/', '/.cache/');

// `npm install <git url>` and `npm pack` run these: a git checkout has no lib/, so it is compiled
// (prepare skips it when lib/ exists, so `npm ci` in a clone compiles only once; prepack always
// compiles, so a tarball never ships a stale lib/).
project.package.setScript('prepare', 'node -e "process.exit(require(\'fs\').existsSync(\'lib/index.js\') ? 0 : 1)" || projen compile');
project.package.setScript('prepack', 'projen compile');

// `npx projen build` packages the npm tarball only (projen would run package-all outside CI). The
// Python, Java and Go bindings are generated from that tarball and smoke-tested by the packaging
// tests (`npm run test:packaging`); `npx projen package-all` builds them for publishing, which needs
// cdk8s-plus-27 on Maven Central and cdk8s-core-go on the Go proxy (the registries this project's
// machines reach lack both: the tests generate those from their assemblies instead).
const packageTask = project.tasks.tryFind('package')!;
packageTask.reset();
packageTask.spawn(project.tasks.tryFind('package:js')!);

// CI reads a plain "N passed, N failed" closing line; Jest's own summary has another shape.
project.jest!.addReporter(new javascript.JestReporter('<rootDir>/test/summary-reporter.js'));

// Architecture rules of src/: no import cycles, and small files (a table may be longer, with a
// file-level eslint-disable naming why).
project.eslint!.addRules({ 'import/no-cycle': ['error', { ignoreExternal: true }] });
project.eslint!.addOverride({ files: ['src/**/*.ts'], rules: { 'max-lines': ['error', { max: 400 }] } });

// `npm run test:unit` / `npm run test:integration`: one of the two jest projects.
project.addTask('test:unit', { description: 'Run the unit tests (nothing to install)', exec: 'jest --selectProjects unit', receiveArgs: true });
project.addTask('test:packaging', { description: 'Run the packaging tests (pack, fresh apps, bindings)', exec: 'jest --selectProjects packaging', receiveArgs: true });
project.addTask('test:integration', { description: 'Run the integration tests (real servers)', exec: 'jest --selectProjects integration', receiveArgs: true });

// `npm run synth`: synthesizes every example app into dist/examples and prints what it wrote.
project.addTask('synth', {
  description: 'Synthesize the examples into dist/examples',
  exec: 'ts-node --project examples/tsconfig.json examples/synth.ts',
  receiveArgs: true,
});

// `npm run bench`: benchmarks, never part of the tests: synthesis at fleet scale (bench:synth), then
// failover and switchover times on real Patroni.
const benchSynth = project.addTask('bench:synth', {
  description: 'Benchmark synthesis of 100, 300 and 1000 production-style clusters against raw cdk8s (SYNTH_BENCH_SIZES)',
  exec: 'ts-node --project bench/tsconfig.json bench/synth.ts',
});
const bench = project.addTask('bench', { description: 'Run the benchmarks' });
bench.spawn(benchSynth);
bench.exec('ts-node --project bench/tsconfig.json bench/failover.ts', { receiveArgs: true });

project.synth();
