// Internal renderer of the pooler: not part of the jsii API (do not re-export from src/index.ts).
import { PoolMode } from './pool-mode';
import { BootstrapSql } from '../database/bootstrap-sql';
import { identifierProblem } from '../database/identifiers';
import { check, Problem } from '../private/validation';

/** Client-side TLS files of PgBouncer. */
export interface PgBouncerClientTls {
  /** Path of the certificate (PEM) PgBouncer presents to clients. */
  readonly certFile: string;
  /** Path of the private key (PEM) of the certificate. */
  readonly keyFile: string;
}

/**
 * Everything `pgbouncer.ini` is rendered from but the upstream host: the same for every tier of a
 * pooler. Times are whole seconds. No field carries a password: the auth_file is written at pod
 * start from a Secret.
 */
export interface PgBouncerSettings {
  /** Port of the upstream host. */
  readonly upstreamPort: number;
  /**
   * Databases served. Each gets an explicit `[databases]` entry and its own
   * `max_db_connections`; a client asking for any other database is refused.
   * @default - a `*` wildcard entry: any database, each with its own `max_db_connections`
   */
  readonly databases?: string[];
  /** `listen_addr`. */
  readonly listenAddr: string;
  /** `listen_port`. */
  readonly listenPort: number;
  /** `unix_socket_dir` (must be writable). */
  readonly unixSocketDir: string;
  /** `auth_file`: holds only the auth user's password, written at pod start. */
  readonly authFile: string;
  /** `auth_user`: the pooler role that runs `auth_query`. */
  readonly authUser: string;
  /** `pool_mode`. */
  readonly poolMode: PoolMode;
  /** `max_client_conn`: client connections per PgBouncer process. */
  readonly maxClientConn: number;
  /**
   * `default_pool_size`: server connections per (database, user) pair. The auth_query pool (at
   * most 1 connection, see `[users]`) counts against `max_db_connections` too, so one less than
   * `maxDbConnections` lets logins never evict app connections.
   */
  readonly defaultPoolSize: number;
  /** `max_db_connections`: server connections per database, over all its users (the hard cap). */
  readonly maxDbConnections: number;
  /**
   * Client-side TLS. When set, clients must use TLS (`client_tls_sslmode = require`).
   * @default - client TLS off (`client_tls_sslmode = disable`)
   */
  readonly clientTls?: PgBouncerClientTls;
  /** `server_idle_timeout`: idle server connections are closed after this. */
  readonly serverIdleTimeout: number;
  /** `server_lifetime`: server connections are closed (when idle) after this age. */
  readonly serverLifetime: number;
  /** `server_connect_timeout`. */
  readonly serverConnectTimeout: number;
  /** `server_login_retry`: wait after a failed server connection before the next attempt. */
  readonly serverLoginRetry: number;
  /** `query_wait_timeout`: how long a client may wait for a server connection (0 = forever). */
  readonly queryWaitTimeout: number;
  /** `client_idle_timeout` (0 = never). */
  readonly clientIdleTimeout: number;
  /**
   * `stats_users`: roles allowed to run SHOW commands on the `pgbouncer` admin database.
   * @default - none
   */
  readonly statsUsers?: string[];
  /**
   * `admin_users`: roles allowed to run every admin command (PAUSE, RELOAD, SHUTDOWN, ...).
   * @default - none
   */
  readonly adminUsers?: string[];
}

/** Everything `pgbouncer.ini` is rendered from. */
export interface PgBouncerConfigInput extends PgBouncerSettings {
  /** Host every pooled database connects to (the primary or the replica Service). */
  readonly upstreamHost: string;
}

/** Inputs of the server connection budget. */
export interface PoolSizingInput {
  /** PostgreSQL's `max_connections`. */
  readonly maxConnections: number;
  /** PostgreSQL's `superuser_reserved_connections` plus `reserved_connections` (PostgreSQL 16+). */
  readonly superuserReservedConnections: number;
  /**
   * Further connections kept free for everything that does not go through the pooler: Patroni,
   * Spilo's scripts, the bootstrap Job, backups, monitoring, an operator's psql.
   */
  readonly reservedConnections: number;
  /**
   * Every pooler pod that may hold server connections to one server at the same time: the
   * replicas of each tier plus one surge pod per tier during a rolling update.
   */
  readonly poolerPods: number;
  /** Databases whose pools share a pod's budget (1 for a wildcard entry, see {@link PgBouncerConfig.poolSizes}). */
  readonly databases: number;
}

/** The computed server connection limits. */
export interface PoolSizes {
  /** `max_connections - superuserReservedConnections - reservedConnections`: what all poolers may use together. */
  readonly serverConnectionBudget: number;
  /** `max_db_connections` of each pod and database: `floor(budget / (poolerPods * databases))`. */
  readonly maxDbConnections: number;
  /** The most server connections all pooler pods can hold together: `poolerPods * databases * maxDbConnections` (<= budget). */
  readonly maxServerConnections: number;
}

/** Column names PgBouncer expects from `auth_query`, matching `pgaas_pooler.user_lookup(text)`. */
const AUTH_QUERY = `SELECT usename, passwd FROM ${BootstrapSql.POOLER_SCHEMA}.user_lookup($1)`;

/** A whole number in a range; without `max`, any safe integer from `min` on. */
export function integerProblem(value: number, min: number, max = Number.MAX_SAFE_INTEGER): string | undefined {
  if (Number.isSafeInteger(value) && value >= min && value <= max) return undefined;
  return max === Number.MAX_SAFE_INTEGER ? `must be an integer >= ${min}` : `must be an integer from ${min} to ${max}`;
}

/**
 * The databases a pooler serves: one entry each, as `[databases]` names them. The one rule for
 * both the pooler's options and the renderer's input.
 */
export function databasesProblems(databases: string[] | undefined, property = 'databases'): Problem[] {
  if (databases === undefined) return [];
  if (databases.length === 0) return check(property, databases, 'must list at least one database; omit it to serve any database');
  return databases.flatMap((db, i) => check(`${property}[${i}]`, db, identifierProblem(db)
    // "pgbouncer" is the virtual database of PgBouncer's admin console.
    ?? (db === 'pgbouncer' ? "is the name of PgBouncer's admin console" : undefined)
    ?? (databases.indexOf(db) !== i ? 'is listed twice' : undefined)));
}

// Values are written unquoted into an ini file: anything with whitespace, ';', '=' or a newline would change its meaning.
function tokenProblem(value: string, allowEmpty = false): string | undefined {
  const valid = value === '' ? allowEmpty : /^[^\s;=#"']+$/.test(value);
  return valid ? undefined : "must be a single token without whitespace, quotes, ';', '#' or '='";
}

/**
 * Renders `pgbouncer.ini` (a pure function of its input) and computes the pool sizes that keep all
 * poolers together within the server's `max_connections`. Both assume an input their validator
 * ({@link PgBouncerConfig.validate}, {@link PgBouncerConfig.poolSizingProblems}) found no problem in.
 */
export class PgBouncerConfig {
  /** The `auth_query` every pooler runs (as `auth_user`, in the database the client asks for). */
  public static readonly AUTH_QUERY = AUTH_QUERY;

  /**
   * The server connection budget and the per-pod `max_db_connections`:
   *
   *   budget            = max_connections - superuser_reserved (- reserved_connections) - reservedConnections
   *   maxDbConnections  = floor(budget / (poolerPods * databases))
   *
   * PgBouncer has no global cap on server connections, only `max_db_connections` per database
   * (every pool of a database, the auth_query pool included, counts against it). So the bound
   * `poolerPods * databases * maxDbConnections <= budget` holds for the listed databases; with a
   * wildcard entry it holds per database actually used through the pooler.
   *
   * `maxDbConnections` is 0 when the budget is too small for one connection per pod and database
   * (callers report that).
   */
  public static poolSizes(input: PoolSizingInput): PoolSizes {
    const budget = input.maxConnections - input.superuserReservedConnections - input.reservedConnections;
    const maxDbConnections = budget > 0 ? Math.floor(budget / (input.poolerPods * input.databases)) : 0;
    return {
      serverConnectionBudget: budget,
      maxDbConnections,
      maxServerConnections: input.poolerPods * input.databases * maxDbConnections,
    };
  }

  /** Every problem of a sizing input (each count a non-negative integer, at least one pod and database); empty when valid. */
  public static poolSizingProblems(input: PoolSizingInput): Problem[] {
    return ([
      ['maxConnections', input.maxConnections, 1],
      ['superuserReservedConnections', input.superuserReservedConnections, 0],
      ['reservedConnections', input.reservedConnections, 0],
      ['poolerPods', input.poolerPods, 1],
      ['databases', input.databases, 1],
    ] as const).flatMap(([property, value, min]) => check(property, value, integerProblem(value, min)));
  }

  /**
   * `pgbouncer.ini` for the input. Settings PgBouncer needs in a container: logs go to stderr
   * (`logfile` empty, not daemonized), no pidfile, SCRAM for clients with `auth_query` through the
   * pooler role, and TLS to the server (the cluster's pg_hba rejects TCP without TLS).
   */
  public static render(input: PgBouncerConfigInput): string {
    const upstream = `host=${input.upstreamHost} port=${input.upstreamPort}`;
    const databases = input.databases === undefined
      ? [`* = ${upstream}`]
      : input.databases.map((db) => `${db} = ${upstream} dbname=${db}`);
    const settings: Array<[string, string | number]> = [
      ['listen_addr', input.listenAddr],
      ['listen_port', input.listenPort],
      ['unix_socket_dir', input.unixSocketDir],
      // Containers: log to stderr, no pidfile (nothing to clean up after a crash).
      ['logfile', ''],
      ['pidfile', ''],
      // Clients authenticate with SCRAM against the verifier auth_query returns; PgBouncer then
      // logs in to the server with the SCRAM keys of that exchange, so no plaintext is needed.
      ['auth_type', 'scram-sha-256'],
      ['auth_file', input.authFile],
      ['auth_user', input.authUser],
      ['auth_query', AUTH_QUERY],
      ['pool_mode', input.poolMode],
      ['max_client_conn', input.maxClientConn],
      ['default_pool_size', input.defaultPoolSize],
      // Extra pools would come on top of the computed budget.
      ['min_pool_size', 0],
      ['reserve_pool_size', 0],
      ['max_db_connections', input.maxDbConnections],
      ['max_user_connections', 0],
      ['server_tls_sslmode', 'require'],
      ['client_tls_sslmode', input.clientTls ? 'require' : 'disable'],
      ...input.clientTls ? [['client_tls_cert_file', input.clientTls.certFile], ['client_tls_key_file', input.clientTls.keyFile]] as Array<[string, string]> : [],
      ['server_idle_timeout', input.serverIdleTimeout],
      ['server_lifetime', input.serverLifetime],
      ['server_connect_timeout', input.serverConnectTimeout],
      ['server_login_retry', input.serverLoginRetry],
      ['query_wait_timeout', input.queryWaitTimeout],
      ['client_idle_timeout', input.clientIdleTimeout],
      // JDBC sends extra_float_digits at start-up; PgBouncer would refuse it otherwise.
      ['ignore_startup_parameters', 'extra_float_digits'],
      ...(input.statsUsers ?? []).length > 0 ? [['stats_users', input.statsUsers!.join(',')]] as Array<[string, string]> : [],
      ...(input.adminUsers ?? []).length > 0 ? [['admin_users', input.adminUsers!.join(',')]] as Array<[string, string]> : [],
    ];
    return [
      '; Generated by cdk8s-pgaas (PgBouncerConfig.render). Do not edit.',
      '[databases]',
      ...databases,
      '',
      '[pgbouncer]',
      ...settings.map(([key, value]) => `${key} = ${value}`.trimEnd()),
      '',
      '[users]',
      // One server connection per pod for auth_query (over all databases): logins queue on it
      // instead of taking pool slots from the apps.
      `${input.authUser} = max_user_connections=1`,
      '',
    ].join('\n');
  }

  /** Every problem of the input; empty when valid. */
  public static validate(input: PgBouncerConfigInput): Problem[] {
    return [...PgBouncerConfig.validateUpstreamHost(input.upstreamHost), ...PgBouncerConfig.validateSettings(input)];
  }

  /** The problem of an upstream host, if any (it is written unquoted into every `[databases]` entry). */
  public static validateUpstreamHost(upstreamHost: string): Problem[] {
    return check('upstreamHost', upstreamHost, tokenProblem(upstreamHost));
  }

  /** Every problem of the settings shared by a pooler's tiers; empty when valid. */
  public static validateSettings(input: PgBouncerSettings): Problem[] {
    const rows: Array<[string, unknown, string | undefined]> = [
      ['upstreamPort', input.upstreamPort, integerProblem(input.upstreamPort, 1, 65535)],
      ['listenAddr', input.listenAddr, tokenProblem(input.listenAddr)],
      ['listenPort', input.listenPort, integerProblem(input.listenPort, 1, 65535)],
      ['unixSocketDir', input.unixSocketDir, tokenProblem(input.unixSocketDir, true)],
      ['authFile', input.authFile, tokenProblem(input.authFile)],
      ['authUser', input.authUser, identifierProblem(input.authUser)],
      ['maxClientConn', input.maxClientConn, integerProblem(input.maxClientConn, 1)],
      ['maxDbConnections', input.maxDbConnections, integerProblem(input.maxDbConnections, 1)],
      ['defaultPoolSize', input.defaultPoolSize, integerProblem(input.defaultPoolSize, 1, input.maxDbConnections)],
      ...input.clientTls ? [
        ['clientTls.certFile', input.clientTls.certFile, tokenProblem(input.clientTls.certFile)],
        ['clientTls.keyFile', input.clientTls.keyFile, tokenProblem(input.clientTls.keyFile)],
      ] as Array<[string, unknown, string | undefined]> : [],
      ['serverIdleTimeout', input.serverIdleTimeout, integerProblem(input.serverIdleTimeout, 0)],
      ['serverLifetime', input.serverLifetime, integerProblem(input.serverLifetime, 0)],
      ['serverConnectTimeout', input.serverConnectTimeout, integerProblem(input.serverConnectTimeout, 1)],
      ['serverLoginRetry', input.serverLoginRetry, integerProblem(input.serverLoginRetry, 0)],
      ['queryWaitTimeout', input.queryWaitTimeout, integerProblem(input.queryWaitTimeout, 0)],
      ['clientIdleTimeout', input.clientIdleTimeout, integerProblem(input.clientIdleTimeout, 0)],
      ...(input.statsUsers ?? []).map((u, i): [string, unknown, string | undefined] => [`statsUsers[${i}]`, u, identifierProblem(u)]),
      ...(input.adminUsers ?? []).map((u, i): [string, unknown, string | undefined] => [`adminUsers[${i}]`, u, identifierProblem(u)]),
    ];
    return [...databasesProblems(input.databases), ...rows.flatMap(([property, value, rule]) => check(property, value, rule))];
  }

  private constructor() {}
}
