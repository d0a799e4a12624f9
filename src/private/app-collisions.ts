// Internal: not part of the jsii API (do not re-export from src/index.ts).
import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { addTreeCheck, problemsChanged } from './tree-report';

const OWNED = Symbol.for('cdk8s-pgaas.owned');

/**
 * Marks a construct of the library and registers the app-wide collision check on the app, once per app (not per
 * chart or construct).
 */
export function registerOwned(construct: Construct): void {
  (construct as any)[OWNED] = true;
  const root = construct.node.root;
  problemsChanged(root);
  const memo = MEMOS.get(root);
  if (memo) {
    memo.result = undefined;
    return;
  }
  const fresh: { result?: string[] } = {};
  MEMOS.set(root, fresh);
  // Part of the tree's one report (private/tree-report.ts), with every construct's problems. cdk8s validates the
  // whole app once for every chart it synthesizes (App.synth, synthYaml): the check walks the tree once per
  // synthesis, not once per chart. The result is kept until the current synchronous run ends (a synthesis is one)
  // or a library construct is added, whichever comes first.
  addTreeCheck(root, () => {
    if (!fresh.result) {
      fresh.result = appCollisions(root);
      queueMicrotask(() => fresh.result = undefined);
    }
    return fresh.result;
  });
}

const MEMOS = new WeakMap<IConstruct, { result?: string[] }>();

/** The library construct an object belongs to (its nearest marked ancestor), if any. */
function owner(object: IConstruct): IConstruct | undefined {
  for (let c: IConstruct | undefined = object; c; c = c.node.scope) if ((c as any)[OWNED]) return c;
  return undefined;
}

/**
 * Objects of the same kind, namespace and name in one app, where at least one belongs to a library construct:
 * applied together, the second silently replaces the first (two clusters named alike, a cluster named like another
 * cluster's derived Service, pooler, Job or CronJob, a BackupSchedule or pooler declared twice).
 */
export function appCollisions(root: IConstruct): string[] {
  const seen = new Map<string, ApiObject>();
  // One line per pair of constructs, listing every object they both define.
  const pairs = new Map<string, string[]>();
  for (const child of root.node.findAll()) {
    if (!(child instanceof ApiObject)) continue;
    const { name, namespace } = identity(child);
    const group = child.apiVersion.includes('/') ? child.apiVersion.split('/')[0] : '';
    const key = `${group}/${child.kind}/${namespace ?? ''}/${name}`;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, child);
      continue;
    }
    const owners = [owner(first), owner(child)];
    if (!owners[0] && !owners[1]) continue;
    const pair = `${(owners[0] ?? first).node.path} and ${(owners[1] ?? child).node.path}`;
    pairs.set(pair, [...pairs.get(pair) ?? [], `${child.kind} "${name}"${namespace ? ` in namespace "${namespace}"` : ''}`]);
  }
  return [...pairs].map(([pair, objects]) => `${pair} both define ${objects.join(', ')}: applied together, one replaces the other; `
    + 'give the clusters, poolers or schedules distinct names');
}

/**
 * An object's name and namespace, read from its metadata without resolving the rest of it: cdk8s runs
 * this check once per chart it synthesizes, so it must cost no more than a walk of the tree. Names can
 * be lazy (Jobs are named by a hash of their content): those are produced (the producers memoize).
 */
function identity(object: ApiObject): { readonly name: string; readonly namespace?: string } {
  const value = (v: unknown) => (v instanceof Lazy ? v.produce() : v);
  return { name: value(object.metadata.name), namespace: value(object.metadata.namespace) ?? chartNamespace(object) };
}

function chartNamespace(object: ApiObject): string | undefined {
  try {
    return Chart.of(object).namespace;
  } catch {
    return undefined;
  }
}
