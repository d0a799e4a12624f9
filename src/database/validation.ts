// Internal: synth-time checks of a DatabaseBootstrapSpec; BootstrapSql.validate is the public entry.
import { identifierProblem, RESERVED_DATABASES, RESERVED_ROLES, RESERVED_SCHEMAS } from './identifiers';
import { preparedRoles, ResolvedRole, resolveRoles } from './model';
import { DatabaseBootstrapSpec, DatabaseProps, RoleProps } from './roles';

// Encoding names as PostgreSQL spells them (UTF8, LATIN1, WIN1252, SQL_ASCII, EUC_JP, also UTF-8).
const ENCODING = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;
// OS locale names: C, POSIX, C.UTF-8, en_US.UTF-8, de_DE@euro, sr_RS.utf8@latin.
const LOCALE = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_-]+)?(@[A-Za-z0-9_]+)?$/;
// Extension control file names: lowercase, digits, underscore and hyphen (uuid-ossp).
const EXTENSION = /^[a-z][a-z0-9_-]*$/;

const show = (value: unknown): string => JSON.stringify(value);

function checkIdentifier(path: string, value: string): string[] {
  const problem = identifierProblem(value);
  return problem ? [`${path}: ${show(value)} ${problem}`] : [];
}

function checkRoleName(path: string, name: string): string[] {
  const invalid = checkIdentifier(path, name);
  if (invalid.length > 0) return invalid;
  if (name.startsWith('pg_')) return [`${path}: ${show(name)} is reserved: role names starting with "pg_" belong to PostgreSQL`];
  if (RESERVED_ROLES.includes(name)) {
    return [`${path}: ${show(name)} is reserved: PostgreSQL, Patroni or Spilo use it (reserved: ${RESERVED_ROLES.join(', ')})`];
  }
  return [];
}

function duplicates<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return new Map([...groups].filter(([, group]) => group.length > 1));
}

function checkDuplicateRoles(roles: ResolvedRole[]): string[] {
  return [...duplicates(roles, (r) => r.name)].map(([name, group]) => {
    const [first, ...rest] = group.map((r) => r.generated ? `${r.source} (generated)` : r.source);
    return `${rest.join(', ')}: role name ${show(name)} is already used by ${first}; role names must be unique, including the generated <db>_owner/_reader/_writer(_user) and pooler roles`;
  });
}

/**
 * PostgreSQL's predefined roles a declared role may be a member of (they exist in every database
 * of the supported versions; pg_read_all_data and pg_write_all_data since 14, pg_checkpoint since 15).
 */
export const PREDEFINED_ROLES = [
  'pg_read_all_data', 'pg_write_all_data', 'pg_monitor', 'pg_read_all_settings', 'pg_read_all_stats',
  'pg_stat_scan_tables', 'pg_signal_backend', 'pg_checkpoint',
];

function checkRole(role: RoleProps, i: number, known: Set<string>): string[] {
  const errors = checkRoleName(`roles[${i}].name`, role.name);
  const limit = role.connectionLimit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < -1)) {
    errors.push(`roles[${i}].connectionLimit: ${show(limit)} must be an integer >= -1 (-1 means no limit)`);
  }
  (role.memberOf ?? []).forEach((group, j) => {
    const path = `roles[${i}].memberOf[${j}]`;
    if (group === role.name) {errors.push(`${path}: ${show(group)} is the role itself; a role cannot be a member of itself`);} else if (!known.has(group) && !PREDEFINED_ROLES.includes(group)) {
      errors.push(`${path}: ${show(group)} is not a declared role nor a role generated for a prepared database or the pooler, nor one of PostgreSQL's predefined roles (${PREDEFINED_ROLES.join(', ')})`);
    }
  });
  for (const [group] of duplicates(role.memberOf ?? [], (g) => g)) {
    errors.push(`roles[${i}].memberOf: ${show(group)} is listed more than once; list each role once`);
  }
  return errors;
}

/** Membership cycles make GRANT fail at run time; report each cycle once. */
function checkMembershipCycles(roles: ResolvedRole[]): string[] {
  const edges = new Map(roles.map((r) => [r.name, r.memberOf]));
  const state = new Map<string, 'visiting' | 'done'>();
  const errors: string[] = [];
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      const owner = roles.find((r) => r.name === cycle[0]);
      errors.push(`${owner?.source.replace('.name', '.memberOf') ?? 'roles'}: ${show(cycle.join(' -> '))} is a membership cycle; role membership must not loop`);
      return;
    }
    state.set(name, 'visiting');
    for (const group of edges.get(name) ?? []) if (edges.has(group)) visit(group, [...path, name]);
    state.set(name, 'done');
  };
  for (const r of roles) visit(r.name, []);
  return errors;
}

function checkOwner(db: DatabaseProps, i: number, declared: Set<string>, preparedOwners: Set<string>): string[] {
  if (db.owner === undefined) return [];
  const path = `databases[${i}].owner`;
  if (db.prepared) {
    const own = preparedRoles(db).owner;
    return db.owner === own ? [] : [
      `${path}: ${show(db.owner)} cannot own a prepared database, which is always owned by ${show(own)}; make the role a member of it instead (memberOf: [${show(own)}])`,
    ];
  }
  const invalid = checkIdentifier(path, db.owner);
  if (invalid.length > 0) return invalid;
  if (!declared.has(db.owner) && !preparedOwners.has(db.owner)) {
    return [`${path}: ${show(db.owner)} is not a declared role nor the <db>_owner role of a prepared database`];
  }
  return [];
}

function checkSchemas(db: DatabaseProps, i: number): string[] {
  const errors: string[] = [];
  (db.schemas ?? []).forEach((schema, j) => {
    const path = `databases[${i}].schemas[${j}]`;
    const invalid = checkIdentifier(path, schema);
    if (invalid.length > 0) {errors.push(...invalid);} else if (schema.startsWith('pg_')) {errors.push(`${path}: ${show(schema)} is reserved: schema names starting with "pg_" belong to PostgreSQL`);} else if (RESERVED_SCHEMAS.includes(schema)) {
      errors.push(`${path}: ${show(schema)} is reserved: PostgreSQL, Spilo or the pooler use it (reserved: ${RESERVED_SCHEMAS.join(', ')})`);
    }
  });
  for (const [schema] of duplicates(db.schemas ?? [], (s) => s)) {
    errors.push(`databases[${i}].schemas: ${show(schema)} is listed more than once; list each schema once`);
  }
  return errors;
}

function checkExtensions(db: DatabaseProps, i: number): string[] {
  const errors: string[] = [];
  (db.extensions ?? []).forEach((ext, j) => {
    if (!EXTENSION.test(ext) || Buffer.byteLength(ext) > 63) {
      errors.push(`databases[${i}].extensions[${j}]: ${show(ext)} is not a valid extension name: use lowercase letters, digits, underscores and hyphens, starting with a letter, at most 63 bytes`);
    }
  });
  for (const [ext] of duplicates(db.extensions ?? [], (e) => e)) {
    errors.push(`databases[${i}].extensions: ${show(ext)} is listed more than once; list each extension once`);
  }
  return errors;
}

function checkDatabase(db: DatabaseProps, i: number, declared: Set<string>, preparedOwners: Set<string>): string[] {
  const errors = checkIdentifier(`databases[${i}].name`, db.name);
  if (RESERVED_DATABASES.includes(db.name)) {
    errors.push(`databases[${i}].name: ${show(db.name)} is reserved: it exists in every cluster (reserved: ${RESERVED_DATABASES.join(', ')})`);
  }
  if (db.prepared && errors.length === 0) {
    // Generated names are longer than the database name: they must be valid too.
    const r = preparedRoles({ ...db, defaultUsers: true });
    const longest = db.defaultUsers ? r.writerUser! : r.writer;
    const problem = identifierProblem(longest);
    if (problem) errors.push(`databases[${i}].name: ${show(db.name)} is too long for a prepared database: the generated role ${show(longest)} ${problem}`);
    if (db.name.startsWith('pg_')) {
      errors.push(`databases[${i}].name: ${show(db.name)} cannot be prepared: the generated role ${show(r.owner)} would start with "pg_", which PostgreSQL reserves`);
    }
  }
  if (db.defaultUsers && !db.prepared) {
    errors.push(`databases[${i}].defaultUsers: ${show(true)} requires prepared: true; default users are members of the prepared <db>_owner/_reader/_writer roles`);
  }
  errors.push(...checkOwner(db, i, declared, preparedOwners));
  if (db.encoding !== undefined && !ENCODING.test(db.encoding)) {
    errors.push(`databases[${i}].encoding: ${show(db.encoding)} is not a valid encoding name: use letters, digits, "_" and "-" (e.g. "UTF8")`);
  }
  if (db.locale !== undefined && !LOCALE.test(db.locale)) {
    errors.push(`databases[${i}].locale: ${show(db.locale)} is not a valid locale name: use language[_territory][.codeset][@modifier] (e.g. "C", "C.UTF-8", "en_US.UTF-8")`);
  }
  errors.push(...checkSchemas(db, i), ...checkExtensions(db, i));
  return errors;
}

function checkDuplicateDatabases(dbs: readonly DatabaseProps[]): string[] {
  const indexed = dbs.map((db, i) => ({ db, i }));
  return [...duplicates(indexed, (x) => x.db.name)].map(([name, group]) =>
    `${group.slice(1).map((x) => `databases[${x.i}].name`).join(', ')}: database name ${show(name)} is already used by databases[${group[0].i}].name; database names must be unique`);
}

/** Every problem of the spec, each naming the property, the bad value and the rule; empty when valid. */
export function validateSpec(spec: DatabaseBootstrapSpec): string[] {
  const roles = resolveRoles(spec);
  const known = new Set(roles.map((r) => r.name));
  const declared = new Set((spec.roles ?? []).map((r) => r.name));
  const dbs = spec.databases ?? [];
  const preparedOwners = new Set(dbs.filter((db) => db.prepared).map((db) => preparedRoles(db).owner));
  const errors: string[] = [];
  (spec.roles ?? []).forEach((role, i) => errors.push(...checkRole(role, i, known)));
  if (spec.poolerRole !== undefined) errors.push(...checkRoleName('poolerRole', spec.poolerRole));
  errors.push(...checkDuplicateRoles(roles));
  dbs.forEach((db, i) => errors.push(...checkDatabase(db, i, declared, preparedOwners)));
  errors.push(...checkDuplicateDatabases(dbs));
  if (errors.length === 0) errors.push(...checkMembershipCycles(roles));
  return errors;
}
