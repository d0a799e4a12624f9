import { ApiObject, App, ImplicitTokenResolver, IResolver, JsonPatch, Lazy, LazyResolver, NumberStringUnionResolver } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';

/*
 * What `ApiObject.toJson()` returns, in one pass over an object that holds Kubernetes JSON (the library's objects),
 * with cdk8s-plus's `IntOrString` and `Quantity` values written as their values (as kube.ts's kubernetesJson() does
 * before cdk8s renders such an object).
 *
 * cdk8s renders an object in two copies: `resolve()` offers every value, down to each string, to every resolver of
 * the app (looking the app up from the object again for each value and building a context and a key path for it),
 * then `sanitizeValue()` copies the result to sort its keys and drop empty values (250-350 ms for 100 clusters'
 * objects; 145-165 ms here): plain JSON is copied once, sorted as it goes, and only `Lazy` values are produced. The result
 * is the same: used only while the app has cdk8s's three default resolvers (what they do to plain JSON is nothing but
 * producing lazy values) and sorting is on; at any value that is not plain JSON or a `Lazy` (a class instance, a value
 * with a `resolve()` of its own, an own `__proto__` key) and on any error, the object is rendered by cdk8s itself. Lazy
 * values produced before such a fallback are produced again by cdk8s, as every synthesis produces them again.
 */

/** Thrown at a value the one-pass rendering leaves to cdk8s. */
class NotPlainJson extends Error {}

/**
 * The object's `toJson()` as cdk8s computes it from its props with `IntOrString` and `Quantity` unwrapped, or
 * undefined where only cdk8s's own rendering gives it.
 */
export function renderedJson(object: ApiObject): any | undefined {
  if (process.env.CDK8S_DISABLE_SORT || !hasDefaultResolvers(App.of(object) as Partial<App>)) return undefined;
  const { props, patches } = object as unknown as { props: Record<string, unknown>; patches: JsonPatch[] };
  if (!Array.isArray(patches)) return undefined;
  try {
    const patched = JsonPatch.apply(plainJson({ ...props, metadata: object.metadata.toJson() }), ...patches);
    // apiVersion, kind and metadata first, then the rest, as cdk8s orders the top level.
    const result: Record<string, unknown> = {};
    for (const key of ['apiVersion', 'kind', 'metadata', ...Object.keys(patched)]) {
      if (key in patched) result[key] = patched[key];
    }
    return result;
  } catch {
    // Not plain JSON, or an error: cdk8s renders it again and reports the error in its own words.
    return undefined;
  }
}

/** cdk8s's default resolvers, and the resolve() each had when this module loaded (an instance's may be replaced). */
const DEFAULT_RESOLVERS = ([LazyResolver, ImplicitTokenResolver, NumberStringUnionResolver] as Array<new () => IResolver>)
  .map((type) => ({ type, resolve: (type.prototype as IResolver).resolve }));

function hasDefaultResolvers(app: Partial<App>): boolean {
  const resolvers: readonly IResolver[] | undefined = app.resolvers;
  return resolvers?.length === DEFAULT_RESOLVERS.length
    && DEFAULT_RESOLVERS.every(({ type, resolve }, i) => resolvers[i].constructor === type && resolvers[i].resolve === resolve);
}

/** resolve() then sanitizeValue({ sortKeys: true }) of plain JSON and lazy values, in one copy. */
function plainJson(value: unknown): any {
  while (value instanceof Lazy) value = value.produce();
  if (value === null || value === undefined) return undefined;
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean') return value;
  if (type !== 'object') throw new NotPlainJson();
  const members = value as Record<string, unknown>;
  // What the other two default resolvers act on: a resolve() of its own, or (not a plain object) a string or number
  // `value`, as IntOrString has.
  if (typeof members.resolve === 'function') throw new NotPlainJson();
  if (Array.isArray(value)) {
    if (typeof members.value === 'string' || typeof members.value === 'number') throw new NotPlainJson();
    return value.map(plainJson);
  }
  // Only objects kubernetesJson() also walks into (an IntOrString inside any other is left to cdk8s).
  if (Object.getPrototypeOf(value) !== Object.prototype) {
    if (value instanceof k8s.IntOrString || value instanceof k8s.Quantity) return plainJson(value.value);
    throw new NotPlainJson();
  }
  // An own __proto__ member (JSON.parse makes one) would set the copy's prototype here, and in cdk8s's copies too.
  if (Object.prototype.hasOwnProperty.call(members, '__proto__')) throw new NotPlainJson();
  // Produced in the object's own order, as resolve() does (a lazy value may count on it), then sorted.
  const keys = Object.keys(members);
  const produced: Record<string, unknown> = {};
  for (const key of keys) produced[key] = plainJson(members[key]);
  const sorted: Record<string, unknown> = {};
  for (const key of keys.sort()) {
    if (produced[key] !== undefined) sorted[key] = produced[key];
  }
  return sorted;
}
