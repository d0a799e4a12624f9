import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart, DependencyGraph, Names, Yaml, YamlOutputType } from 'cdk8s';
import { IConstruct } from 'constructs';

/*
 * cdk8s's App.synth() and synthYaml() call Chart.toJson() for every chart, and each call resolves the
 * dependencies and runs every validation of the WHOLE app again (App._synthChart), so synthesizing N
 * charts costs N times the app: quadratic. This path does the same steps once for the app, then renders
 * each chart, so the time is linear in the app. The output is byte-identical (the same validation
 * report, the same dependency order, the same files and YAML): test/unit/synth proves it on every
 * example and on a fleet app, for every output layout.
 */

/** What one pass over the app computes once: every construct, its subtree, and its closest chart. */
class AppIndex {
  private readonly subtrees = new Map<IConstruct, IConstruct[]>();
  private readonly charts = new Map<IConstruct, Chart>();

  public constructor(public readonly app: App) {}

  /** `node.findAll()` (pre-order, like cdk8s's request cache), computed once per node. */
  public findAll(c: IConstruct): IConstruct[] {
    let all = this.subtrees.get(c);
    if (!all) {
      all = c.node.findAll();
      this.subtrees.set(c, all);
    }
    return all;
  }

  /** `Chart.of(c)`, memoized along the scope chain. */
  public chartOf(c: IConstruct): Chart {
    let chart = this.charts.get(c);
    if (!chart) {
      if (Chart.isChart(c)) chart = c;
      else if (c.node.scope) chart = this.chartOf(c.node.scope);
      else throw new Error('cannot find a parent chart (directly or indirectly)');
      this.charts.set(c, chart);
    }
    return chart;
  }

  /** The ApiObjects of a subtree that belong to `chart` itself (not to a nested chart). */
  public apiObjectsOf(c: IConstruct, chart: Chart): ApiObject[] {
    return this.findAll(c).filter((x): x is ApiObject => x instanceof ApiObject && this.chartOf(x) === chart);
  }
}

/** cdk8s's `validate(app)`: every construct's `node.validate()`, one report, the same message. */
function validateApp(index: AppIndex): void {
  const errors: string[] = [];
  for (const child of index.findAll(index.app)) {
    for (const error of child.node.validate()) errors.push(`[${child.node.path}] ${error}`);
  }
  if (errors.length > 0) throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
}

function dependencies(index: AppIndex): Array<{ source: IConstruct; target: IConstruct }> {
  const deps: Array<{ source: IConstruct; target: IConstruct }> = [];
  for (const source of index.findAll(index.app)) for (const target of source.node.dependencies) deps.push({ source, target });
  return deps;
}

/** cdk8s's `resolveDependencies(app)`, with each subtree and chart lookup computed once. */
function resolveDependencies(index: AppIndex): boolean {
  let hasDependantCharts = false;
  for (const parent of index.findAll(index.app).filter((x): x is Chart => Chart.isChart(x))) {
    for (const child of parent.node.children.filter((x) => Chart.isChart(x))) {
      parent.node.addDependency(child);
      hasDependantCharts = true;
    }
  }
  for (const { source, target } of dependencies(index)) {
    const sourceChart = index.chartOf(source);
    const targetChart = index.chartOf(target);
    if (sourceChart !== targetChart) {
      sourceChart.node.addDependency(targetChart);
      hasDependantCharts = true;
    }
  }
  for (const { source, target } of dependencies(index)) {
    const targets = index.apiObjectsOf(target, index.chartOf(target));
    const sources = index.apiObjectsOf(source, index.chartOf(source));
    for (const t of targets) for (const s of sources) if (t !== s) s.node.addDependency(t);
  }
  return hasDependantCharts;
}

/** A chart's own ApiObjects in dependency order (cdk8s's `chartToKube`). */
function chartObjects(index: AppIndex, chart: Chart): ApiObject[] {
  return new DependencyGraph(chart.node).topology()
    .filter((x): x is ApiObject => x instanceof ApiObject && index.chartOf(x) === chart);
}

interface Prepared {
  readonly index: AppIndex;
  readonly charts: Chart[];
  readonly hasDependantCharts: boolean;
}

function prepare(app: App, validateFirst: boolean): Prepared {
  const index = new AppIndex(app);
  // App.synth() validates before resolving dependencies, synthYaml() after: keep each order.
  if (validateFirst) validateApp(index);
  const hasDependantCharts = resolveDependencies(index);
  if (!validateFirst) validateApp(index);
  return { index, charts: app.charts, hasDependantCharts };
}

/**
 * Synthesis in time linear in the app, byte-identical to cdk8s's `App.synth()` and
 * `App.synthYaml()`: for apps with many charts (a fleet of clusters in one GitOps repository),
 * where cdk8s's own synthesis grows with the square of the number of charts.
 *
 * Use it in place of the App's methods: `LinearSynth.synth(app)` writes the same files
 * `app.synth()` writes; `LinearSynth.synthYaml(app)` returns the same text as `app.synthYaml()`.
 * `FleetApp` is an App whose own `synth()` and `synthYaml()` do this.
 */
export class LinearSynth {
  /** Writes the app's manifests to its output directory, exactly as `App.synth()` does. */
  public static synth(app: App): void {
    fs.mkdirSync(app.outdir, { recursive: true });
    const { index, charts, hasDependantCharts } = prepare(app, true);
    const ext = app.outputFileExtension;
    const json = (chart: Chart) => chartObjects(index, chart).map((o) => o.toJson());
    switch (app.yamlOutputType) {
      case YamlOutputType.FILE_PER_APP: {
        const all = charts.flatMap(json);
        if (charts.length > 0) Yaml.save(path.join(app.outdir, `app${ext}`), all);
        break;
      }
      case YamlOutputType.FILE_PER_CHART: {
        const name = chartNamer(hasDependantCharts);
        for (const chart of charts) Yaml.save(path.join(app.outdir, name(chart) + ext), json(chart));
        break;
      }
      case YamlOutputType.FILE_PER_RESOURCE:
        for (const chart of charts) {
          for (const object of json(chart)) Yaml.save(path.join(app.outdir, resourceFileName(object) + ext), [object]);
        }
        break;
      case YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE: {
        const name = chartNamer(hasDependantCharts);
        for (const chart of charts) {
          const folder = path.join(app.outdir, name(chart));
          fs.mkdirSync(folder, { recursive: true });
          // cdk8s names these files from the ApiObject (its kind and metadata name), not from its JSON.
          for (const object of chartObjects(index, chart)) {
            Yaml.save(path.join(folder, resourceFileName({ kind: object.kind, metadata: { name: object.metadata.name } }) + ext), [object.toJson()]);
          }
        }
        break;
      }
      default:
        break;
    }
    if (recordsConstructMetadata(app)) {
      const resources: Record<string, { path: string }> = {};
      for (const object of charts.flatMap((chart) => chartObjects(index, chart))) resources[object.name] = { path: object.node.path };
      fs.writeFileSync(path.join(app.outdir, 'construct-metadata.json'), JSON.stringify({ version: '1.0.0', resources }));
    }
  }

  /** The app's manifests as one YAML text, exactly as `App.synthYaml()` returns them. */
  public static synthYaml(app: App): string {
    const { index, charts } = prepare(app, false);
    return Yaml.stringify(...charts.flatMap((chart) => chartObjects(index, chart).map((o) => o.toJson())));
  }

  /** One chart's objects as JSON, exactly as `chart.toJson()` returns them, without synthesizing the rest of the app. */
  public static chartToJson(chart: Chart): any[] {
    const { index } = prepare(App.of(chart), false);
    return chartObjects(index, chart).map((o) => o.toJson());
  }

  private constructor() {}
}

/** cdk8s's Simple/IndexedChartNamer: `0000-name` when charts depend on each other, else the chart's DNS label. */
function chartNamer(indexed: boolean): (chart: Chart) => string {
  let next = 0;
  return (chart) => indexed ? `${(next++).toString().padStart(4, '0')}-${Names.toDnsLabel(chart)}` : Names.toDnsLabel(chart);
}

function resourceFileName(object: any): string {
  return `${object.kind}.${object.metadata.name}`.replace(/[^0-9a-zA-Z-_.]/g, '');
}

function recordsConstructMetadata(app: App): boolean {
  // App keeps the prop private; its value is the prop or the CDK8S_RECORD_CONSTRUCT_METADATA switch.
  return (app as unknown as { recordConstructMetadata: boolean }).recordConstructMetadata === true;
}

/** Internal (benchmark, tests): every chart with its objects as JSON, from one linear pass. */
export function chartsToJson(app: App): Array<{ readonly chart: Chart; readonly objects: any[] }> {
  const { index, charts } = prepare(app, false);
  return charts.map((chart) => ({ chart, objects: chartObjects(index, chart).map((o) => o.toJson()) }));
}
