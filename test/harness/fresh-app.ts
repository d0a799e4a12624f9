import { execFileSync } from 'child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';

/** The repository root, and the gitignored folder the packaging tests cache their work in. */
export const ROOT = resolve(__dirname, '..', '..');
export const CACHE = join(ROOT, '.cache', 'packaging');

/** An environment for npm and the tools it starts, without the npm_* settings of the `npm test` that runs us. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key)) env[key] = value;
  return { ...env, ...extra, NO_UPDATE_NOTIFIER: '1', CI: '1' };
}

/** Runs a command, returning its output; fails with the command's output when it fails. */
export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv()): string {
  try {
    return execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (e: any) {
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) failed:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/** Seconds a step takes, recorded under its name. */
export class Timings {
  public readonly steps: Record<string, number> = {};

  public time<T>(step: string, f: () => T): T {
    const start = process.hrtime.bigint();
    try {
      return f();
    } finally {
      this.steps[step] = Math.round(Number(process.hrtime.bigint() - start) / 1e8) / 10;
    }
  }

  /** Written where the summary reporter prints it from. */
  public save(file: string): void {
    mkdirSync(CACHE, { recursive: true });
    writeFileSync(join(CACHE, file), JSON.stringify(this.steps, null, 2));
  }
}

/** Packs the library the way a user would (`npm pack`, which compiles it first); returns the tarball's path. */
export function packLibrary(): string {
  mkdirSync(CACHE, { recursive: true });
  const out = run('npm', ['pack', '--json', '--pack-destination', CACHE], ROOT);
  const [info] = JSON.parse(out.slice(out.indexOf('[')));
  return join(CACHE, info.filename);
}

/** The version of a package this repository has installed (the fresh apps use the same ones, so npm's cache serves them). */
export function installedVersion(name: string): string {
  return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
}

/** The tsconfig.json `cdk8s init typescript-app` writes: strict, and no skipLibCheck (the library's .d.ts are checked too). */
export const CDK8S_INIT_TSCONFIG = {
  compilerOptions: {
    alwaysStrict: true,
    declaration: true,
    experimentalDecorators: true,
    inlineSourceMap: true,
    inlineSources: true,
    lib: ['es2016'],
    module: 'CommonJS',
    noEmitOnError: true,
    noFallthroughCasesInSwitch: true,
    noImplicitAny: true,
    noImplicitReturns: true,
    noImplicitThis: true,
    noUnusedLocals: true,
    noUnusedParameters: true,
    resolveJsonModule: true,
    strict: true,
    strictNullChecks: true,
    strictPropertyInitialization: true,
    stripInternal: true,
    target: 'ES2017',
  },
  include: ['**/*.ts'],
  exclude: ['node_modules', 'cdk8s.out'],
};

/** A fresh app folder (emptied first) with a package.json and the strict tsconfig. */
export function freshApp(name: string, dependencies: Record<string, string>, devDependencies: Record<string, string>): string {
  const dir = join(CACHE, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '0.0.0', private: true, dependencies, devDependencies }, null, 2));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(CDK8S_INIT_TSCONFIG, null, 2));
  return dir;
}

/** The first TypeScript example of a Markdown file. */
export function firstTypeScriptExample(markdownFile: string): string {
  const match = /```ts\n([\s\S]*?)```/.exec(readFileSync(markdownFile, 'utf8'));
  if (!match) throw new Error(`${markdownFile} has no \`\`\`ts example`);
  return match[1];
}
