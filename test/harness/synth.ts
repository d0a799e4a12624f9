import { App, Chart, Testing } from 'cdk8s';
import { IConstruct } from 'constructs';
import { KubeletEnv } from './kubelet-env';
import { PostgresCluster } from '../../src';
import { PostgresClusterProps } from '../../src/cluster/props';
import { validateTree } from '../../src/private/tree-report';

/** A chart in a namespace, the way every PostgresCluster needs it. */
export function testChart(namespace = 'db'): Chart {
  return new Chart(Testing.app(), 'test', { namespace });
}

/** The chart's manifests, after the tree's one validation report (what `app.synth()` and `cdk8s synth` run first). */
export function synth(chart: Chart): any[] {
  validateTree(chart);
  return Testing.synth(chart);
}

/** Runs `build`, then the validation of the tree it built (construction registers problems; synth reports them). */
export function built<T extends IConstruct>(construct: T): T {
  validateTree(construct);
  return construct;
}

export function findObject(objects: any[], kind: string, name?: string): any {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` named ${name}` : ''}, found ${found.length}`);
  return found[0];
}

export function spiloContainer(objects: any[]): any {
  return findObject(objects, 'StatefulSet').spec.template.spec.containers.find((c: any) => c.name === 'postgres');
}

export function envOf(container: any): Record<string, any> {
  return Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

/** SPILO_CONFIGURATION as the container sees it: bootstrap.dcs expanded from the dynamic configuration ConfigMap. */
export function spiloConfiguration(objects: any[]): any {
  const env = KubeletEnv.resolve(spiloContainer(objects).env, {}, KubeletEnv.configMaps(objects));
  return JSON.parse(env.SPILO_CONFIGURATION);
}

/** Synthesizes a whole app to YAML, for byte-level comparisons. */
export function synthAppYaml(build: (app: App) => void): string {
  const app = Testing.app();
  build(app);
  return app.synthYaml();
}

/** The problem lines of the ValidationError a cluster named orders-db with `props` throws (none when valid). */
export function clusterProblems(props: Partial<PostgresClusterProps>): string[] {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'db' });
  try {
    validateTree(new PostgresCluster(chart, 'db', { name: 'orders-db', ...props }));
    return [];
  } catch (e) {
    return (e as Error).message.split('\n').slice(1);
  }
}
