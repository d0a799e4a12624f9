/*
 * Fleet-scale synth (issue 16): production-style clusters (test/harness/fleet-app.ts), one Chart per
 * cluster, one App, synthesized five ways, each in its own process, back to back:
 *   library  the library's constructs, App.synthYaml()            (what a team's main.ts does today)
 *   raw      the same objects as plain cdk8s ApiObjects, same charts, App.synthYaml(), two ways:
 *            built    each object's content is created as its ApiObject is (a hand-written app's literals)
 *            parsed   all content parsed from JSON before the timer starts
 *            cdk8s walks the whole app once per chart, and those walks run faster when nothing was allocated
 *            between the constructs (each construct next to its node in the heap): "parsed" is the faster
 *            baseline, "built" the one an app that builds its objects can have.
 *   fleet    the library's constructs, FleetApp / LinearSynth.synthYaml()  (the linear path)
 *   linear   the raw, built objects through LinearSynth.synthYaml(): fleet / linear is the library's own cost, with
 *            cdk8s's per-chart walks taken out on both sides
 * Each process times building the app plus synthesizing it, and reports the heap retained after a full
 * GC; all the YAML texts must be identical (their hashes are compared).
 *
 *   npx projen bench:synth            SYNTH_BENCH_SIZES=100,300,1000 (default), SYNTH_BENCH_RUNS=1
 *   SYNTH_BENCH_TREE=1                also raw ApiObjects under plain Constructs on the library's construct paths
 *                                     (what the library's grouping constructs alone cost cdk8s's per-chart walks)
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const sizes = (process.env.SYNTH_BENCH_SIZES ?? '100,300,1000').split(',').map(Number);
const runs = Number(process.env.SYNTH_BENCH_RUNS ?? '1');
const tree = process.env.SYNTH_BENCH_TREE === '1';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgaas-synth-bench-'));

interface Sample { readonly ms: number; readonly cpuMs: number; readonly heapMb: number; readonly sha256: string; readonly bytes: number }

function worker(...args: string[]): Sample {
  const result = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', '-r', 'ts-node/register/transpile-only', path.join(__dirname, 'synth-worker.ts'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, TS_NODE_PROJECT: path.join(__dirname, 'tsconfig.json') },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`synth-worker ${args.join(' ')} failed:\n${result.stderr}`);
  const line = result.stdout.trim().split('\n').pop();
  return line ? JSON.parse(line) : ({} as Sample);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = (ms: number) => (ms / 1000).toFixed(1);

console.log(`synth benchmark: ${os.cpus().length} CPUs, node ${process.version}, ${runs} run(s) per size, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const rows: string[] = [];
try {
  for (const clusters of sizes) {
    const captured = path.join(dir, `fleet-${clusters}.json`);
    worker('capture', String(clusters), captured);
    const samples: Record<'library' | 'rawBuilt' | 'raw' | 'fleet' | 'rawLinear' | 'rawTree', Sample[]> = {
      library: [], rawBuilt: [], raw: [], fleet: [], rawLinear: [], rawTree: [],
    };
    for (let run = 0; run < runs; run++) {
      samples.library.push(worker('library', String(clusters)));
      samples.rawBuilt.push(worker('raw-built', captured));
      samples.raw.push(worker('raw', captured));
      samples.fleet.push(worker('fleet', String(clusters)));
      samples.rawLinear.push(worker('raw-built-linear', captured));
      if (tree) samples.rawTree.push(worker('raw-tree', captured));
    }
    const hashes = new Set(Object.values(samples).flat().map((s) => s.sha256));
    if (hashes.size !== 1) throw new Error(`the syntheses differ at ${clusters} clusters: ${[...hashes].join(', ')}`);
    const objects = JSON.parse(fs.readFileSync(captured, 'utf8')).reduce((n: number, c: { objects: unknown[] }) => n + c.objects.length, 0);
    const t = (k: keyof typeof samples) => median(samples[k].map((s) => s.ms));
    const c = (k: keyof typeof samples) => median(samples[k].map((s) => s.cpuMs));
    const h = (k: keyof typeof samples) => median(samples[k].map((s) => s.heapMb));
    const time = (k: keyof typeof samples) => `${seconds(t(k))} s (CPU ${seconds(c(k))} s)`;
    // The ratio of the medians, then the range of the ratios run by run (each run's processes ran back to back, so a
    // run's pair shares the machine's state; on a shared host that range shows the noise the medians carry).
    const ratio = (k: keyof typeof samples, base: keyof typeof samples = 'raw') => {
      const perRun = samples[k].map((s, i) => s.ms / samples[base][i].ms);
      const range = runs > 1 ? `; runs ${Math.min(...perRun).toFixed(2)}–${Math.max(...perRun).toFixed(2)}` : '';
      return `${(t(k) / t(base)).toFixed(2)} (CPU ${(c(k) / c(base)).toFixed(2)}${range})`;
    };
    const row = `| ${clusters} | ${objects.toLocaleString('en')} | ${time('library')} | ${time('rawBuilt')} | ${time('raw')} `
      + `| ${ratio('library', 'rawBuilt')} | ${ratio('library')} | ${time('fleet')} | ${ratio('fleet', 'rawBuilt')} | ${ratio('fleet')} `
      + `| ${time('rawLinear')} | ${ratio('fleet', 'rawLinear')} `
      + `| ${h('library')} / ${h('raw')} / ${h('fleet')} MiB (${(h('library') / h('raw')).toFixed(2)}) |`;
    rows.push(row);
    console.log(row);
    if (tree) console.log(`  raw ApiObjects on the library's construct tree: ${time('rawTree')}, ${ratio('rawTree')} of raw`);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log(`\nload average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('\n| clusters | objects | library (App) | raw, built (App) | raw, parsed (App) | library / raw built | library / raw parsed '
  + '| library (FleetApp) | FleetApp / raw built | FleetApp / raw parsed | raw, built (linear) | FleetApp / raw built linear '
  + '| heap after GC: library / raw parsed / FleetApp (library / raw) |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
