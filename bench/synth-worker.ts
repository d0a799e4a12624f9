/*
 * One measurement of the synth benchmark, in its own process (bench/synth.ts starts it):
 *   capture <clusters> <file>   the fleet app's objects, chart by chart, as JSON (for the raw baseline)
 *   library <clusters>          build the fleet app and App.synthYaml()
 *   fleet <clusters>            build the fleet app and synthesize it with the library's linear path
 *   raw <file>                  build the captured objects as plain ApiObjects and App.synthYaml(), from JSON parsed
 *                               before the timer starts
 *   raw-built <file>            the same, each object's JSON parsed as its ApiObject is created (as a hand-written
 *                               app allocates its object literals while it builds its constructs)
 *   raw-built-linear <file>     the same, synthesized with the linear path (the library's own cost, without cdk8s's
 *                               per-chart walks on either side)
 *   raw-tree <file>             the same, each object under plain Constructs on the library's construct path
 *                               (what the library's grouping constructs alone cost cdk8s)
 * Prints one JSON line: milliseconds (wall and CPU), retained heap after a full GC, peak RSS and a hash of the YAML.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import { ApiObject, App } from 'cdk8s';
import { LinearSynth } from '../src';
import { chartsToJson } from '../src/synth/linear-synth';
import { buildFleetApp, buildRawApp } from '../test/harness/fleet-app';

const [mode, arg, file] = process.argv.slice(2);
const gc = (global as any).gc as (() => void) | undefined;

function measure(run: () => string): void {
  gc?.();
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  const yaml = run();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  // CPU time of the process (all its threads): on a shared machine, wall time also counts the waits for a core.
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  gc?.();
  const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
  const sha256 = createHash('sha256').update(yaml).digest('hex').slice(0, 16);
  const rssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(JSON.stringify({ mode, ms: Math.round(ms), cpuMs: Math.round(cpuMs), heapMb: Math.round(heapMb), rssMb, bytes: yaml.length, sha256 }));
}

if (mode === 'capture') {
  const app = buildFleetApp(Number(arg));
  fs.writeFileSync(file, JSON.stringify(fleetCharts(app)));
} else if (mode === 'library') {
  measure(() => buildFleetApp(Number(arg)).synthYaml());
} else if (mode === 'fleet') {
  measure(() => LinearSynth.synthYaml(buildFleetApp(Number(arg))));
} else if (mode === 'raw') {
  const charts = JSON.parse(fs.readFileSync(arg, 'utf8'));
  measure(() => buildRawApp(charts).synthYaml());
} else if (mode === 'raw-built') {
  const charts = JSON.parse(fs.readFileSync(arg, 'utf8')).map((c: { objects: unknown[] }) => ({ ...c, objects: c.objects.map((o) => JSON.stringify(o)) }));
  measure(() => buildRawApp(charts).synthYaml());
} else if (mode === 'raw-built-linear') {
  const charts = JSON.parse(fs.readFileSync(arg, 'utf8')).map((c: { objects: unknown[] }) => ({ ...c, objects: c.objects.map((o) => JSON.stringify(o)) }));
  measure(() => LinearSynth.synthYaml(buildRawApp(charts)));
} else if (mode === 'raw-tree') {
  const charts = JSON.parse(fs.readFileSync(arg, 'utf8'));
  measure(() => buildRawApp(charts, {}, true).synthYaml());
} else {
  throw new Error(`unknown mode ${mode}`);
}

function fleetCharts(app: App): Array<{ id: string; objects: any[]; paths: string[] }> {
  return chartsToJson(app).map(({ chart, objects }) => {
    // Each object's construct path below its chart, found by kind and name.
    const paths = new Map(chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject)
      .map((o) => [`${o.kind}/${o.toJson().metadata.name}`, o.node.path.slice(chart.node.path.length + 1)]));
    return { id: chart.node.id, objects, paths: objects.map((o) => paths.get(`${o.kind}/${o.metadata.name}`)!) };
  });
}
