import * as fs from 'fs';
import * as path from 'path';
import { Yaml } from 'cdk8s';
import { ControlPlane, GITOPS_FIELD_MANAGER } from './control-plane';

/*
 * What a GitOps tool (Argo CD, Flux) does with a synthesized bundle, for day-2 tests: a server-side
 * apply of every object with one field manager, and, with `prune`, deleting the objects of the
 * previous revision that the new one no longer contains (Argo CD's `prune: true`, Flux's
 * `prune: true`). Like both tools, it prunes only what it applied itself: PersistentVolumeClaims the
 * StatefulSet controller created are never in the list.
 */
export class GitOpsSync {
  private applied = new Map<string, any>();
  private revision = 0;

  public constructor(private readonly plane: ControlPlane, private readonly options: { readonly prune?: boolean } = {}) {}

  /** Applies one revision (the objects of `Testing.synth`, or of several charts); returns what changed. */
  public sync(objects: any[]): { readonly created: any[]; readonly pruned: string[] } {
    this.revision++;
    const file = path.join(this.plane.dir, `gitops-revision-${this.revision}.yaml`);
    fs.writeFileSync(file, Yaml.stringify(...objects));
    const next = new Map(objects.map((o) => [objectKey(o), o]));
    const created = objects.filter((o) => !this.applied.has(objectKey(o)));
    this.plane.kubectlOk(['apply', '--server-side', `--field-manager=${GITOPS_FIELD_MANAGER}`, '-f', file], { timeoutMs: 120_000 });
    const pruned: string[] = [];
    if (this.options.prune) {
      for (const [key, old] of this.applied) {
        if (next.has(key)) continue;
        const ns = old.metadata.namespace ? ['-n', old.metadata.namespace] : [];
        this.plane.kubectlOk(['delete', old.kind.toLowerCase() + (old.apiVersion.includes('/') ? '.' + old.apiVersion.split('/')[0] : ''), old.metadata.name, ...ns, '--ignore-not-found', '--wait=false']);
        pruned.push(key);
      }
    }
    this.applied = next;
    return { created, pruned };
  }
}

/** `Kind/namespace/name`, the identity GitOps tools track objects by. */
export function objectKey(o: any): string {
  return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}
