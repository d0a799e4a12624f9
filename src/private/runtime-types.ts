// Internal: not part of the jsii API (do not re-export from src/index.ts).
import { Duration, Size } from 'cdk8s';
import { IConstruct } from 'constructs';
import { throwWithTreeReport } from './tree-report';
import { problem, Problem } from './validation';

/**
 * What a prop must be at run time. TypeScript checks these at compile time; plain JavaScript and jsii callers
 * (Python, Java, Go) can pass anything, and a string where a Size is expected would otherwise end in a TypeError
 * deep inside, or an unknown enum value in a silent default.
 */
export type PropType =
  | 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'string[]' | 'integer[]' | 'record'
  | { readonly instanceOf: Function; readonly example: string }
  | { readonly enumOf: Record<string, string>; readonly name: string }
  | { readonly fields: PropSchema }
  | { readonly arrayOf: PropType };

/** A props interface: each property's type, and which ones are required. */
export interface PropSchema {
  readonly types: Record<string, PropType>;
  readonly required?: readonly string[];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'plain'})`;
  return `a ${typeof value}`;
}

function typeProblem(type: PropType, value: unknown, property: string): Problem[] {
  const is = (ok: boolean, expected: string) => (ok ? [] : [problem(property, value, `must be ${expected}, not ${describe(value)}`)]);
  const plainObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  switch (type) {
    case 'string': return is(typeof value === 'string', 'a string');
    // Whole numbers and ranges are the domain rules' (their messages name the range).
    case 'integer': return is(typeof value === 'number', 'an integer');
    case 'number': return is(typeof value === 'number' && Number.isFinite(value), 'a number');
    case 'boolean': return is(typeof value === 'boolean', 'a boolean');
    case 'object': return is(plainObject, 'an object');
    case 'array': return is(Array.isArray(value), 'an array');
    case 'string[]': return is(Array.isArray(value) && value.every((v) => typeof v === 'string'), 'an array of strings');
    case 'integer[]': return is(Array.isArray(value) && value.every((v) => Number.isInteger(v)), 'an array of integers');
    case 'record': return is(plainObject && Object.values(value as object).every((v) => typeof v === 'string'), 'a map of strings to strings');
    default:
      break;
  }
  if ('instanceOf' in type) return is(value instanceof (type.instanceOf as new () => unknown), `created with ${type.example}`);
  if ('enumOf' in type) {
    const values = Object.values(type.enumOf);
    return is(values.includes(value as string), `one of ${type.name}.${Object.keys(type.enumOf).join(`, ${type.name}.`)} (${values.map((v) => JSON.stringify(v)).join(', ')})`);
  }
  if ('arrayOf' in type) {
    return Array.isArray(value) ? value.flatMap((item, i) => typeProblem(type.arrayOf, item, `${property}[${i}]`)) : is(false, 'an array');
  }
  return plainObject ? checkPropTypes(value, type.fields, property) : is(false, 'an object');
}

/**
 * Every problem of a props object against its schema: a missing required prop, a value of the wrong type, an
 * unknown enum value, and a property the interface does not have (a typo would otherwise be silently ignored).
 */
export function checkPropTypes(props: unknown, schema: PropSchema, prefix = ''): Problem[] {
  const at = (key: string) => (prefix ? `${prefix}.${key}` : key);
  if (typeof props !== 'object' || props === null || Array.isArray(props)) {
    return [problem(prefix || 'props', props, `must be an object, not ${describe(props)}`)];
  }
  const problems: Problem[] = [];
  const record = props as Record<string, unknown>;
  for (const key of schema.required ?? []) {
    if (record[key] === undefined || record[key] === null) problems.push(problem(at(key), record[key], 'is required'));
  }
  for (const [key, value] of Object.entries(record)) {
    const type = schema.types[key];
    if (!type) problems.push(problem(at(key), value, `is not a property (known: ${Object.keys(schema.types).join(', ')})`));
    else if (value !== undefined && !(value === null && !schema.required?.includes(key))) problems.push(...typeProblem(type, value, at(key)));
  }
  return problems;
}

/** The common instance types of the props interfaces. */
export const SIZE: PropType = { instanceOf: Size, example: 'Size.gibibytes(n) / Size.mebibytes(n)' };
export const DURATION: PropType = { instanceOf: Duration, example: 'Duration.seconds(n) / Duration.minutes(n)' };

/**
 * Checks a construct's props against its schema before anything else: props of the wrong shape leave nothing to
 * build with, so they are thrown at once (with the problems the tree has reported so far, so the report stays one).
 */
export function requirePropTypes(construct: IConstruct, subject: string, props: unknown, schema: PropSchema): void {
  const problems = checkPropTypes(props, schema);
  if (problems.length > 0) throwWithTreeReport(construct, subject, problems);
}
