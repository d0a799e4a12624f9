// Internal: the two login roles of a role whose password rotates with alternating users.
import { gexec, ident, literal, MAX_IDENTIFIER_BYTES, roleOid } from './identifiers';
import { DatabaseBootstrapSpec } from './roles';
import { check, Problem } from '../private/validation';

/** Suffixes of the two login roles, in the order they become active (rotation 0 logs in as the first). */
export const ALTERNATING_SUFFIXES: readonly ['a', 'b'] = ['a', 'b'];

/** The two login roles of `role`: `<role>_a` and `<role>_b`. */
export function alternatingLoginNames(role: string): [string, string] {
  return [`${role}_${ALTERNATING_SUFFIXES[0]}`, `${role}_${ALTERNATING_SUFFIXES[1]}`];
}

/**
 * The rules of `spec.alternatingLogins`: each names a declared login role (not absent, not a superuser or
 * replication role: those act as the session user, which would be the login role), and leaves room for
 * the `_a`/`_b` suffix within PostgreSQL's 63-byte identifier limit (longer names would be truncated and collide).
 */
export function alternatingLoginProblems(spec: DatabaseBootstrapSpec): Problem[] {
  const problems: Problem[] = [];
  const declared = (spec.roles ?? []).filter((r) => !r.absent);
  (spec.alternatingLogins ?? []).forEach((role, i) => {
    const property = `alternatingLogins[${i}]`;
    const found = declared.find((r) => r.name === role);
    const bytes = Buffer.byteLength(role, 'utf8');
    problems.push(...check(property, role,
      !found ? 'must name a role declared in roles (and not absent): its logins <role>_a and <role>_b become its members'
        : found.login === false ? 'must be a login role (login is false): alternating users replace its logins'
          : found.superuser || found.replication ? 'cannot be a superuser or replication role: its logins would act with their own attributes, not the declared role\'s'
            : bytes > MAX_IDENTIFIER_BYTES - 2 ? `is ${bytes} bytes: with alternating users its logins ${alternatingLoginNames(role).join(' and ')} must fit PostgreSQL's ${MAX_IDENTIFIER_BYTES}-byte limit, so the role name may have at most ${MAX_IDENTIFIER_BYTES - 2}`
              : (spec.alternatingLogins ?? []).indexOf(role) !== i ? 'is listed twice' : undefined));
  });
  return problems;
}

/**
 * Sessions of a login role act as `role` (`ALTER ROLE <login> SET role = '<role>'`, in every database), so
 * what either login creates is owned by the declared role and its default privileges apply. Guarded:
 * nothing is written when the setting is already there.
 */
export function loginActsAs(login: string, role: string): string {
  return gexec(`SELECT ${literal(`ALTER ROLE ${ident(login)} SET role = ${literal(role)}`)}`
    + ' WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_db_role_setting s'
    + ` WHERE s.setrole = ${roleOid(login)} AND s.setdatabase = 0 AND ${literal(`role=${role}`)} = ANY (s.setconfig))`);
}
