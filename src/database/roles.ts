/**
 * A role (user or group) the bootstrap Job creates and keeps in the declared state.
 *
 * Attributes are converged on every run (an attribute removed from the
 * declaration returns to its default); a membership removed from `memberOf`
 * is revoked when the library granted it; a role removed from the declaration
 * is left as it is, and one declared `absent` is dropped.
 */
export interface RoleProps {
  /**
   * Role name: lowercase letters, digits and underscores, starting with a letter
   * or underscore, at most 63 bytes.
   */
  readonly name: string;

  /**
   * Drop the role: its sessions are terminated, what it owns is reassigned to
   * `reassignOwnedTo` (without it, a role that owns objects is refused), its
   * privileges and default privileges are removed, then it is dropped. Only a
   * role the library created or adopted is dropped; any other fails the Job
   * with the reason. No other property but `reassignOwnedTo` may be set.
   * @default false
   */
  readonly absent?: boolean;

  /**
   * With `absent`: the declared role that receives the objects the dropped
   * role owns (tables, schemas, databases, ...), in every database the
   * bootstrap manages.
   * @default - none: dropping a role that owns objects fails the Job
   */
  readonly reassignOwnedTo?: string;

  /**
   * Whether the role can log in. A login role gets its password from the
   * environment variable named by `BootstrapSql.passwordEnvName(name)`.
   * @default true
   */
  readonly login?: boolean;

  /**
   * SUPERUSER: the role bypasses every permission check. Superusers are never
   * served to the connection pooler.
   * @default false
   */
  readonly superuser?: boolean;

  /**
   * INHERIT: the role uses the privileges of the roles it is a member of
   * without SET ROLE.
   * @default true
   */
  readonly inherit?: boolean;

  /**
   * VALID UNTIL: the moment the role's password stops working, as an ISO 8601
   * timestamp with a time zone (`2027-01-31T00:00:00Z`,
   * `2027-01-31T01:00:00+01:00`), or `infinity`.
   * @default - the password never expires
   */
  readonly validUntil?: string;

  /**
   * CREATEDB: the role may create databases.
   * @default false
   */
  readonly createDb?: boolean;

  /**
   * CREATEROLE: the role may create, alter and drop other roles.
   * @default false
   */
  readonly createRole?: boolean;

  /**
   * REPLICATION: the role may start streaming replication.
   * @default false
   */
  readonly replication?: boolean;

  /**
   * BYPASSRLS: the role bypasses every row-level security policy.
   * @default false
   */
  readonly bypassRls?: boolean;

  /**
   * Maximum concurrent connections of the role; -1 means no limit.
   * @default -1
   */
  readonly connectionLimit?: number;

  /**
   * Roles this role is granted membership in: declared roles, or the
   * `<db>_owner`, `<db>_reader` and `<db>_writer` roles of prepared databases.
   * @default []
   */
  readonly memberOf?: string[];
}

/**
 * A database the bootstrap Job creates, with its schemas and extensions.
 *
 * Its owner follows the declaration (a removed owner returns to the
 * superuser). A database removed from the declaration is kept, never dropped.
 */
export interface DatabaseProps {
  /**
   * Database name: lowercase letters, digits and underscores, starting with a
   * letter or underscore, at most 63 bytes. `postgres`, `template0` and
   * `template1` are reserved.
   */
  readonly name: string;

  /**
   * Owner of the database and of its declared schemas: a declared role or the
   * `<db>_owner` role of a prepared database. A prepared database is always
   * owned by its own `<name>_owner` role.
   * @default - `<name>_owner` for a prepared database, otherwise the superuser running the bootstrap
   */
  readonly owner?: string;

  /**
   * Encoding, only applied when the database is created (e.g. `UTF8`).
   * Setting it (or `locale`) creates the database from `template0`, so objects
   * Spilo installs into `template1` are not copied.
   * @default - the encoding of template1
   */
  readonly encoding?: string;

  /**
   * Locale (LC_COLLATE and LC_CTYPE), only applied when the database is
   * created (e.g. `C.UTF-8`, `en_US.UTF-8`).
   * @default - the locale of template1
   */
  readonly locale?: string;

  /**
   * Extensions created with `CREATE EXTENSION IF NOT EXISTS ... CASCADE`
   * (their files must be installed in the image).
   * @default []
   */
  readonly extensions?: string[];

  /**
   * Schemas created in the database, owned by the database owner.
   * @default - `['data']` for a prepared database, otherwise none
   */
  readonly schemas?: string[];

  /**
   * Follow postgres-operator's "prepared databases" convention: NOLOGIN roles
   * `<name>_owner` (owns the database and schemas), `<name>_reader` (USAGE on
   * the schemas, SELECT on tables and sequences) and `<name>_writer` (reader
   * plus INSERT, UPDATE, DELETE on tables and USAGE, UPDATE on sequences, but
   * no CREATE), with default privileges so that objects `<name>_owner` creates
   * later are covered.
   * @default false
   */
  readonly prepared?: boolean;

  /**
   * With `prepared`, also create the login roles `<name>_owner_user`,
   * `<name>_reader_user` and `<name>_writer_user`, members of the matching
   * role. `<name>_owner_user` switches to `<name>_owner` when it connects to the
   * database, so what it creates is owned by (and covered for) `<name>_owner`.
   * @default false
   */
  readonly defaultUsers?: boolean;
}

/**
 * Everything the bootstrap SQL creates.
 */
export interface DatabaseBootstrapSpec {
  /**
   * Roles to create.
   * @default []
   */
  readonly roles?: RoleProps[];

  /**
   * Databases to create.
   * @default []
   */
  readonly databases?: DatabaseProps[];

  /**
   * Name of a login role for a connection pooler. When set, the role is
   * created and every database (the one the bootstrap connects to first and
   * each declared one) gets a schema `pgaas_pooler` with a SECURITY DEFINER
   * function `pgaas_pooler.user_lookup(text)` for PgBouncer's `auth_query`,
   * executable only by this role. `BootstrapSql.DEFAULT_POOLER_ROLE` is the
   * conventional name.
   * @default - no pooler role
   */
  readonly poolerRole?: string;

  /**
   * Declared login roles whose password rotates with alternating users (`RotationStrategy.ALTERNATING_USERS`).
   * Each becomes NOLOGIN and keeps owning its objects; two login roles `<role>_a` and `<role>_b` are
   * created as its members, with `ALTER ROLE ... SET role = '<role>'` so that what they create is owned by
   * the declared role. Each login gets its password like any login role (`passwordEnvName`).
   * @default []
   */
  readonly alternatingLogins?: string[];
}

/**
 * A login role and the environment variable the bootstrap Job must fill with its password.
 */
export interface LoginRole {
  /** Role name. */
  readonly role: string;
  /** Name of the environment variable holding the password. */
  readonly passwordEnv: string;
}
