/**
 * Synth-time validation, one protocol everywhere:
 * - a rule is a function that returns a problem text (the rule that was broken) or nothing;
 * - a validator returns every {@link Problem} it finds (property, value, rule), never throws;
 * - a construct collects its own problems and its children's (prefixed with the property that
 *   configures the child) into one {@link ValidationErrors}, naming its construct path, and registers them for the
 *   tree's one report at synth (tree-report.ts); it throws at once only for props of the wrong shape.
 */
export interface Problem {
  /** The property (path) at fault, for example `connectionPooler.replicas`. */
  readonly property: string;
  /** The offending value. */
  readonly value: unknown;
  /** The rule it breaks. */
  readonly rule: string;
}

/**
 * What a pure resolver returns: the value with defaults applied and every problem it found. Where there are
 * problems the value is best effort: the construct is still built from it (nothing is synthesized, the report is),
 * so it must stay usable.
 */
export interface Validated<T> {
  readonly value: T;
  readonly problems: readonly Problem[];
}

/** One problem. */
export function problem(property: string, value: unknown, rule: string): Problem {
  return { property, value, rule };
}

/** A problem from a rule's result, or nothing. */
export function check(property: string, value: unknown, rule: string | undefined): Problem[] {
  return rule === undefined ? [] : [{ property, value, rule }];
}

/** `${property}: ${value} is invalid: ${rule}`: how every problem reads. */
export function formatProblem(p: Problem): string {
  return `${p.property}: ${formatValue(p.value)} is invalid: ${p.rule}`;
}

/** The one error type of synth-time validation: every problem of a construct call at once. */
export class ValidationError extends Error {
  constructor(public readonly subject: string, public readonly problems: readonly Problem[]) {
    const count = problems.length === 1 ? '1 invalid property' : `${problems.length} invalid properties`;
    super(`${subject} has ${count}:\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`);
    this.name = 'ValidationError';
  }
}

/**
 * Collects the problems of one construct call (its own and its children's), then reports them
 * together: the subject names the construct and its path.
 */
export class ValidationErrors {
  private readonly collected: Problem[] = [];

  constructor(public readonly subject: string) {}

  public add(property: string, value: unknown, rule: string): void {
    this.collected.push({ property, value, rule });
  }

  /** Adds the problem a rule returned, if any; true when there was none. */
  public check(property: string, value: unknown, rule: string | undefined): boolean {
    if (rule !== undefined) this.add(property, value, rule);
    return rule === undefined;
  }

  /** Adds a validator's problems; `prefix` names the property that configures a child (`connectionPooler`). */
  public addProblems(problems: readonly Problem[], prefix?: string): void {
    for (const p of problems) this.collected.push(prefix ? { ...p, property: `${prefix}.${p.property}` } : p);
  }

  public get problems(): readonly Problem[] {
    return this.collected;
  }

  /** The problems as the report lists them. */
  public get messages(): readonly string[] {
    return this.collected.map(formatProblem);
  }

  public get hasProblems(): boolean {
    return this.collected.length > 0;
  }

  /** Throws one {@link ValidationError} listing every collected problem (no-op when there is none). */
  public throwIfAny(): void {
    if (this.collected.length > 0) throw new ValidationError(this.subject, this.collected);
  }
}

export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
// Kubernetes accepts any printable ASCII but '=' since 1.30; this is the portable rule older API servers enforce.
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const QUANTITY = /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;

/** Kubernetes' own rule texts, so error messages read like the API server's. */
export const Rules = {
  dns1035Label(value: string, maxLength = 63): string | undefined {
    if (value.length > maxLength) return `must be at most ${maxLength} characters (it has ${value.length})`;
    if (!DNS1035_LABEL.test(value)) return "must be a DNS-1035 label: lowercase letters, digits and '-', starting with a letter and ending with a letter or digit";
    return undefined;
  },
  dns1123Label(value: string): string | undefined {
    if (value.length > 63) return `must be at most 63 characters (it has ${value.length})`;
    if (!DNS1123_LABEL.test(value)) return "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit";
    return undefined;
  },
  dns1123Subdomain(value: string): string | undefined {
    if (value.length > 253) return `must be at most 253 characters (it has ${value.length})`;
    if (!DNS1123_SUBDOMAIN.test(value)) return "must be a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', each part starting and ending with a letter or digit";
    return undefined;
  },
  /** Label and annotation keys: optional DNS-1123 subdomain prefix and '/', then a name of at most 63 characters. */
  qualifiedName(key: string): string | undefined {
    const parts = key.split('/');
    if (parts.length > 2) return "must be a qualified name: an optional DNS subdomain prefix and '/', then a name";
    const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
    if (prefix !== undefined && Rules.dns1123Subdomain(prefix)) return `has an invalid prefix "${prefix}": ${Rules.dns1123Subdomain(prefix)}`;
    if (name.length === 0 || name.length > 63) return 'must have a name part of 1 to 63 characters';
    if (!LABEL_NAME.test(name)) return "must have a name part of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric character";
    return undefined;
  },
  labelValue(value: string): string | undefined {
    if (value.length > 63) return `must be a label value of at most 63 characters (it has ${value.length})`;
    if (!LABEL_VALUE.test(value)) return "must be a label value: empty, or alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric character";
    return undefined;
  },
  portName(value: string): string | undefined {
    if (value.length > 15) return `must be a port name of at most 15 characters (it has ${value.length})`;
    if (!IANA_SVC_NAME.test(value) || !/[a-z]/.test(value) || value.includes('--')) {
      return "must be an IANA service name: lowercase letters, digits and '-', at least one letter, no '--', not starting or ending with '-'";
    }
    return undefined;
  },
  envVarName(value: string): string | undefined {
    if (!ENV_VAR_NAME.test(value)) return "must be an environment variable name: letters, digits, '_', '-' or '.', not starting with a digit";
    return undefined;
  },
  /** Keys of Secrets and ConfigMaps (validation.IsConfigMapKey). */
  secretKey(key: string): string | undefined {
    if (key.length === 0 || key.length > 253) return `must be a Secret key of 1 to 253 characters (it has ${key.length})`;
    if (!/^[-._a-zA-Z0-9]+$/.test(key) || key === '.' || key === '..') return "must be a Secret key: alphanumerics, '-', '_' or '.' (not '.' or '..')";
    return undefined;
  },
  quantity(value: string): string | undefined {
    if (!QUANTITY.test(value)) return 'must be a Kubernetes resource quantity such as 500m, 2, 1.5Gi or 512Mi';
    return undefined;
  },
};

/** Validates a label map (keys and values) into the collector, under the given property name. */
export function validateLabels(errors: ValidationErrors, property: string, labels: Record<string, string> | undefined): void {
  for (const [key, value] of Object.entries(labels ?? {})) {
    const keyProblem = Rules.qualifiedName(key);
    if (keyProblem) errors.add(`${property} key`, key, keyProblem);
    const valueProblem = Rules.labelValue(value);
    if (valueProblem) errors.add(`${property}[${JSON.stringify(key)}]`, value, valueProblem);
  }
}

export function validateAnnotationKeys(errors: ValidationErrors, property: string, annotations: Record<string, string> | undefined): void {
  for (const key of Object.keys(annotations ?? {})) {
    errors.check(`${property} key`, key, Rules.qualifiedName(key));
  }
}
