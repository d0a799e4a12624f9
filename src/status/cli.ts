#!/usr/bin/env node
import { spawnSync } from 'child_process';
import { formatStatus } from './cluster-status';
import { statusFromLists } from './kubernetes-objects';
import { SpiloLabels } from '../cluster/spilo-contract';

/**
 * `npx cdk8s-pgaas status [--namespace NS | --all-namespaces] [--cluster NAME] [--context CTX] [--json]`
 *
 * Reads pods, ConfigMaps and CronJobs with kubectl, which brings every way of authenticating a
 * kubeconfig allows (exec plugins, OIDC, client certificates) and the in-cluster ServiceAccount,
 * without a Kubernetes client in the library's runtime dependencies.
 */
function main(argv: string[]): number {
  const [command, ...rest] = argv;
  if (command !== 'status') {
    process.stderr.write('usage: cdk8s-pgaas status [--namespace NS | --all-namespaces] [--cluster NAME] [--context CTX] [--json]\n');
    return 2;
  }
  const option = (name: string) => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const scope: string[] = rest.includes('--all-namespaces') ? ['--all-namespaces'] : option('--namespace') ? ['--namespace', option('--namespace')!] : [];
  const context = option('--context') ? ['--context', option('--context')!] : [];
  const get = (kind: string, selector?: string) => {
    const result = spawnSync('kubectl', [...context, 'get', kind, ...scope, ...selector ? ['-l', selector] : [], '-o', 'json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (result.error) throw new Error(`kubectl could not be run: ${result.error.message}`);
    if (result.status !== 0) throw new Error(`kubectl get ${kind} failed: ${result.stderr.trim()}`);
    return JSON.parse(result.stdout);
  };
  try {
    const spilo = Object.entries(SpiloLabels.PATRONI).map(([k, v]) => `${k}=${v}`).join(',');
    const lists = { pods: get('pods', spilo), configMaps: get('configmaps', spilo), cronJobs: get('cronjobs') };
    const statuses = statusFromLists(lists, new Date(), option('--cluster'));
    process.stdout.write(rest.includes('--json') ? JSON.stringify(statuses, undefined, 2) + '\n' : formatStatus(statuses));
    return statuses.some((s) => s.leader === undefined) ? 1 : 0;
  } catch (e) {
    process.stderr.write(`cdk8s-pgaas status: ${(e as Error).message}\n`);
    return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
