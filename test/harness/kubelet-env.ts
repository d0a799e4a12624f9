/**
 * The kubelet's expansion of `$(NAME)` references in container env values (Kubernetes
 * third_party/forked/golang/expansion): `$$` becomes `$`, `$(NAME)` becomes the value of an earlier
 * variable (unchanged when unknown), any other `$` stays. Internal: the tests and the Patroni
 * harness use it to see SPILO_CONFIGURATION as the container does.
 */
export class KubeletEnv {
  /** Expands one value against the variables defined before it. */
  public static expand(value: string, defined: Record<string, string>): string {
    let out = '';
    for (let i = 0; i < value.length; i++) {
      const c = value[i];
      if (c !== '$' || i === value.length - 1) {
        out += c;
        continue;
      }
      const next = value[i + 1];
      if (next === '$') {
        out += '$';
        i++;
      } else if (next === '(') {
        const end = value.indexOf(')', i + 2);
        if (end < 0) {
          // An unterminated reference is kept as written.
          out += value.slice(i);
          break;
        }
        const name = value.slice(i + 2, end);
        out += Object.prototype.hasOwnProperty.call(defined, name) ? defined[name] : `$(${name})`;
        i = end;
      } else {
        out += c;
      }
    }
    return out;
  }

  /**
   * Expands a container's env list in order, with secret values given by variable name and ConfigMap
   * values (configMapKeyRef) from `configMaps` (name -> data), e.g. the synthesized ConfigMaps.
   */
  public static resolve(
    env: Array<{ name: string; value?: string; valueFrom?: any }>,
    secretValues: Record<string, string>,
    configMaps: Record<string, Record<string, string>> = {},
  ): Record<string, string> {
    const defined: Record<string, string> = {};
    for (const variable of env) {
      const ref = variable.valueFrom?.configMapKeyRef;
      if (variable.value !== undefined) defined[variable.name] = KubeletEnv.expand(variable.value, defined);
      else if (variable.name in secretValues) defined[variable.name] = secretValues[variable.name];
      else if (ref && configMaps[ref.name]?.[ref.key] !== undefined) defined[variable.name] = configMaps[ref.name][ref.key];
    }
    return defined;
  }

  /** The data of every ConfigMap among synthesized objects, by name. */
  public static configMaps(objects: any[]): Record<string, Record<string, string>> {
    return Object.fromEntries(objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, o.data ?? {}]));
  }

  private constructor() {}
}
