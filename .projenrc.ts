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
  devDeps: ['@types/node@^20', 'kubernetes-models@~4.5.1', 'yaml@^2.5.0', 'fast-check@^3', '@kubernetes/client-node@0.22.3'],
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

// CI reads a plain "N passed, N failed" closing line; Jest's own summary has another shape.
project.jest!.addReporter(new javascript.JestReporter('<rootDir>/test/summary-reporter.js'));

// Architecture rules of src/: no import cycles, and small files (a table may be longer, with a
// file-level eslint-disable naming why).
project.eslint!.addRules({ 'import/no-cycle': ['error', { ignoreExternal: true }] });
project.eslint!.addOverride({ files: ['src/**/*.ts'], rules: { 'max-lines': ['error', { max: 400 }] } });

// `npm run test:unit` / `npm run test:integration`: one of the two jest projects.
project.addTask('test:unit', { description: 'Run the unit tests (nothing to install)', exec: 'jest --selectProjects unit', receiveArgs: true });
project.addTask('test:integration', { description: 'Run the integration tests (real servers)', exec: 'jest --selectProjects integration', receiveArgs: true });

// `npm run synth`: synthesizes every example app into dist/examples and prints what it wrote.
project.addTask('synth', {
  description: 'Synthesize the examples into dist/examples',
  exec: 'ts-node --project examples/tsconfig.json examples/synth.ts',
  receiveArgs: true,
});

// `npm run bench`: benchmarks (failover and switchover times) on real Patroni; never part of the tests.
project.addTask('bench', {
  description: 'Run the benchmarks',
  exec: 'ts-node --project bench/tsconfig.json bench/failover.ts',
  receiveArgs: true,
});

project.synth();
