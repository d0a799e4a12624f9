// Internal: the spec with every default applied and every generated role made explicit.
import { alternatingLoginNames } from './alternating-logins';
import { DatabaseBootstrapSpec, DatabaseProps, RoleProps } from './roles';

export interface ResolvedRole {
  readonly name: string;
  readonly login: boolean;
  readonly superuser: boolean;
  readonly inherit: boolean;
  /** Undefined: the password never expires. */
  readonly validUntil?: string;
  readonly createDb: boolean;
  readonly createRole: boolean;
  readonly replication: boolean;
  readonly bypassRls: boolean;
  readonly connectionLimit: number;
  readonly memberOf: readonly string[];
  /** Property path that declared (or generated) the role, for error messages. */
  readonly source: string;
  readonly generated: boolean;
  /** A login of alternating users: its sessions act as this role (ALTER ROLE ... SET role). */
  readonly actsAs?: string;
}

/** A role declared absent: dropped by the bootstrap. */
export interface AbsentRole {
  readonly name: string;
  readonly reassignOwnedTo?: string;
  /** Property path that declared it, for error messages. */
  readonly source: string;
}

export interface PreparedRoles {
  readonly owner: string;
  readonly reader: string;
  readonly writer: string;
  /** Login users, present when defaultUsers is set. */
  readonly ownerUser?: string;
  readonly readerUser?: string;
  readonly writerUser?: string;
}

export interface ResolvedDatabase {
  readonly name: string;
  /** Undefined: owned by the superuser running the bootstrap. */
  readonly owner?: string;
  readonly encoding?: string;
  readonly locale?: string;
  readonly extensions: readonly string[];
  readonly schemas: readonly string[];
  readonly prepared?: PreparedRoles;
}

export const PREPARED_DEFAULT_SCHEMA = 'data';

export function preparedRoles(db: DatabaseProps): PreparedRoles {
  const base = {
    owner: `${db.name}_owner`,
    reader: `${db.name}_reader`,
    writer: `${db.name}_writer`,
  };
  if (!db.defaultUsers) return base;
  return {
    ...base,
    ownerUser: `${base.owner}_user`,
    readerUser: `${base.reader}_user`,
    writerUser: `${base.writer}_user`,
  };
}

function declaredRole(role: RoleProps, index: number): ResolvedRole {
  return {
    name: role.name,
    login: role.login ?? true,
    superuser: role.superuser ?? false,
    inherit: role.inherit ?? true,
    validUntil: role.validUntil,
    createDb: role.createDb ?? false,
    createRole: role.createRole ?? false,
    replication: role.replication ?? false,
    bypassRls: role.bypassRls ?? false,
    connectionLimit: role.connectionLimit ?? -1,
    memberOf: [...new Set(role.memberOf ?? [])],
    source: `roles[${index}].name`,
    generated: false,
  };
}

function generatedRole(name: string, login: boolean, memberOf: string[], source: string): ResolvedRole {
  return {
    name,
    login,
    superuser: false,
    inherit: true,
    createDb: false,
    createRole: false,
    replication: false,
    bypassRls: false,
    connectionLimit: -1,
    memberOf,
    source,
    generated: true,
  };
}

function rolesOfPreparedDatabase(db: DatabaseProps, index: number): ResolvedRole[] {
  const r = preparedRoles(db);
  const source = `databases[${index}].name`;
  const roles = [
    generatedRole(r.owner, false, [], source),
    generatedRole(r.reader, false, [], source),
    // The writer inherits the reader's privileges instead of repeating them.
    generatedRole(r.writer, false, [r.reader], source),
  ];
  if (r.ownerUser && r.readerUser && r.writerUser) {
    roles.push(
      generatedRole(r.ownerUser, true, [r.owner], source),
      generatedRole(r.readerUser, true, [r.reader], source),
      generatedRole(r.writerUser, true, [r.writer], source),
    );
  }
  return roles;
}

/**
 * A declared role with alternating users: NOLOGIN (it owns objects and holds privileges, no password of
 * its own that nobody rotates), then its two logins, members that act as it, each with its connection limit.
 */
function withAlternatingLogins(role: ResolvedRole): ResolvedRole[] {
  return [{ ...role, login: false }, ...alternatingLoginNames(role.name).map((login) => ({
    ...generatedRole(login, true, [role.name], role.source), connectionLimit: role.connectionLimit, validUntil: role.validUntil, actsAs: role.name,
  }))];
}

/** Every role the bootstrap keeps present, declared ones first, in a stable order. */
export function resolveRoles(spec: DatabaseBootstrapSpec): ResolvedRole[] {
  const alternating = new Set(spec.alternatingLogins ?? []);
  const roles = (spec.roles ?? []).flatMap((role, i) => role.absent ? []
    : alternating.has(role.name) && role.login !== false ? withAlternatingLogins(declaredRole(role, i)) : [declaredRole(role, i)]);
  (spec.databases ?? []).forEach((db, i) => {
    if (db.prepared) roles.push(...rolesOfPreparedDatabase(db, i));
  });
  if (spec.poolerRole !== undefined) {
    roles.push(generatedRole(spec.poolerRole, true, [], 'poolerRole'));
  }
  return roles;
}

/** The roles declared absent, in declaration order. */
export function resolveAbsentRoles(spec: DatabaseBootstrapSpec): AbsentRole[] {
  return (spec.roles ?? []).flatMap((role, i) => role.absent
    ? [{ name: role.name, reassignOwnedTo: role.reassignOwnedTo, source: `roles[${i}]` }] : []);
}

export function resolveDatabase(db: DatabaseProps): ResolvedDatabase {
  const prepared = db.prepared ? preparedRoles(db) : undefined;
  return {
    name: db.name,
    owner: prepared ? prepared.owner : db.owner,
    encoding: db.encoding,
    locale: db.locale,
    extensions: [...new Set(db.extensions ?? [])],
    schemas: [...new Set(db.schemas ?? (prepared ? [PREPARED_DEFAULT_SCHEMA] : []))],
    prepared,
  };
}
