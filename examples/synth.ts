import * as fs from 'fs';
import * as path from 'path';
import { App, Yaml } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { GITOPS_LAYOUTS } from './gitops';
import { EXAMPLES } from './index';

/** Synthesizes every example into dist/examples/<name>/ and reports the files and object counts. */
const root = path.resolve(__dirname, '..', 'dist', 'examples');
fs.rmSync(root, { recursive: true, force: true });
let total = 0;
for (const example of EXAMPLES) {
  const app = new App({ outdir: path.join(root, example.name) });
  example.build(app);
  app.synth();
  for (const file of fs.readdirSync(app.outdir).sort()) {
    const full = path.join(app.outdir, file);
    const objects = parseAllDocuments(fs.readFileSync(full, 'utf8')).filter((d) => d.contents !== null);
    const kinds = objects.map((d) => (d.toJS() as { kind: string }).kind);
    total += objects.length;
    const counts = [...new Set(kinds)].sort().map((k) => `${kinds.filter((x) => x === k).length} ${k}`).join(', ');
    console.log(`${path.relative(process.cwd(), full)}: ${objects.length} objects (${counts})`);
  }
}
// The GitOps layouts: a folder per chart, named by its id (the GitOps tool's objects name those paths).
for (const layout of GITOPS_LAYOUTS) {
  for (const chart of layout.build(new App())) {
    const folder = path.join(root, layout.name, chart.node.id);
    fs.mkdirSync(folder, { recursive: true });
    const objects = chart.toJson();
    fs.writeFileSync(path.join(folder, `${chart.node.id}.k8s.yaml`), Yaml.stringify(...objects));
    total += objects.length;
    console.log(`${path.relative(process.cwd(), folder)}/: ${objects.length} objects`);
  }
}
console.log(`wrote ${total} objects for ${EXAMPLES.length} examples and ${GITOPS_LAYOUTS.length} GitOps layouts under ${path.relative(process.cwd(), root)}/`);
