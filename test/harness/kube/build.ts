import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { KUBERNETES_VERSION } from './versions';
import { cachedEntry, toolCacheDir } from '../tool-cache';

/** The Kubernetes binaries the control-plane harness runs. */
export interface KubeBinaries {
  readonly apiserver: string;
  readonly controllerManager: string;
  readonly kubectl: string;
}

const COMMANDS = { apiserver: 'kube-apiserver', controllerManager: 'kube-controller-manager', kubectl: 'kubectl' } as const;

function go(args: string[], cwd: string): string {
  try {
    return execFileSync('go', args, {
      cwd,
      encoding: 'utf8',
      // -mod=mod: the build module's go.sum is written by `go get`; GOTOOLCHAIN=local: never download a toolchain.
      env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e: any) {
    if (e.code === 'ENOENT') throw new Error('the control-plane tests build Kubernetes from its Go module and need `go` (1.26 or newer) on PATH');
    throw new Error(`go ${args.join(' ')} failed:\n${e.stderr ?? e.message}`);
  }
}

/**
 * The `replace` directives a module that depends on k8s.io/kubernetes needs: kubernetes' own go.mod
 * points every k8s.io staging module at ./staging/src/..., which only exists in its repository; the
 * published equivalents are the same modules at v0.<minor>.<patch>. Derived from the go.mod, never typed.
 */
export function stagingReplacements(kubernetesGoMod: string, version = KUBERNETES_VERSION): string[] {
  const stagingVersion = `v0.${version.split('.').slice(1).join('.')}`;
  const replacements = [...kubernetesGoMod.matchAll(/^\s*(k8s\.io\/[\w.-]+)\s*=>\s*\.\/staging\/src\/\S+\s*$/gm)].map((m) => `${m[1]} => ${m[1]} ${stagingVersion}`);
  if (replacements.length === 0) throw new Error('k8s.io/kubernetes go.mod has no ./staging replace directives; the build recipe needs updating');
  return replacements;
}

/**
 * Builds kube-apiserver, kube-controller-manager and kubectl of KUBERNETES_VERSION into the tool cache
 * (about 8 minutes on 2 cores the first time; Go's build cache makes a rebuild much faster).
 */
export function ensureKubeBinaries(): KubeBinaries {
  const dir = toolCacheDir('kubernetes', `v${KUBERNETES_VERSION}`);
  const bin = path.join(dir, 'bin');
  cachedEntry(dir, `Kubernetes v${KUBERNETES_VERSION} (kube-apiserver, kube-controller-manager, kubectl)`, () => {
    const work = path.join(dir, 'module');
    fs.mkdirSync(work, { recursive: true });
    const info = JSON.parse(go(['mod', 'download', '-json', `k8s.io/kubernetes@v${KUBERNETES_VERSION}`], work));
    if (info.Error) throw new Error(`go mod download k8s.io/kubernetes@v${KUBERNETES_VERSION}: ${info.Error}`);
    const upstreamGoMod = fs.readFileSync(info.GoMod, 'utf8');
    const goVersion = /^go (\S+)$/m.exec(upstreamGoMod)?.[1] ?? '1.26.0';
    fs.writeFileSync(path.join(work, 'go.mod'), [
      'module pgaas.test/kube-build',
      '',
      `go ${goVersion}`,
      '',
      `require k8s.io/kubernetes v${KUBERNETES_VERSION}`,
      '',
      'replace (',
      ...stagingReplacements(upstreamGoMod).map((line) => `\t${line}`),
      ')',
      '',
    ].join('\n'));
    const packages = Object.values(COMMANDS).map((command) => `k8s.io/kubernetes/cmd/${command}`);
    go(['get', ...packages.map((p) => `${p}@v${KUBERNETES_VERSION}`)], work);
    fs.mkdirSync(bin, { recursive: true });
    go(['build', '-o', bin + path.sep, ...packages], work);
  });
  const binaries = {
    apiserver: path.join(bin, COMMANDS.apiserver),
    controllerManager: path.join(bin, COMMANDS.controllerManager),
    kubectl: path.join(bin, COMMANDS.kubectl),
  };
  for (const file of Object.values(binaries)) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing from the tool cache; remove ${dir} to rebuild`);
  }
  return binaries;
}
