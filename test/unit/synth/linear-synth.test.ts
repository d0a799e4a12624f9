import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, AppProps, Chart, YamlOutputType } from 'cdk8s';
import { GITOPS_LAYOUTS } from '../../../examples/gitops';
import { EXAMPLES } from '../../../examples/index';
import { FleetApp, LinearSynth, PostgresCluster } from '../../../src';
import { buildFleetApp } from '../../harness/fleet-app';

/*
 * FleetApp / LinearSynth write exactly what cdk8s's App writes: every file, byte for byte, for every
 * output layout, on every example, on the GitOps layouts (charts depending on charts) and on a fleet
 * of 50 production-style clusters.
 */

const LAYOUTS = [
  YamlOutputType.FILE_PER_CHART,
  YamlOutputType.FILE_PER_APP,
  YamlOutputType.FILE_PER_RESOURCE,
  YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE,
];

/** Every file under a directory, by relative path, with its bytes. */
function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else files[path.relative(dir, full)] = fs.readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return files;
}

const BUILDS: Array<[string, (app: App) => void]> = [
  ...EXAMPLES.map(({ name, build }): [string, (app: App) => void] => [name, (app) => void build(app)]),
  ...GITOPS_LAYOUTS.map(({ name, build }): [string, (app: App) => void] => [`gitops ${name}`, (app) => void build(app)]),
  ['a fleet of 50 clusters', (app) => void buildFleetApp(50, {}, app)],
];

let root: string;
beforeAll(() => root = fs.mkdtempSync(path.join(os.tmpdir(), 'linear-synth-')));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function both(name: string, layout: YamlOutputType, build: (app: App) => void, props: AppProps = {}) {
  const dir = path.join(root, `${name.replace(/\W+/g, '-')}-${layout}-${props.recordConstructMetadata ? 'meta' : 'plain'}`);
  const cdk8s = new App({ ...props, outdir: path.join(dir, 'cdk8s'), yamlOutputType: layout });
  build(cdk8s);
  cdk8s.synth();
  const fleet = new FleetApp({ ...props, outdir: path.join(dir, 'fleet'), yamlOutputType: layout });
  build(fleet);
  fleet.synth();
  return { cdk8s: tree(cdk8s.outdir), fleet: tree(fleet.outdir) };
}

describe.each(BUILDS)('%s', (name, build) => {
  test.each(LAYOUTS)('FleetApp.synth() writes the same files, byte for byte, as App.synth() (layout %s)', (layout) => {
    const { cdk8s, fleet } = both(name, layout, build);
    expect(Object.keys(cdk8s).length).toBeGreaterThan(0);
    expect(Object.keys(fleet).sort()).toEqual(Object.keys(cdk8s).sort());
    for (const file of Object.keys(cdk8s)) expect({ file, text: fleet[file] }).toEqual({ file, text: cdk8s[file] });
  });

  test('synthYaml() returns the same text as App.synthYaml()', () => {
    const cdk8s = new App();
    build(cdk8s);
    const fleet = new FleetApp();
    build(fleet);
    expect(LinearSynth.synthYaml(fleet)).toBe(cdk8s.synthYaml());
  });
});

test('construct metadata (recordConstructMetadata) is written the same way', () => {
  const { cdk8s, fleet } = both('production-meta', YamlOutputType.FILE_PER_CHART, EXAMPLES.find((e) => e.name === 'production')!.build, { recordConstructMetadata: true });
  expect(cdk8s['construct-metadata.json']).toBeDefined();
  expect(fleet).toEqual(cdk8s);
});

test('a chart on its own: LinearSynth.chartToJson equals chart.toJson()', () => {
  const app = buildFleetApp(3);
  const chart = app.node.findChild('team-1') as Chart;
  expect(LinearSynth.chartToJson(chart)).toEqual(chart.toJson());
});

test('an app with errors fails with the report App.synth() gives', () => {
  const build = (app: App) => {
    const chart = new Chart(app, 'broken', { namespace: 'shop' });
    new PostgresCluster(chart, 'db', { name: 'shop-db' });
    // A second object named like the cluster's primary Service: the app-wide collision check reports it.
    new ApiObject(chart, 'clash', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'shop-db' } });
  };
  const cdk8s = new App({ outdir: path.join(root, 'broken-cdk8s') });
  build(cdk8s);
  const fleet = new FleetApp({ outdir: path.join(root, 'broken-fleet') });
  build(fleet);
  const message = (f: () => void) => {
    try {
      f();
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };
  const expected = message(() => cdk8s.synth());
  expect(expected).toMatch(/both define Service "shop-db"/);
  expect(message(() => fleet.synth())).toBe(expected);
  expect(message(() => fleet.synthYaml())).toBe(message(() => cdk8s.synthYaml()));
});

test('the collision check sees objects added after a first synthesis (a new run of the event loop)', async () => {
  const app = new App();
  const chart = new Chart(app, 'shop', { namespace: 'shop' });
  new PostgresCluster(chart, 'db', { name: 'shop-db' });
  expect(() => app.synthYaml()).not.toThrow();
  await Promise.resolve();
  new ApiObject(chart, 'clash', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'shop-db' } });
  expect(() => app.synthYaml()).toThrow(/both define Service "shop-db"/);
});
