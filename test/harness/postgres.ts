import { SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ensureDebianPackages } from './debian';
import { freePort, runAsService, serviceTempDir, waitFor, writeServiceFile } from './processes';

export const PG_BIN = '/usr/lib/postgresql/15/bin';

export interface StartPostgresOptions {
  /** Extra postgresql.conf settings. */
  readonly parameters?: Record<string, string>;
  /** pg_hba.conf lines. @default local trust, host scram-sha-256 from 127.0.0.1 */
  readonly hba?: string[];
  /** Serve TLS with a fresh self-signed certificate (as Spilo does when given none). @default false */
  readonly tls?: boolean;
}

export interface PsqlOptions {
  readonly database?: string;
  readonly user?: string;
  /** Connect over TCP (127.0.0.1) with this password instead of the trusted Unix socket. */
  readonly password?: string;
  readonly env?: Record<string, string>;
  readonly args?: string[];
}

/** A throwaway PostgreSQL 15 server on 127.0.0.1 and a private Unix socket, run as the postgres user. */
export class PostgresServer {
  public static async start(options: StartPostgresOptions = {}): Promise<PostgresServer> {
    ensureDebianPackages(['postgresql-15']);
    const dir = serviceTempDir('pg');
    const port = await freePort();
    const server = new PostgresServer(dir, port);
    const data = path.join(dir, 'data');
    const init = runAsService(`${PG_BIN}/initdb`, ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8']);
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
    const tls: Record<string, string> = {};
    if (options.tls) {
      const cert = runAsService('openssl', ['req', '-nodes', '-new', '-x509', '-days', '1', '-subj', '/CN=localhost',
        '-keyout', path.join(dir, 'server.key'), '-out', path.join(dir, 'server.crt')]);
      if (cert.status !== 0) throw new Error(`openssl failed: ${cert.stderr}`);
      Object.assign(tls, { ssl: 'on', ssl_cert_file: `'${dir}/server.crt'`, ssl_key_file: `'${dir}/server.key'` });
    }
    const conf = {
      ...tls,
      listen_addresses: "'127.0.0.1'",
      port: String(port),
      unix_socket_directories: `'${dir}'`,
      password_encryption: "'scram-sha-256'",
      fsync: 'off',
      ...options.parameters,
    };
    fs.appendFileSync(path.join(data, 'postgresql.conf'), Object.entries(conf).map(([k, v]) => `${k} = ${v}\n`).join(''));
    const hba = options.hba ?? ['local all all trust', 'host all all 127.0.0.1/32 scram-sha-256'];
    writeServiceFile(path.join(data, 'pg_hba.conf'), hba.join('\n') + '\n');
    const started = runAsService(`${PG_BIN}/pg_ctl`, ['-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start']);
    if (started.status !== 0) {
      const log = fs.existsSync(path.join(dir, 'server.log')) ? fs.readFileSync(path.join(dir, 'server.log'), 'utf8') : '';
      server.cleanup();
      throw new Error(`pg_ctl start failed: ${started.stderr}\n${log}`);
    }
    await waitFor('PostgreSQL to accept connections', () => server.psql('SELECT 1').status === 0, 30_000);
    return server;
  }

  public readonly host = '127.0.0.1';

  private constructor(public readonly dir: string, public readonly port: number) {}

  public get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  /** libpq environment for a TCP connection to this server. */
  public tcpEnv(user: string, password: string, database = 'postgres'): Record<string, string> {
    return { PGHOST: this.host, PGPORT: String(this.port), PGUSER: user, PGPASSWORD: password, PGDATABASE: database };
  }

  /** Runs SQL with psql (-X, ON_ERROR_STOP, unaligned tuples-only output). */
  public psql(sql: string, options: PsqlOptions = {}): SpawnSyncReturns<string> {
    const env: Record<string, string> = options.password !== undefined
      ? this.tcpEnv(options.user ?? 'postgres', options.password, options.database ?? 'postgres')
      : { PGHOST: this.dir, PGPORT: String(this.port), PGUSER: options.user ?? 'postgres', PGDATABASE: options.database ?? 'postgres' };
    return runAsService('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-qAt', ...(options.args ?? []), '-c', sql], { env: { ...env, ...options.env } });
  }

  /** Like psql, but throws on failure and returns trimmed stdout. */
  public query(sql: string, options: PsqlOptions = {}): string {
    const result = this.psql(sql, options);
    if (result.status !== 0) throw new Error(`psql failed (${result.status}): ${result.stderr}`);
    return result.stdout.trim();
  }

  public stop(): void {
    runAsService(`${PG_BIN}/pg_ctl`, ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
    this.cleanup();
  }

  private cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
