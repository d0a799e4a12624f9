// Internal: the synth-time rules of a role's declared state (attributes, VALID UNTIL, absent roles);
// validation.ts calls them for every declared role.
import { RoleProps } from './roles';
import { check, Problem } from '../private/validation';

/** Attributes that only mean something for a role that exists (everything but name, absent and reassignOwnedTo). */
const PRESENT_ONLY: ReadonlyArray<keyof RoleProps> = [
  'login', 'superuser', 'inherit', 'validUntil', 'createDb', 'createRole', 'replication', 'bypassRls', 'connectionLimit', 'memberOf',
];
const BOOLEANS: ReadonlyArray<keyof RoleProps> = ['absent', 'login', 'superuser', 'inherit', 'createDb', 'createRole', 'replication', 'bypassRls'];

// ISO 8601 with an explicit offset, so the moment does not depend on the server's TimeZone.
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

/** The VALID UNTIL rule: `infinity`, or a real ISO 8601 timestamp with a time zone. */
export function validUntilProblem(value: unknown): string | undefined {
  if (value === 'infinity') return undefined;
  const match = typeof value === 'string' ? TIMESTAMP.exec(value) : null;
  if (!match) {
    return 'must be "infinity" or an ISO 8601 timestamp with a time zone, e.g. "2027-01-31T00:00:00Z" or "2027-01-31T01:00:00+01:00"';
  }
  const [, year, month, day, hour, minute] = match.map(Number);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute));
  const real = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day && hour < 24 && minute < 60;
  return real ? undefined : 'is not a real date and time';
}

/**
 * Types (for callers without a compiler), VALID UNTIL, and what a role declared absent may carry:
 * nothing but `reassignOwnedTo`, which must name a role that stays.
 */
export function roleStateProblems(role: RoleProps, i: number, present: Set<string>): Problem[] {
  const at = (property: string) => `roles[${i}].${property}`;
  const problems = BOOLEANS.flatMap((key) => role[key] === undefined || typeof role[key] === 'boolean' ? []
    : check(at(key), role[key], 'must be true or false'));
  if (role.validUntil !== undefined) problems.push(...check(at('validUntil'), role.validUntil, validUntilProblem(role.validUntil)));
  const target = role.reassignOwnedTo;
  if (!role.absent) {
    return [...problems, ...target === undefined ? []
      : check(at('reassignOwnedTo'), target, 'only applies to a role declared absent (absent: true)')];
  }
  for (const key of PRESENT_ONLY) {
    if (role[key] !== undefined) problems.push(...check(at(key), role[key], 'has no effect on a role declared absent; remove it (only reassignOwnedTo applies)'));
  }
  if (target !== undefined && !present.has(target)) {
    problems.push(...check(at('reassignOwnedTo'), target, target === role.name ? 'is the role itself; name the role that receives what it owns'
      : 'must be a role that stays: a declared role (not absent) or one generated for a prepared database or the pooler'));
  }
  return problems;
}

/** A present role's memberOf entry, or a database owner, that names a role declared absent. */
export function absentReferenceProblem(name: string, absent: Set<string>): string | undefined {
  return absent.has(name) ? 'is declared absent: a role being dropped cannot be granted nor own a database' : undefined;
}
