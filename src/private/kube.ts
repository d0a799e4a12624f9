import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { renderedJson } from './render-json';

/*
 * The library's Kubernetes objects: cdk8s-plus's typed classes (the public fields keep their types), holding their
 * content in Kubernetes' field names as written and rendered as cdk8s renders any ApiObject, in one pass where cdk8s
 * copies twice (render-json.ts).
 *
 * cdk8s-plus's own classes keep typed props and convert them to Kubernetes JSON at every toJson(), field by field,
 * rebuilding every object (a third of rendering a cluster). They also apply JSON patches to the typed props, before
 * that conversion, which keeps only what the typed API of Kubernetes 1.27 knows, in its types: a patch that adds a
 * newer field (a Service's `trafficDistribution`), uses Kubernetes' name of a renamed field (`clusterIP`) or gives
 * an int-or-string field a plain number (`maxSurge: 1`) vanished without an error (cdk8s-team/cdk8s-core#72). Here a
 * patch applies to the object as written, as on any plain ApiObject, and one whose path does not exist fails the
 * synthesis with the object's path.
 *
 * What the library writes is already in Kubernetes' field names (it writes `clusterIP` itself), and what users hand
 * in as typed structs is converted by cdk8s-plus where it enters (`k8s.toJson_Container`, ...), so the only typed
 * values left are `IntOrString` and `Quantity`, unwrapped when the object is rendered, also inside what lazy values
 * produce: by the one-pass rendering as it copies, or by kubernetesJson() before cdk8s renders the object itself.
 * (Not when the object is created: that was one more walk over every object's content, 6% of building a cluster.)
 */

type ApiObjectClass = new (...args: any[]) => ApiObject;

/**
 * `Base`, holding its props as written and rendered as the Kubernetes JSON they stand for, without a typed
 * conversion: the one-pass rendering unwraps `IntOrString` and `Quantity` as it copies; where cdk8s renders the
 * object itself, it renders the props with those values unwrapped first (kubernetesJson). The metadata, which cdk8s
 * keeps apart from the props, is converted when the object is created.
 */
export function renderedAsWritten<T extends ApiObjectClass>(Base: T): T {
  class RenderedAsWritten extends Base {
    constructor(...args: any[]) {
      // cdk8s reads the metadata here, once: what it holds is converted now (a few labels and annotations).
      const props = args[2];
      const metadata = kubernetesJson(props?.metadata);
      super(args[0], args[1], metadata === props?.metadata ? props : { ...props, metadata });
    }

    public toJson(): any {
      return renderedJson(this) ?? renderedByCdk8s(this);
    }
  }
  return RenderedAsWritten;
}

/**
 * cdk8s's own `toJson()` of the object, with its props converted to Kubernetes JSON for the call (the object itself
 * is what resolvers see; its props are restored after).
 */
export function renderedByCdk8s(object: ApiObject): any {
  const holder = object as unknown as { props: unknown };
  const props = holder.props;
  try {
    holder.props = kubernetesJson(props);
  } catch (e) {
    // As cdk8s reports an error in rendering the object.
    throw new Error(`Failed serializing construct at path '${object.node.path}' with name '${object.name}': ${e}`);
  }
  try {
    return ApiObject.prototype.toJson.call(object);
  } finally {
    holder.props = props;
  }
}

/**
 * `value` with every `IntOrString` and `Quantity` replaced by its value and every lazy value by one that does the same
 * to what it produces. Plain objects and arrays are copied only where something inside them changes.
 */
export function kubernetesJson(value: unknown): any {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const converted = kubernetesJson(value[i]);
      if (converted !== value[i]) (copy ??= [...value])[i] = converted;
    }
    return copy ?? value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) {
    if (value instanceof k8s.IntOrString || value instanceof k8s.Quantity) return value.value;
    if (value instanceof Lazy) return Lazy.any({ produce: () => kubernetesJson(value.produce()) });
    return value;
  }
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const member = (value as Record<string, unknown>)[key];
    const converted = kubernetesJson(member);
    if (converted !== member) (copy ??= { ...value as Record<string, unknown> })[key] = converted;
  }
  return copy ?? value;
}

/**
 * A typed struct handed in by a user, as Kubernetes JSON: cdk8s-plus's conversion of its type (field names, unwrapped
 * values, and only the fields that type knows, as cdk8s-plus's own classes wrote it).
 */
export function written<T>(convert: (value: T | undefined) => Record<string, unknown> | undefined): (value: T) => T {
  return (value) => convert(value) as T;
}

export const KubeConfigMap = renderedAsWritten(k8s.KubeConfigMap);
export const KubeCronJob = renderedAsWritten(k8s.KubeCronJob);
export const KubeDeployment = renderedAsWritten(k8s.KubeDeployment);
export const KubeJob = renderedAsWritten(k8s.KubeJob);
export const KubeNamespace = renderedAsWritten(k8s.KubeNamespace);
export const KubeNetworkPolicy = renderedAsWritten(k8s.KubeNetworkPolicy);
export const KubePersistentVolumeClaim = renderedAsWritten(k8s.KubePersistentVolumeClaim);
export const KubePodDisruptionBudget = renderedAsWritten(k8s.KubePodDisruptionBudget);
export const KubeRole = renderedAsWritten(k8s.KubeRole);
export const KubeRoleBinding = renderedAsWritten(k8s.KubeRoleBinding);
export const KubeService = renderedAsWritten(k8s.KubeService);
export const KubeServiceAccount = renderedAsWritten(k8s.KubeServiceAccount);
export const KubeStatefulSet = renderedAsWritten(k8s.KubeStatefulSet);
