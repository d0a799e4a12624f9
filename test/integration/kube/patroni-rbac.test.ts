import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing, Yaml } from 'cdk8s';
import { PostgresCluster } from '../../../src';
import { ControlPlane, GITOPS_FIELD_MANAGER } from '../../harness/kube/control-plane';
import { runJobContainer } from '../../harness/kube/job-runner';
import { startKubePatroniCluster } from '../../harness/kube/patroni-cluster';
import { sleep } from '../../harness/processes';

/*
 * The Patroni Role is minimal: with each granted verb taken away in turn, a real Patroni 4 member on
 * the Kubernetes DCS is denied by the API server (a 403 in its log). A verb
 * whose removal breaks nothing would fail its case: it is not needed and must leave the Role.
 */

let plane: ControlPlane;

beforeAll(async () => {
  plane = await ControlPlane.start({ crds: false });
}, 900_000);

afterAll(() => plane?.stop());

/** The Role's rules as granted, one [rule index, verb] per verb. */
function grantedVerbs(role: any): Array<[number, string]> {
  return (role.rules as any[]).flatMap((rule, i) => (rule.verbs as string[]).map((verb) => [i, verb] as [number, string]));
}

function denials(log: string): string[] {
  return log.split('\n').filter((l) => /\(403\)|\b403 Forbidden|[Ff]orbidden|RBAC/.test(l));
}

const baseRole = (() => {
  const chart = new Chart(Testing.app(), 'r', { namespace: 'x' });
  new PostgresCluster(chart, 'db', { name: 'rbac-db', instances: 1 });
  return Testing.synth(chart).find((o) => o.kind === 'Role' && (o.rules as any[]).some((r) => r.resources.includes('pods')));
})();

describe.each(grantedVerbs(baseRole).map(([rule, verb]) => [`${verb} ${baseRole.rules[rule].resources.join(',')}${baseRole.rules[rule].resourceNames ? ' (by name)' : ''}`, rule, verb] as const))(
  'without "%s"', (_what, ruleIndex, verb) => {
    test('Patroni is denied', async () => {
      const ns = `rbac-${ruleIndex}-${verb}`;
      await plane.createNamespace(ns, 'restricted');
      const chart = new Chart(Testing.app(), 'r', { namespace: ns });
      new PostgresCluster(chart, 'db', { name: 'rbac-db', instances: 1 });
      const objects = Testing.synth(chart);
      const role = objects.find((o) => o.kind === 'Role' && (o.rules as any[]).some((r) => r.resources.includes('pods')));
      role.rules = (role.rules as any[]).map((rule, i) => (i === ruleIndex ? { ...rule, verbs: rule.verbs.filter((v: string) => v !== verb) } : rule))
        .filter((rule) => rule.verbs.length > 0);
      const file = path.join(plane.dir, `${ns}.yaml`);
      fs.writeFileSync(file, Yaml.stringify(...objects));
      plane.kubectlOk(['apply', '--server-side', `--field-manager=${GITOPS_FIELD_MANAGER}`, '-f', file]);
      const generator = objects.find((o) => o.kind === 'Job' && (o.spec.template.spec.containers[0].env ?? []).some((e: any) => e.name === 'PGAAS_CREDENTIAL_SPECS'));
      expect((await runJobContainer(plane, generator)).status).toBe(0);

      let started: Awaited<ReturnType<typeof startKubePatroniCluster>> | undefined;
      let failure: unknown;
      try {
        started = await startKubePatroniCluster(plane, ns, 'rbac-db', { memberTimeoutMs: 45_000, nodes: 1 });
        // Running: give it a few HA loops to meet the missing permission.
        await sleep(25_000);
      } catch (e) {
        failure = e;
      }
      const log = started ? started.cluster.members.map((m) => m.log()).join('\n') : String((failure as Error)?.message ?? '');
      started?.cluster.stop();
      // Denied for real: the API server's 403 is in Patroni's log (whether or not the member came up).
      expect(denials(log)).not.toEqual([]);
    }, 300_000);
  });
