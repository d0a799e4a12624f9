import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { PostgresCluster } from '../../../src/cluster/postgres-cluster';
import { BootstrapSql } from '../../../src/database/bootstrap-sql';
import { DatabaseBootstrapSpec } from '../../../src/database/roles';
import { ConnectionPooler } from '../../../src/pooler/connection-pooler';
import { PgBouncerProcess, psqlAsync, PsqlResult, selfSignedCertificate, settingOf } from '../../harness/pgbouncer';
import { PostgresServer } from '../../harness/postgres';
import { runAsService, serviceTempDir, writeServiceFile } from '../../harness/processes';

/**
 * PgBouncer 1.18 (Debian) runs the pgbouncer.ini a ConnectionPooler synthesizes, with the auth_file
 * its init container writes, in front of PostgreSQL 15 with TLS and SCRAM-only pg_hba (like Spilo's).
 * The roles, databases and the pooler's lookup function come from the bootstrap SQL. What the
 * harness changes in the configuration is listed in pgbouncer-harness.ts (addresses, ports, paths).
 */

const SPEC: DatabaseBootstrapSpec = {
  roles: [{ name: 'app_user' }, { name: 'other_user' }],
  databases: [{ name: 'appdb', owner: 'app_user' }],
  poolerRole: 'pooler',
};
// Quotes in the pooler's password exercise the auth_file escaping of the init container.
const PASSWORDS: Record<string, string> = {
  app_user: 'app-secret-from-k8s',
  other_user: 'other-secret-from-k8s',
  pooler: 'pooler "quoted" secret',
};
const CLIENTS = 50;

function build() {
  const chart = new Chart(Testing.app(), 'orders', { namespace: 'orders' });
  const cluster = new PostgresCluster(chart, 'db', {
    name: 'orders-db',
    instances: 3,
    // Small on purpose: max_connections 28 - 3 superuser_reserved - 10 reserved = 15 for the poolers,
    // (2 replicas + 1 surge) pods x 1 database: 5 server connections per pod.
    parameters: { max_connections: '28' },
    roles: SPEC.roles,
    databases: SPEC.databases,
  });
  // An explicit database list: the connection bound then holds for the whole server.
  const pooler = ConnectionPooler._create(chart, 'pooler', { cluster, clientTlsSecretName: 'orders-db-pooler-tls', databases: ['appdb'] });
  return { cluster, pooler, objects: Testing.synth(chart) };
}

describe('PgBouncer running the synthesized configuration on real PostgreSQL', () => {
  const { cluster, pooler, objects } = build();
  const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'orders-db-pooler');
  const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'orders-db-pooler');
  const ini: string = configMap.data['pgbouncer.ini'];
  let server: PostgresServer;
  let workDir: string;
  const bouncers: PgBouncerProcess[] = [];
  const observations: string[] = [];

  beforeAll(async () => {
    expect(pooler.maxDbConnections).toBe(5);
    expect(pooler.maxServerConnections).toBe(15);
    server = await PostgresServer.start({
      tls: true,
      hba: ['local all all trust', 'hostssl all all 127.0.0.1/32 scram-sha-256', 'hostnossl all all all reject'],
      // The server runs with the cluster's own limits.
      parameters: { max_connections: cluster.parameters.max_connections },
    });
    workDir = serviceTempDir('pooler-test');
    applyBootstrap();
    const authDir = path.join(workDir, 'auth');
    runAsService('mkdir', ['-m', '700', authDir]);
    runInitContainer(authDir);
    const tls = selfSignedCertificate(workDir);
    const upstream = { from: `host=${cluster.primaryHost} port=${cluster.port}`, to: `host=${server.host} port=${server.port}` };
    // Two replicas plus the surge pod of a rolling update: everything the budget is computed for.
    for (const name of ['a', 'b', 'surge']) bouncers.push(await PgBouncerProcess.start(name, { authDir, ini, upstream, tls }));
  });

  afterAll(() => {
    // Every process is stopped even when one stop fails.
    const failures: unknown[] = [];
    const removeWorkDir = () => workDir && fs.rmSync(workDir, { recursive: true, force: true });
    for (const stop of [...bouncers.map((b) => () => b.stop()), () => server?.stop(), removeWorkDir]) {
      try {
        stop();
      } catch (e) {
        failures.push(e);
      }
    }
    if (observations.length) process.stdout.write(`\nPgBouncer observations:\n${observations.map((o) => `  ${o}\n`).join('')}`);
    if (failures.length) throw failures[0];
  });

  /** The bootstrap SQL as the Job runs it: psql with the Job's flags, passwords in PGAAS_PASSWORD_*. */
  function applyBootstrap(): void {
    const file = path.join(workDir, 'bootstrap.sql');
    writeServiceFile(file, BootstrapSql.render(SPEC));
    const env: Record<string, string> = { PGHOST: server.dir, PGPORT: String(server.port), PGUSER: 'postgres', PGDATABASE: 'postgres' };
    for (const login of BootstrapSql.loginRoles(SPEC)) env[login.passwordEnv] = PASSWORDS[login.role];
    const [command, ...args] = BootstrapSql.psqlCommand(file);
    const result = runAsService(command, args, { env });
    if (result.status !== 0) throw new Error(`bootstrap failed: ${result.stderr}`);
    server.query('CREATE TABLE visits (id serial PRIMARY KEY, client int NOT NULL)', { database: 'appdb', user: 'app_user', password: PASSWORDS.app_user, env: { PGSSLMODE: 'require' } });
  }

  /** The init container's command and env; the secretKeyRef becomes the password, the emptyDir a directory. */
  function runInitContainer(authDir: string): void {
    const init = deployment.spec.template.spec.initContainers[0];
    const env: Record<string, string> = {};
    for (const variable of init.env) {
      const ref = variable.valueFrom?.secretKeyRef;
      if (ref) {
        expect(ref).toEqual({ name: 'pooler.orders-db.credentials.postgresql.acid.zalan.do', key: 'password' });
        env[variable.name] = PASSWORDS.pooler;
      } else {
        env[variable.name] = variable.value.replace(init.volumeMounts[0].mountPath, authDir);
      }
    }
    const [command, ...args] = init.command;
    const result = runAsService(command, args, { env });
    expect(result.status).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(PASSWORDS.pooler);
  }

  /** An app's environment from connectionEnvVars; the Service host and the Secret values are what a pod would get. */
  function appEnv(bouncer: PgBouncerProcess, user = 'app_user', password = PASSWORDS[user]): Record<string, string> {
    const env: Record<string, string> = {};
    for (const variable of pooler.connectionEnvVars({ user, database: 'appdb' })) {
      const ref = variable.valueFrom?.secretKeyRef;
      env[variable.name] = ref ? (ref.key === 'username' ? user : password) : variable.value!;
    }
    expect(env.PGHOST).toBe('orders-db-pooler.orders.svc');
    return { ...env, PGHOST: '127.0.0.1', PGPORT: String(bouncer.port) };
  }

  function adminEnv(bouncer: PgBouncerProcess): Record<string, string> {
    return { PGHOST: '127.0.0.1', PGPORT: String(bouncer.port), PGUSER: 'pooler', PGPASSWORD: PASSWORDS.pooler, PGDATABASE: 'pgbouncer', PGSSLMODE: 'require' };
  }

  test('the configuration is the synthesized one, pointed at the test server', () => {
    expect(settingOf(ini, 'auth_query')).toBe('SELECT usename, passwd FROM pgaas_pooler.user_lookup($1)');
    expect(settingOf(ini, 'server_tls_sslmode')).toBe('require');
    expect(settingOf(ini, 'client_tls_sslmode')).toBe('require');
    for (const bouncer of bouncers) expect(bouncer.ini).toMatch(new RegExp(`^appdb = host=127\\.0\\.0\\.1 port=${server.port} dbname=appdb$`, 'm'));
  });

  test('an app user logs in through the pooler with SCRAM via auth_query; the pooler reaches PostgreSQL over TLS', async () => {
    const result = await psqlAsync(
      'SELECT current_user, current_database(), ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()', appEnv(bouncers[0]));
    expect(result).toMatchObject({ code: 0, stdout: 'app_user|appdb|t' });
    // App passwords stay SCRAM verifiers on the server; only the pooler role is in the auth_file.
    expect(server.query("SELECT rolname FROM pg_authid WHERE rolcanlogin AND rolpassword NOT LIKE 'SCRAM-SHA-256$%'")).toBe('');
    // A second user without any pooler configuration works too.
    const other = await psqlAsync('SELECT current_user', appEnv(bouncers[0], 'other_user'));
    expect(other).toMatchObject({ code: 0, stdout: 'other_user' });
    // Databases that are not listed are not served.
    const unlisted = await psqlAsync('SELECT 1', { ...appEnv(bouncers[0]), PGDATABASE: 'postgres' });
    expect(unlisted.code).not.toBe(0);
    // PgBouncer answers like a failed login, without revealing which databases exist; its log shows
    // the database was unknown to it ("(nodb)").
    expect(unlisted.stderr).toMatch(/SASL authentication failed/);
    expect(bouncers[0].log()).toMatch(/\(nodb\)\/app_user@\S+ login attempt: db=postgres /);
  });

  test('a wrong password, an unknown user, a superuser and a client without TLS are rejected', async () => {
    const wrong = await psqlAsync('SELECT 1', appEnv(bouncers[0], 'app_user', 'not-the-password'));
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/SASL authentication failed|password authentication failed/);
    const unknown = await psqlAsync('SELECT 1', { ...appEnv(bouncers[0]), PGUSER: 'nobody', PGPASSWORD: 'whatever' });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/SASL authentication failed|password authentication failed|no such user/);
    // The lookup never serves superusers, even with the right password.
    server.query("ALTER ROLE postgres PASSWORD 'superuser-secret'");
    const superuser = await psqlAsync('SELECT 1', { ...appEnv(bouncers[0]), PGUSER: 'postgres', PGPASSWORD: 'superuser-secret' });
    expect(superuser.code).not.toBe(0);
    const plaintext = await psqlAsync('SELECT 1', { ...appEnv(bouncers[0]), PGSSLMODE: 'disable' });
    expect(plaintext.code).not.toBe(0);
    expect(plaintext.stderr).toMatch(/SSL required/);
  });

  test('the pooler role is a stats user on the admin console, not an admin', async () => {
    const pools = await psqlAsync('SHOW POOLS', adminEnv(bouncers[0]));
    expect(pools.code).toBe(0);
    const pause = await psqlAsync('PAUSE', adminEnv(bouncers[0]));
    expect(pause.code).not.toBe(0);
    expect(pause.stderr).toMatch(/admin access needed/);
  });

  /** Samples the server's connections from the pooler (every 10 ms) until the returned stop() is called; resolves to the maximum. */
  function sampleServerConnections(): { stop: () => void; max: Promise<number> } {
    server.query('CREATE TABLE IF NOT EXISTS sampler_stop (stop boolean)');
    server.query('TRUNCATE sampler_stop');
    const sql = `DO $$
      DECLARE
        n int;
        peak int := 0;
      BEGIN
        FOR i IN 1..6000 LOOP
          PERFORM pg_stat_clear_snapshot();
          SELECT count(*) INTO n FROM pg_stat_activity WHERE backend_type = 'client backend' AND usename IN ('app_user', 'pooler');
          peak := greatest(peak, n);
          EXIT WHEN EXISTS (SELECT FROM sampler_stop);
          PERFORM pg_sleep(0.01);
        END LOOP;
        RAISE NOTICE 'peak=%', peak;
      END $$`;
    const max = psqlAsync(sql, { PGHOST: server.dir, PGPORT: String(server.port), PGUSER: 'postgres', PGDATABASE: 'postgres' }, 120_000)
      .then((r: PsqlResult) => {
        const match = /peak=(\d+)/.exec(r.stderr);
        if (!match) throw new Error(`sampler failed: ${r.stderr}`);
        return Number(match[1]);
      });
    return { stop: () => server.query('INSERT INTO sampler_stop VALUES (true)'), max };
  }

  /** Samples SHOW POOLS of a PgBouncer until stopped; resolves to the peak client count (active + waiting). */
  function sampleClients(bouncer: PgBouncerProcess): { stop: () => void; max: Promise<number> } {
    let running = true;
    const max = (async () => {
      let peak = 0;
      while (running) {
        const result = await psqlAsync('SHOW POOLS', adminEnv(bouncer));
        for (const line of result.stdout.split('\n')) {
          const [database, user, clActive, clWaiting] = line.split('|');
          if (database === 'appdb' && user === 'app_user') peak = Math.max(peak, Number(clActive) + Number(clWaiting));
        }
      }
      return peak;
    })();
    return { stop: () => { running = false; }, max };
  }

  const TRANSACTION = (client: number) => `BEGIN; INSERT INTO visits (client) VALUES (${client}); SELECT pg_sleep(0.2); COMMIT;`;
  // A client that stays connected: a transaction, 3 s idle (psql runs a shell command; in
  // transaction mode the idle client holds no server connection), then a second transaction.
  const SESSION = (client: number) => [TRANSACTION(client), '\\! sleep 3', `UPDATE visits SET client = client WHERE client = ${client}`];

  test(`transaction pooling: ${CLIENTS} concurrent clients share one pod's 5 server connections (4 pooled + 1 auth_query), all succeed`, async () => {
    server.query('TRUNCATE visits', { database: 'appdb' });
    const serverSampler = sampleServerConnections();
    const clientSampler = sampleClients(bouncers[0]);
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => psqlAsync(SESSION(i), appEnv(bouncers[0]))));
    const elapsed = Date.now() - started;
    serverSampler.stop();
    clientSampler.stop();
    const [serverPeak, clientPeak] = await Promise.all([serverSampler.max, clientSampler.max]);
    const failures = results.filter((r) => r.code !== 0);
    expect(failures).toEqual([]);
    expect(server.query('SELECT count(DISTINCT client) FROM visits', { database: 'appdb' })).toBe(String(CLIENTS));
    observations.push(`1 PgBouncer, pool size ${pooler.defaultPoolSize}: ${CLIENTS} clients (peak ${clientPeak} in SHOW POOLS), peak ${serverPeak} server connections, ${elapsed} ms`);
    expect(serverPeak).toBeLessThanOrEqual(pooler.maxDbConnections);
    expect(serverPeak).toBeGreaterThan(1);
    // Nearly every client was connected at once (the logins spread over a few hundred ms) while
    // the server never saw more than the pool.
    expect(clientPeak).toBeGreaterThanOrEqual(CLIENTS * 0.8);
  });

  test('three pods (two replicas and a surge pod) under load never exceed the computed budget', async () => {
    server.query('TRUNCATE visits', { database: 'appdb' });
    const serverSampler = sampleServerConnections();
    const total = CLIENTS * 2;
    const results = await Promise.all(Array.from({ length: total }, (_, i) => psqlAsync(TRANSACTION(i), appEnv(bouncers[i % bouncers.length]))));
    serverSampler.stop();
    const serverPeak = await serverSampler.max;
    expect(results.filter((r) => r.code !== 0)).toEqual([]);
    expect(server.query('SELECT count(DISTINCT client) FROM visits', { database: 'appdb' })).toBe(String(total));
    observations.push(`3 PgBouncers: ${total} clients, peak ${serverPeak} server connections (limit ${pooler.maxServerConnections}, `
      + `max_connections ${pooler.maxConnections} - ${pooler.superuserReservedConnections} superuser reserved - ${pooler.reservedConnections} reserved = ${pooler.serverConnectionBudget})`);
    expect(serverPeak).toBeLessThanOrEqual(pooler.maxServerConnections);
    expect(serverPeak).toBeGreaterThan(pooler.maxDbConnections);
    // What is left for Patroni, backups and the superuser while the poolers are at their peak.
    expect(Number(server.query('SHOW max_connections')) - serverPeak).toBeGreaterThanOrEqual(pooler.superuserReservedConnections + pooler.reservedConnections);
  });

  test('safe shutdown (the preStop hook\'s SIGINT) lets running transactions finish', async () => {
    const bouncer = bouncers[2];
    server.query('TRUNCATE visits', { database: 'appdb' });
    // As many transactions as the pool holds: all are running when the signal arrives (a client
    // still queued for a server connection is disconnected, and reconnects to another pod).
    const running = Array.from({ length: pooler.defaultPoolSize }, (_, i) => psqlAsync(`BEGIN; INSERT INTO visits (client) VALUES (${i}); SELECT pg_sleep(1); COMMIT;`, appEnv(bouncer)));
    await new Promise((r) => setTimeout(r, 500));
    expect(deployment.spec.template.spec.containers[0].lifecycle.preStop.exec.command.join(' ')).toContain('kill -INT 1');
    bouncer.signal('SIGINT');
    const results = await Promise.all(running);
    expect(results.filter((r) => r.code !== 0)).toEqual([]);
    expect(await bouncer.exited(10_000)).toBe(true);
    expect(server.query('SELECT count(*) FROM visits', { database: 'appdb' })).toBe(String(pooler.defaultPoolSize));
  });
});
