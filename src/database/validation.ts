// Internal: synth-time checks of a DatabaseBootstrapSpec; BootstrapSql.problems is the public entry.
import { alternatingLoginProblems } from './alternating-logins';
import { identifierProblem, RESERVED_DATABASES, RESERVED_ROLES, RESERVED_SCHEMAS } from './identifiers';
import { preparedRoles, resolveAbsentRoles, ResolvedRole, resolveRoles } from './model';
import { absentReferenceProblem, roleStateProblems } from './role-state-validation';
import { DatabaseBootstrapSpec, DatabaseProps, RoleProps } from './roles';
import { ALL_PREDEFINED_ROLES } from '../postgres/catalog';
import { check, Problem } from '../private/validation';

// The server encodings CREATE DATABASE accepts (PostgreSQL 13-17, "Character Set Support"), and their aliases
// (src/common/encnames.c); PostgreSQL compares names ignoring case and every character but letters and digits.
const SERVER_ENCODINGS = [
  'EUC_CN', 'EUC_JP', 'EUC_JIS_2004', 'EUC_KR', 'EUC_TW', 'ISO_8859_5', 'ISO_8859_6', 'ISO_8859_7', 'ISO_8859_8',
  'KOI8R', 'KOI8U', 'LATIN1', 'LATIN2', 'LATIN3', 'LATIN4', 'LATIN5', 'LATIN6', 'LATIN7', 'LATIN8', 'LATIN9', 'LATIN10',
  'MULE_INTERNAL', 'SQL_ASCII', 'UTF8', 'WIN866', 'WIN874', 'WIN1250', 'WIN1251', 'WIN1252', 'WIN1253', 'WIN1254',
  'WIN1255', 'WIN1256', 'WIN1257', 'WIN1258',
];
const ENCODING_ALIASES = [
  'unicode', 'iso88591', 'iso88592', 'iso88593', 'iso88594', 'iso88599', 'iso885910', 'iso885913', 'iso885914',
  'iso885915', 'iso885916', 'koi8', 'alt', 'win', 'tcvn', 'tcvn5712', 'vscii', 'abc', 'cp866', 'cp874', 'cp1250', 'cp1251',
  'cp1252', 'cp1253', 'cp1254', 'cp1255', 'cp1256', 'cp1257', 'cp1258', 'eucjis2004', 'mule',
];
// Spelling first (the name is written into SQL): letters, digits, "_" and "-" (UTF8, LATIN1, SQL_ASCII, also UTF-8).
const ENCODING = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;
const normalEncoding = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');
const KNOWN_ENCODINGS = new Set([...SERVER_ENCODINGS.map(normalEncoding), ...ENCODING_ALIASES]);
const encodingProblem = (encoding: string): string | undefined => (!ENCODING.test(encoding)
  ? 'is not a valid encoding name: use letters, digits, "_" and "-" (e.g. "UTF8")'
  : KNOWN_ENCODINGS.has(normalEncoding(encoding)) ? undefined : `is not a server encoding of PostgreSQL (client-only ones such as SJIS, BIG5 and GBK cannot store a database): one of ${SERVER_ENCODINGS.join(', ')}`);
// OS locale names: C, POSIX, C.UTF-8, en_US.UTF-8, de_DE@euro, sr_RS.utf8@latin.
const LOCALE = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_-]+)?(@[A-Za-z0-9_]+)?$/;
// Extension control file names: lowercase, digits, underscore and hyphen (uuid-ossp).
const EXTENSION = /^[a-z][a-z0-9_-]*$/;

const show = (value: unknown): string => JSON.stringify(value);

/** The identifier rule, then what PostgreSQL, Patroni and Spilo reserve for roles. */
function roleNameProblem(name: string): string | undefined {
  const invalid = identifierProblem(name);
  if (invalid !== undefined) return invalid;
  if (name.startsWith('pg_')) return 'is reserved: role names starting with "pg_" belong to PostgreSQL';
  if (RESERVED_ROLES.includes(name)) return `is reserved: PostgreSQL, Patroni or Spilo use it (reserved: ${RESERVED_ROLES.join(', ')})`;
  return undefined;
}

function schemaNameProblem(schema: string): string | undefined {
  const invalid = identifierProblem(schema);
  if (invalid !== undefined) return invalid;
  if (schema.startsWith('pg_')) return 'is reserved: schema names starting with "pg_" belong to PostgreSQL';
  if (RESERVED_SCHEMAS.includes(schema)) return `is reserved: PostgreSQL, Spilo or the pooler use it (reserved: ${RESERVED_SCHEMAS.join(', ')})`;
  return undefined;
}

function duplicates<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return new Map([...groups].filter(([, group]) => group.length > 1));
}

/** Each value listed more than once in `property`, reported once. */
function listedTwice(property: string, values: readonly string[], what: string): Problem[] {
  return [...duplicates(values, (v) => v)].map(([value]) => ({ property, value, rule: `is listed more than once; list each ${what} once` }));
}

function duplicateRoles(roles: ReadonlyArray<{ name: string; source: string; generated: boolean }>): Problem[] {
  return [...duplicates(roles, (r) => r.name)].map(([name, group]) => {
    const [first, ...rest] = group.map((r) => r.generated ? `${r.source} (generated)` : r.source);
    return {
      property: rest.join(', '),
      value: name,
      rule: `is already used by ${first}; role names must be unique, including the generated <db>_owner/_reader/_writer(_user) and pooler roles`,
    };
  });
}

/**
 * PostgreSQL's predefined roles a declared role may be a member of, in any supported major (from each major's
 * pg_roles; the cluster checks the target major's).
 */
export const PREDEFINED_ROLES: readonly string[] = ALL_PREDEFINED_ROLES;

function membershipProblem(role: RoleProps, group: string, known: Set<string>, absent: Set<string>): string | undefined {
  if (group === role.name) return 'is the role itself; a role cannot be a member of itself';
  if (absent.has(group)) return absentReferenceProblem(group, absent);
  if (!known.has(group) && !PREDEFINED_ROLES.includes(group)) {
    return `is not a declared role nor a role generated for a prepared database or the pooler, nor one of PostgreSQL's predefined roles (${PREDEFINED_ROLES.join(', ')})`;
  }
  return undefined;
}

function roleProblems(role: RoleProps, i: number, known: Set<string>, absent: Set<string>): Problem[] {
  const limit = role.connectionLimit;
  const limitValid = limit === undefined || (Number.isInteger(limit) && limit >= -1);
  return [
    ...check(`roles[${i}].name`, role.name, roleNameProblem(role.name)),
    ...check(`roles[${i}].connectionLimit`, limit, limitValid ? undefined : 'must be an integer >= -1 (-1 means no limit)'),
    // An absent role's memberOf is reported once, as having no effect.
    ...(role.absent ? [] : role.memberOf ?? []).flatMap((group, j) => check(`roles[${i}].memberOf[${j}]`, group, membershipProblem(role, group, known, absent))),
    ...listedTwice(`roles[${i}].memberOf`, role.absent ? [] : role.memberOf ?? [], 'role'),
    ...roleStateProblems(role, i, known),
  ];
}

/** Membership cycles make GRANT fail at run time; report each cycle once. */
function membershipCycles(roles: ResolvedRole[]): Problem[] {
  const edges = new Map(roles.map((r) => [r.name, r.memberOf]));
  const state = new Map<string, 'visiting' | 'done'>();
  const problems: Problem[] = [];
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      const owner = roles.find((r) => r.name === cycle[0]);
      problems.push({ property: owner?.source.replace('.name', '.memberOf') ?? 'roles', value: cycle.join(' -> '), rule: 'is a membership cycle; role membership must not loop' });
      return;
    }
    state.set(name, 'visiting');
    for (const group of edges.get(name) ?? []) if (edges.has(group)) visit(group, [...path, name]);
    state.set(name, 'done');
  };
  for (const r of roles) visit(r.name, []);
  return problems;
}

function ownerProblem(db: DatabaseProps, owner: string, declared: Set<string>, preparedOwners: Set<string>, absent: Set<string>): string | undefined {
  if (db.prepared) {
    const own = preparedRoles(db).owner;
    return owner === own ? undefined
      : `cannot own a prepared database, which is always owned by ${show(own)}; make the role a member of it instead (memberOf: [${show(own)}])`;
  }
  const invalid = identifierProblem(owner);
  if (invalid !== undefined) return invalid;
  if (absent.has(owner)) return absentReferenceProblem(owner, absent);
  if (!declared.has(owner) && !preparedOwners.has(owner)) return 'is not a declared role nor the <db>_owner role of a prepared database';
  return undefined;
}

function extensionProblem(ext: string): string | undefined {
  if (EXTENSION.test(ext) && Buffer.byteLength(ext) <= 63) return undefined;
  return 'is not a valid extension name: use lowercase letters, digits, underscores and hyphens, starting with a letter, at most 63 bytes';
}

/** The database name: an identifier, not reserved, and short enough for the roles a prepared database generates. */
function databaseNameProblems(db: DatabaseProps, i: number): Problem[] {
  const property = `databases[${i}].name`;
  const problems = [
    ...check(property, db.name, identifierProblem(db.name)),
    ...check(property, db.name, RESERVED_DATABASES.includes(db.name) ? `is reserved: it exists in every cluster (reserved: ${RESERVED_DATABASES.join(', ')})` : undefined),
  ];
  if (db.prepared && problems.length === 0) {
    const r = preparedRoles({ ...db, defaultUsers: true });
    const longest = db.defaultUsers ? r.writerUser! : r.writer;
    const tooLong = identifierProblem(longest);
    if (tooLong) problems.push({ property, value: db.name, rule: `is too long for a prepared database: the generated role ${show(longest)} ${tooLong}` });
    if (db.name.startsWith('pg_')) {
      problems.push({ property, value: db.name, rule: `cannot be prepared: the generated role ${show(r.owner)} would start with "pg_", which PostgreSQL reserves` });
    }
  }
  return problems;
}

function databaseProblems(db: DatabaseProps, i: number, declared: Set<string>, preparedOwners: Set<string>, absent: Set<string>): Problem[] {
  const at = (property: string) => `databases[${i}].${property}`;
  // A UTF codeset must be UTF-8 (glibc spells it UTF-8 or utf8): "en_US.UTF-9" is no locale of any image.
  const codeset = db.locale === undefined ? undefined : /\.([^@]+)/.exec(db.locale)?.[1];
  const localeValid = db.locale === undefined || (LOCALE.test(db.locale) && !(codeset && /^utf/i.test(codeset) && !/^utf-?8$/i.test(codeset)));
  return [
    ...databaseNameProblems(db, i),
    ...check(at('defaultUsers'), true, db.defaultUsers && !db.prepared
      ? 'requires prepared: true; default users are members of the prepared <db>_owner/_reader/_writer roles' : undefined),
    ...db.owner === undefined ? [] : check(at('owner'), db.owner, ownerProblem(db, db.owner, declared, preparedOwners, absent)),
    ...db.encoding === undefined ? [] : check(at('encoding'), db.encoding, encodingProblem(db.encoding)),
    ...check(at('locale'), db.locale, localeValid ? undefined
      : 'is not a valid locale name: use language[_territory][.codeset][@modifier] (e.g. "C", "C.UTF-8", "en_US.UTF-8")'),
    ...(db.schemas ?? []).flatMap((schema, j) => check(at(`schemas[${j}]`), schema, schemaNameProblem(schema))),
    ...listedTwice(at('schemas'), db.schemas ?? [], 'schema'),
    ...(db.extensions ?? []).flatMap((ext, j) => check(at(`extensions[${j}]`), ext, extensionProblem(ext))),
    ...listedTwice(at('extensions'), db.extensions ?? [], 'extension'),
  ];
}

function duplicateDatabases(dbs: readonly DatabaseProps[]): Problem[] {
  const indexed = dbs.map((db, i) => ({ db, i }));
  return [...duplicates(indexed, (x) => x.db.name)].map(([name, group]) => ({
    property: group.slice(1).map((x) => `databases[${x.i}].name`).join(', '),
    value: name,
    rule: `is already used by databases[${group[0].i}].name; database names must be unique`,
  }));
}

/** Every problem of the spec, each naming the property, the bad value and the rule; empty when valid. */
export function validateSpec(spec: DatabaseBootstrapSpec): Problem[] {
  const roles = resolveRoles(spec);
  const known = new Set(roles.map((r) => r.name));
  const absentRoles = resolveAbsentRoles(spec);
  const absent = new Set(absentRoles.map((r) => r.name));
  const declared = new Set((spec.roles ?? []).filter((r) => !r.absent).map((r) => r.name));
  const dbs = spec.databases ?? [];
  const preparedOwners = new Set(dbs.filter((db) => db.prepared).map((db) => preparedRoles(db).owner));
  const problems = [
    ...(spec.roles ?? []).flatMap((role, i) => roleProblems(role, i, known, absent)),
    ...spec.poolerRole === undefined ? [] : check('poolerRole', spec.poolerRole, roleNameProblem(spec.poolerRole)),
    ...duplicateRoles([...roles, ...absentRoles.map((r) => ({ name: r.name, source: `${r.source}.name`, generated: false }))]),
    ...dbs.flatMap((db, i) => databaseProblems(db, i, declared, preparedOwners, absent)),
    ...duplicateDatabases(dbs),
    ...alternatingLoginProblems(spec),
  ];
  // A cycle through invalid names would only repeat those problems.
  return problems.length === 0 ? membershipCycles(roles) : problems;
}
