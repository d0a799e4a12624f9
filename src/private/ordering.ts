// Internal: not part of the jsii API (do not re-export from src/index.ts).
import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { addSynthPreparation } from './tree-report';

/*
 * Output order without dependency edges.
 *
 * cdk8s writes a chart's objects in the order of `DependencyGraph(chart).topology()`: every object whose node has
 * no incoming edge in the order of the construct tree (pre-order: creation order, subtree by subtree), every
 * object with one just before the first object that depends on it. But every edge costs at synth: cdk8s's
 * `App.synth()` and `synthYaml()` re-expand every edge of the WHOLE app once per chart (quadratic in the charts).
 * So the library builds its objects in dependency order (a ServiceAccount before the Job that runs as it, the
 * StatefulSet before the bootstrap Job) and records "after" as a requirement instead of an edge when the tree
 * order already guarantees it. An edge is still added
 *   - at once, when the tree order does not: the target is in another chart (the chart order and file names follow
 *     edges), comes later in the tree or is not a construct the dependent's tree position is known to follow (a
 *     PatroniRbac or SecretGenerator handed in by the user in an arbitrary place);
 *   - at synth, once, when anything else would move a recorded object out of tree order: an edge into the
 *     dependent, the target, or one of their scopes, from the same chart (a user's `api.addDependency(db.statefulSet)`
 *     pulls the StatefulSet to the front, so the StatefulSet gets back its edges to what it needs).
 * Either way every object still comes after what it depends on; apps without such edges synthesize without any.
 */

interface Requirement {
  readonly dependent: IConstruct;
  readonly target: IConstruct;
}

interface RootState {
  readonly requirements: Requirement[];
  /** The app must be checked (again) at the next validation. */
  dirty: boolean;
}

const STATES = new WeakMap<IConstruct, RootState>();

/**
 * `dependent` comes after every target in the synthesized output (as `dependent.node.addDependency(...targets)`
 * promises), with an edge only where the construct tree does not already give that order. No dependent (an
 * optional object that was not created): nothing to order.
 */
export function orderAfter(dependent: IConstruct | undefined, ...targets: IConstruct[]): void {
  if (!dependent) return;
  for (const target of targets) {
    if (precedesInChart(target, dependent)) {
      const state = stateOf(dependent);
      state.requirements.push({ dependent, target });
      state.dirty = true;
    } else {
      dependent.node.addDependency(target);
    }
  }
}

/**
 * Like {@link orderAfter} for targets the dependent need not follow across charts (an edge to another chart would
 * order the charts, and name their files, after it): nothing is added for a target in another chart.
 */
export function orderAfterInChart(dependent: IConstruct, ...targets: IConstruct[]): void {
  orderAfter(dependent, ...targets.filter((t) => closestChart(t) === closestChart(dependent)));
}

function stateOf(construct: IConstruct): RootState {
  let root = construct;
  while (root.node.scope) root = root.node.scope;
  let state = STATES.get(root);
  if (!state) {
    const created: RootState = { requirements: [], dirty: true };
    state = created;
    STATES.set(root, created);
    // The library's validation of the app runs before cdk8s orders anything, on every synth path (App.synth,
    // synthYaml, chart.toJson, LinearSynth), once per chart: the walk over the app happens once per synthesis, as
    // the app-wide collision check does (again after the current synchronous run ends, or requirements are added).
    addSynthPreparation(root, () => {
      if (created.dirty) {
        addEdgesWhereMoved(created.requirements);
        created.dirty = false;
        queueMicrotask(() => created.dirty = true);
      }
    });
  }
  return state;
}

/** True when `a` comes before `b` in the pre-order of the tree and both have the same closest chart. */
function precedesInChart(a: IConstruct, b: IConstruct): boolean {
  // Up from both to the children of their common scope, by parent links (no path arrays: this runs per object).
  let x = a;
  let y = b;
  let chartBelowCommonScope = false;
  const up = (c: IConstruct): IConstruct => {
    if (Chart.isChart(c)) chartBelowCommonScope = true;
    return c.node.scope!;
  };
  const [depthA, depthB] = [depth(a), depth(b)];
  for (let d = depthA; d > depthB; d--) x = up(x);
  for (let d = depthB; d > depthA; d--) y = up(y);
  // One contains the other (or they are the same): no object order follows from the tree.
  if (x === y) return false;
  while (x.node.scope !== y.node.scope) {
    x = up(x);
    y = up(y);
  }
  const common = x.node.scope;
  // A chart below the common scope puts one of them into another chart.
  if (!common || chartBelowCommonScope || Chart.isChart(x) || Chart.isChart(y)) return false;
  const siblings = common.node.children;
  return siblings.indexOf(x) < siblings.indexOf(y);
}

function depth(c: IConstruct): number {
  let n = 0;
  for (let s = c.node.scope; s; s = s.node.scope) n++;
  return n;
}

/**
 * Adds the edge of every requirement whose dependent or target (or a scope of one) has an incoming edge from its
 * chart: such an edge can move it out of tree order. An added edge is itself incoming, so this repeats until no
 * edge is added.
 */
function addEdgesWhereMoved(requirements: readonly Requirement[]): void {
  const root = requirements[0].dependent.node.root;
  const moved = new Set<IConstruct>();
  for (const source of root.node.findAll()) {
    for (const target of source.node.dependencies) {
      if (within(source, closestChart(target))) moved.add(target);
    }
  }
  // A construct moves with its scopes (cdk8s expands an edge into a scope to its objects); a target that groups
  // objects (a whole cluster) moves when any of them does.
  const isMoved = (c: IConstruct) => c.node.scopes.some((s) => moved.has(s)) || c.node.findAll().some((s) => moved.has(s));
  let pending = requirements.filter((r) => !r.dependent.node.dependencies.includes(r.target));
  for (let added = true; added;) {
    added = false;
    const rest: Requirement[] = [];
    for (const r of pending) {
      if (isMoved(r.dependent) || isMoved(r.target)) {
        r.dependent.node.addDependency(r.target);
        moved.add(r.target);
        added = true;
      } else {
        rest.push(r);
      }
    }
    pending = rest;
  }
}

function closestChart(c: IConstruct): IConstruct | undefined {
  for (let s: IConstruct | undefined = c; s; s = s.node.scope) if (Chart.isChart(s)) return s;
  return undefined;
}

function within(c: IConstruct, scope: IConstruct | undefined): boolean {
  if (!scope) return false;
  for (let s: IConstruct | undefined = c; s; s = s.node.scope) if (s === scope) return true;
  return false;
}
