// Internal: not part of the jsii API (do not re-export from src/index.ts).
import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { addTreeCheck } from './tree-report';

const OWNED = Symbol.for('cdk8s-pgaas.owned');
const CHECKED_APPS = new WeakSet<IConstruct>();

/**
 * Marks a construct of the library and registers the app-wide collision check on the app, once per app (not per
 * chart or construct): it walks the tree a single time at synth, so its cost grows linearly with the objects.
 */
export function registerOwned(construct: Construct): void {
  (construct as any)[OWNED] = true;
  const root = construct.node.root;
  if (CHECKED_APPS.has(root)) return;
  CHECKED_APPS.add(root);
  // Part of the tree's one report (private/tree-report.ts), with every construct's problems.
  addTreeCheck(root, () => appCollisions(root));
}

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
    // Names can be lazy (Jobs are named by a hash of their content): resolve the metadata only.
    const metadata = child.metadata.toJson();
    const namespace: string | undefined = metadata.namespace ?? chartNamespace(child);
    const group = child.apiVersion.includes('/') ? child.apiVersion.split('/')[0] : '';
    const key = `${group}/${child.kind}/${namespace ?? ''}/${metadata.name}`;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, child);
      continue;
    }
    const owners = [owner(first), owner(child)];
    if (!owners[0] && !owners[1]) continue;
    const pair = `${(owners[0] ?? first).node.path} and ${(owners[1] ?? child).node.path}`;
    pairs.set(pair, [...pairs.get(pair) ?? [], `${child.kind} "${metadata.name}"${namespace ? ` in namespace "${namespace}"` : ''}`]);
  }
  return [...pairs].map(([pair, objects]) => `${pair} both define ${objects.join(', ')}: applied together, one replaces the other; `
    + 'give the clusters, poolers or schedules distinct names');
}

function chartNamespace(object: ApiObject): string | undefined {
  try {
    return Chart.of(object).namespace;
  } catch {
    return undefined;
  }
}
