import { ApiObject, JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';

/*
 * The library's Kubernetes objects: cdk8s-plus's typed classes (the public fields keep their types), except that a
 * JSON patch applies to the object as it is written out, in Kubernetes' own field names and values.
 *
 * cdk8s-plus's classes apply JSON patches to the typed props, before converting them to Kubernetes JSON, and that
 * conversion keeps only what the typed API of Kubernetes 1.27 knows, in its types: a patch that adds a newer field
 * (a Service's `trafficDistribution`, a Job's `podReplacementPolicy`), uses Kubernetes' name of a renamed field
 * (`clusterIP`, `hostIPC`) or gives an int-or-string field a plain number (`maxSurge: 1`) vanishes from the output
 * without an error (cdk8s-team/cdk8s-core#72). The library documents `apiObjects` as its escape hatch, so a patch there
 * must either take effect or fail: here it is applied after the conversion, as on any plain ApiObject, and a patch
 * whose path does not exist fails the synthesis with the object's path.
 */

type ApiObjectClass = abstract new (...args: any[]) => ApiObject;

const patchesByObject = new WeakMap<ApiObject, JsonPatch[]>();

/** `Base` with its JSON patches applied to its rendered Kubernetes JSON. */
export function patchedAsWritten<T extends ApiObjectClass>(Base: T): T {
  abstract class PatchedAsWritten extends Base {
    public addJsonPatch(...ops: JsonPatch[]): void {
      const patches = patchesByObject.get(this) ?? [];
      patches.push(...ops);
      patchesByObject.set(this, patches);
    }

    public toJson(): any {
      const json = super.toJson();
      const patches = patchesByObject.get(this);
      if (!patches) return json;
      try {
        return JsonPatch.apply(json, ...patches);
      } catch (e) {
        throw new Error(`Failed serializing construct at path '${this.node.path}' with name '${this.name}': ${e}`);
      }
    }
  }
  return PatchedAsWritten;
}

export const KubeConfigMap = patchedAsWritten(k8s.KubeConfigMap);
export const KubeCronJob = patchedAsWritten(k8s.KubeCronJob);
export const KubeDeployment = patchedAsWritten(k8s.KubeDeployment);
export const KubeJob = patchedAsWritten(k8s.KubeJob);
export const KubeNamespace = patchedAsWritten(k8s.KubeNamespace);
export const KubeNetworkPolicy = patchedAsWritten(k8s.KubeNetworkPolicy);
export const KubePersistentVolumeClaim = patchedAsWritten(k8s.KubePersistentVolumeClaim);
export const KubePodDisruptionBudget = patchedAsWritten(k8s.KubePodDisruptionBudget);
export const KubeRole = patchedAsWritten(k8s.KubeRole);
export const KubeRoleBinding = patchedAsWritten(k8s.KubeRoleBinding);
export const KubeService = patchedAsWritten(k8s.KubeService);
export const KubeServiceAccount = patchedAsWritten(k8s.KubeServiceAccount);
