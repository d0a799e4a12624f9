// Internal: not part of the jsii API (do not re-export from src/index.ts).
import { IConstruct } from 'constructs';
import { formatProblem, Problem, Validated, ValidationError, ValidationErrors } from './validation';

/** The problems one construct reports, evaluated when the tree is validated (some are found after construction). */
interface Entry {
  readonly construct: IConstruct;
  readonly subject: string;
  readonly problems: () => readonly Problem[];
}

const ENTRIES = new WeakMap<IConstruct, Entry[]>();
const EXTRA_CHECKS = new WeakMap<IConstruct, Array<() => string[]>>();
const PREPARATIONS = new WeakMap<IConstruct, Array<() => void>>();
/**
 * Trees found without a problem in the current synchronous run: cdk8s validates the whole app once for every chart
 * it synthesizes, so the report is computed once per synthesis, again after the run ends or when a construct
 * registers or changes its problems (problemsChanged).
 */
const VALID = new WeakSet<IConstruct>();

/** One construct's part of the report. */
export interface ReportSection {
  readonly subject: string;
  readonly problems: readonly Problem[];
}

/**
 * The one report of a construct tree: every library construct's problems, each under its construct path, and the
 * app-wide checks (name collisions). Thrown by the tree's validation at synth (`app.synth()`, `cdk8s synth`), so one
 * synth lists every mistake of every construct.
 */
export class ValidationReport extends ValidationError {
  constructor(public readonly sections: ReadonlyArray<ReportSection>, public readonly findings: readonly string[] = []) {
    super(sections.length === 1 ? sections[0].subject : 'the app', sections.flatMap((s) => s.problems));
    this.message = reportText(sections, findings);
  }

  /** Every problem line (`property: value is invalid: rule`) of every construct, and the app-wide findings. */
  public get lines(): string[] {
    return [...this.sections.flatMap((s) => s.problems.map(formatProblem)), ...this.findings];
  }
}

function section(subject: string, problems: readonly Problem[]): string {
  const count = problems.length === 1 ? '1 invalid property' : `${problems.length} invalid properties`;
  return `${subject} has ${count}:\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`;
}

function reportText(sections: ReadonlyArray<ReportSection>, findings: readonly string[]): string {
  const parts = sections.map((s) => section(s.subject, s.problems));
  if (findings.length > 0) parts.push(`The app has ${findings.length === 1 ? '1 conflict' : `${findings.length} conflicts`}:\n${findings.map((f) => `  - ${f}`).join('\n')}`);
  // One construct at fault reads exactly like that construct's own report.
  if (parts.length === 1) return parts[0];
  const problemCount = sections.reduce((n, s) => n + s.problems.length, 0) + findings.length;
  return `${problemCount} problems in ${parts.length} places:\n${parts.join('\n')}`;
}

function ensureTreeValidation(root: IConstruct): Entry[] {
  let entries = ENTRIES.get(root);
  if (!entries) {
    entries = [];
    ENTRIES.set(root, entries);
    root.node.addValidation({
      validate: () => {
        for (const prepare of PREPARATIONS.get(root) ?? []) prepare();
        if (!VALID.has(root)) {
          validateTree(root);
          VALID.add(root);
          queueMicrotask(() => VALID.delete(root));
        }
        return [];
      },
    });
  }
  return entries;
}

/** True when an ancestor reports problems: a child built from its props repeats them (under the child's names). */
function ancestorReports(construct: IConstruct, reporting: ReadonlySet<IConstruct>): boolean {
  for (let c = construct.node.scope; c; c = c.node.scope) if (reporting.has(c)) return true;
  return false;
}

/**
 * Registers a construct's problems for the tree's one report at synth (instead of throwing one report per construct).
 * `problems` is evaluated at synth, so problems found after construction (`addSecret`, `allowConnectionsFrom`) are
 * reported too. A child construct whose ancestor already reports problems adds nothing: its props came from the
 * ancestor's, whose report names them under the ancestor's property (`connectionPooler.replicas`).
 */
export function reportAtSynth(construct: IConstruct, subject: string, problems: readonly Problem[] | (() => readonly Problem[])): void {
  const entries = ensureTreeValidation(construct.node.root);
  problemsChanged(construct);
  if (Array.isArray(problems) && problems.length === 0) return;
  entries.push({ construct, subject, problems: typeof problems === 'function' ? problems : () => problems as readonly Problem[] });
}

/** Adds an app-wide check (its findings are full sentences) to the tree's one report. */
export function addTreeCheck(scope: IConstruct, check: () => string[]): void {
  const root = scope.node.root;
  ensureTreeValidation(root);
  problemsChanged(root);
  const checks = EXTRA_CHECKS.get(root) ?? [];
  checks.push(check);
  EXTRA_CHECKS.set(root, checks);
}

/** Tells the tree's report that a construct's problems may have changed (a method added something to check). */
export function problemsChanged(construct: IConstruct): void {
  VALID.delete(construct.node.root);
}

/**
 * Runs `prepare` at every validation of the tree (before cdk8s orders or renders anything, on every synth path),
 * with the library's one validation of the app: cdk8s validates the whole app once per chart, so `prepare` must
 * return at once when it has nothing (new) to do.
 */
export function addSynthPreparation(scope: IConstruct, prepare: () => void): void {
  const root = scope.node.root;
  ensureTreeValidation(root);
  const preparations = PREPARATIONS.get(root) ?? [];
  preparations.push(prepare);
  PREPARATIONS.set(root, preparations);
}

/** The tree's report so far (undefined when there is no problem). */
export function treeReport(scope: IConstruct): ValidationReport | undefined {
  const root = scope.node.root;
  const found = (ENTRIES.get(root) ?? []).map((e) => ({ construct: e.construct, subject: e.subject, problems: e.problems() }))
    .filter((s) => s.problems.length > 0);
  const reporting = new Set(found.map((s) => s.construct));
  const sections = found.filter((s) => !ancestorReports(s.construct, reporting)).map(({ subject, problems }) => ({ subject, problems }));
  const findings = (EXTRA_CHECKS.get(root) ?? []).flatMap((check) => check());
  return sections.length + findings.length > 0 ? new ValidationReport(sections, findings) : undefined;
}

/** Throws the tree's one report, if there is any problem (what synth does; tests call it after building a tree). */
export function validateTree(scope: IConstruct): void {
  const report = treeReport(scope);
  if (report) throw report;
}

/**
 * For problems that make construction impossible (the props are not an object, a required prop is missing, a value
 * of the wrong type): throws at once, with the problems the tree has reported so far, so the report is still one.
 */
export function throwWithTreeReport(construct: IConstruct, subject: string, problems: readonly Problem[]): never {
  const earlier = treeReport(construct);
  throw new ValidationReport([...earlier?.sections ?? [], { subject, problems }], earlier?.findings ?? []);
}

/** Registers what a construct's collector found for the tree's one report; true when it found any problem. */
export function reportErrors(construct: IConstruct, errors: { readonly subject: string; readonly problems: readonly Problem[] }): boolean {
  reportAtSynth(construct, errors.subject, [...errors.problems]);
  return errors.problems.length > 0;
}

/**
 * A construct's resolved props: problems of the wrong type leave no value to build with (thrown at once, with the
 * tree's report so far); every other problem goes to the tree's one report and the construct is built best effort.
 */
export function reportResolved<T>(construct: IConstruct, errors: ValidationErrors, resolved: Validated<T>): T {
  if (resolved.value === undefined) throwWithTreeReport(construct, errors.subject, [...errors.problems, ...resolved.problems]);
  errors.addProblems(resolved.problems);
  reportErrors(construct, errors);
  return resolved.value;
}
