import { ChildProcess } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { LogicalBackupScripts } from '../../../src/logical-backup/logical-backup-scripts';
import { PostgresServer } from '../../harness/postgres';
import { runAsService, serviceTempDir, spawnAsService, waitFor, writeServiceFile } from '../../harness/processes';

/**
 * The logical backup scripts, run exactly as the CronJob runs them (bash, same environment), against a real
 * PostgreSQL 15, as a non-superuser backup role over a password-authenticated TCP connection, with a local
 * directory as the storage target.
 */

const ROLE = 'pgaas_backup';
const PASSWORD = `Backup-${crypto.randomBytes(12).toString('hex')}`;
const ODD_DB = 'Odd.Näme/x';
const ID = /^\d{8}T\d{6}Z$/;

let server: PostgresServer;
let scriptsDir: string;
let root: string;
const outputs: string[] = [];

interface Run {
  readonly status: number | null;
  readonly output: string;
}

function run(script: string, env: Record<string, string> = {}): Run {
  const result = runAsService('bash', [path.join(scriptsDir, script)], {
    env: {
      ...server.tcpEnv(ROLE, PASSWORD),
      PGSSLMODE: 'disable',
      PG_BIN_ROOT: '/usr/lib/postgresql',
      PGAAS_BACKUP_ROOT: root,
      PGAAS_RETENTION: '3',
      ...env,
    },
    timeoutMs: 300_000,
  });
  if (result.error) throw result.error;
  const output = `${result.stdout}${result.stderr}`;
  outputs.push(output);
  return { status: result.status, output };
}

function expectSuccess(result: Run): string {
  if (result.status !== 0) throw new Error(`script failed with ${result.status}:\n${result.output}`);
  return result.output;
}

function backupIds(cluster: string): { complete: string[]; incomplete: string[] } {
  const base = path.join(root, cluster);
  const ids = fs.readdirSync(base).filter((name) => ID.test(name)).sort();
  return {
    complete: ids.filter((id) => fs.existsSync(path.join(base, id, 'SHA256SUMS'))),
    incomplete: ids.filter((id) => !fs.existsSync(path.join(base, id, 'SHA256SUMS'))),
  };
}

function createdId(output: string): string {
  const match = /backup (\d{8}T\d{6}Z) complete/.exec(output);
  if (!match) throw new Error(`no completed backup in:\n${output}`);
  return match[1];
}

/** Rewrites SHA256SUMS for the files it lists (as if the damage happened before the checksums were taken). */
function rewriteChecksums(dir: string): void {
  const sums = path.join(dir, 'SHA256SUMS');
  const names = fs.readFileSync(sums, 'utf8').trim().split('\n').map((line) => line.slice(66));
  const text = names.map((name) => `${crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, name))).digest('hex')}  ${name}\n`).join('');
  fs.writeFileSync(sums, text);
}

function scratchDatabases(): string[] {
  const list = server.query("SELECT datname FROM pg_database WHERE datname LIKE 'pgaas_verify_%'");
  return list ? list.split('\n') : [];
}

/** Row count and a checksum of the ordered content of a table. */
function fingerprint(database: string, table: string, where = 'true'): string {
  return server.query(`SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, ',' ORDER BY id)), '-') FROM ${table} t WHERE ${where}`, { database });
}

beforeAll(async () => {
  server = await PostgresServer.start();
  // The backup role: not a superuser. pg_read_all_data to dump, CREATEDB for verify's scratch databases.
  server.query(`CREATE ROLE ${ROLE} LOGIN CREATEDB PASSWORD '${PASSWORD}'`);
  server.query(`GRANT pg_read_all_data TO ${ROLE}`);
  server.query('CREATE DATABASE shop');
  server.query('CREATE DATABASE inventory');
  server.query(`CREATE DATABASE "${ODD_DB}"`);
  server.query(`
    CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email text UNIQUE);
    CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, total numeric(10, 2), created timestamptz);
    CREATE TABLE order_items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, order_id bigint REFERENCES orders, sku text, qty int, meta jsonb);
    CREATE TABLE events (id bigserial PRIMARY KEY, v int, at timestamptz DEFAULT now());
    CREATE SEQUENCE invoice_no START 1000;
    CREATE VIEW order_totals AS SELECT customer_id, count(*) AS orders, sum(total) AS total FROM orders GROUP BY customer_id;
    INSERT INTO customers SELECT g, 'customer ' || g || E' \\\\ "quoted", tab\\there', 'c' || g || '@example.com' FROM generate_series(1, 1000) g;
    INSERT INTO orders (customer_id, total, created) SELECT 1 + g % 1000, g * 1.25, '2024-01-01'::timestamptz + g * interval '7 minutes' FROM generate_series(1, 3000) g;
    INSERT INTO order_items (order_id, sku, qty, meta) SELECT 1 + g % 3000, 'SKU-' || (g % 97), g % 5 + 1, jsonb_build_object('n', g, 'tags', jsonb_build_array('a', g % 3)) FROM generate_series(1, 5000) g;
    SELECT setval('invoice_no', 1041);
  `, { database: 'shop' });
  server.query('CREATE TABLE stock (id int PRIMARY KEY, sku text, qty int); INSERT INTO stock SELECT g, \'SKU-\' || g, g FROM generate_series(1, 50) g;', { database: 'inventory' });
  server.query('CREATE TABLE "Weird Table" (id int PRIMARY KEY, "Value" text); INSERT INTO "Weird Table" VALUES (1, \'ü\'), (2, NULL);', { database: ODD_DB });
  expect(server.query(`SELECT rolsuper FROM pg_roles WHERE rolname = '${ROLE}'`)).toBe('f');

  scriptsDir = serviceTempDir('backup-scripts');
  for (const [name, text] of Object.entries(LogicalBackupScripts.files())) {
    writeServiceFile(path.join(scriptsDir, name), text, 0o644);
  }
  root = serviceTempDir('backup-root');
}, 120_000);

afterAll(() => {
  server?.stop();
  for (const dir of [scriptsDir, root]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('renders the scripts, each parses with bash -n', () => {
  const files = LogicalBackupScripts.files();
  expect(Object.keys(files).sort()).toEqual([
    LogicalBackupScripts.BACKUP_FILE, LogicalBackupScripts.COMMON_FILE, LogicalBackupScripts.RETENTION_FILE,
    LogicalBackupScripts.STORAGE_LOCAL_FILE, LogicalBackupScripts.STORAGE_WALG_FILE, LogicalBackupScripts.VERIFY_FILE,
  ].sort());
  expect(files[LogicalBackupScripts.BACKUP_FILE]).toBe(LogicalBackupScripts.backup());
  expect(files[LogicalBackupScripts.VERIFY_FILE]).toBe(LogicalBackupScripts.verify());
  expect(files[LogicalBackupScripts.RETENTION_FILE]).toBe(LogicalBackupScripts.retention());
  expect(files[LogicalBackupScripts.COMMON_FILE]).toBe(LogicalBackupScripts.common());
  expect(files[LogicalBackupScripts.STORAGE_LOCAL_FILE]).toBe(LogicalBackupScripts.storageLocal());
  expect(files[LogicalBackupScripts.STORAGE_WALG_FILE]).toBe(LogicalBackupScripts.storageWalg());
  for (const [name, text] of Object.entries(files)) {
    const parsed = runAsService('bash', ['-n', path.join(scriptsDir, name)]);
    expect({ name, status: parsed.status, stderr: parsed.stderr }).toEqual({ name, status: 0, stderr: '' });
    expect(text).not.toContain('\\${');
    // Storage implementations are sourced by scripts that set the shell options.
    if (!name.startsWith('storage-')) expect(text).toMatch(/^set -euo pipefail$/m);
    expect(text).not.toMatch(/^\s*set -x|set -o xtrace|PGPASSWORD=/m);
  }
  expect(LogicalBackupScripts.backup().startsWith('#!/bin/bash\n')).toBe(true);
});

test('dumps every database in one snapshot per database, verifies, and the restored data equals the source', async () => {
  // A writer inserts into shop.events during the whole backup: the recorded row counts must match the dump.
  const writerLog = path.join(serviceTempDir('writer'), 'writer.log');
  const writer: ChildProcess = spawnAsService('bash', ['-c',
    'for i in $(seq 1 2000000); do echo "INSERT INTO events (v) SELECT g FROM generate_series(1, 10) g;"; done | psql -X -q -v ON_ERROR_STOP=1'],
  writerLog, { env: { PGHOST: server.dir, PGPORT: String(server.port), PGUSER: 'postgres', PGDATABASE: 'shop' } });
  let output: string;
  try {
    await waitFor('the writer to insert', () => Number(server.query('SELECT count(*) FROM events', { database: 'shop' })) > 1000, 30_000);
    output = expectSuccess(run(LogicalBackupScripts.BACKUP_FILE, { PGAAS_CLUSTER: 'main', PGAAS_VERIFY: '1', PGAAS_VERIFY_KEEP: '1' }));
  } finally {
    process.kill(-writer.pid!, 'SIGTERM');
  }
  expect(output).toMatch(/verify OK: backup \d{8}T\d{6}Z of cluster main: 4 database\(s\) restored and checked/);
  expect(output).not.toMatch(/CHECK FAILED/);

  // Layout: <root>/<cluster>/<id>/{<db>.dump, globals.sql.gz, manifest.json, SHA256SUMS}.
  const id = createdId(output);
  expect(backupIds('main')).toEqual({ complete: [id], incomplete: [] });
  const dir = path.join(root, 'main', id);
  const dumps = ['Odd.N%C3%A4me%2Fx.dump', 'inventory.dump', 'postgres.dump', 'shop.dump'];
  expect(fs.readdirSync(dir).sort()).toEqual(['SHA256SUMS', ...dumps, 'globals.sql.gz', 'manifest.json'].sort());
  for (const dump of dumps) expect(fs.readFileSync(path.join(dir, dump)).subarray(0, 5).toString()).toBe('PGDMP');
  const sums = runAsService('sha256sum', ['--check', '--strict', 'SHA256SUMS'], { cwd: dir });
  expect(sums.status).toBe(0);
  expect(sums.stdout.trim().split('\n')).toHaveLength(6);

  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  expect(manifest).toMatchObject({ format: 1, cluster: 'main', backup: id, user: ROLE, server_version_num: expect.any(Number), globals: { file: 'globals.sql.gz', role_passwords: false } });
  const shop = manifest.databases.find((d: any) => d.name === 'shop');
  expect(shop).toMatchObject({ file: 'shop.dump', table_count: 4, snapshot: expect.stringMatching(/^[0-9A-F]+-[0-9A-F]+-\d+$/) });
  const recorded = Object.fromEntries(shop.largest_tables.map((t: any) => [`${t.schema}.${t.table}`, t.rows]));
  expect(recorded).toMatchObject({ 'public.customers': 1000, 'public.orders': 3000, 'public.order_items': 5000 });
  expect(manifest.databases.find((d: any) => d.name === ODD_DB)).toMatchObject({ file: 'Odd.N%C3%A4me%2Fx.dump', table_count: 1 });

  // Globals: roles without passwords (a non-superuser cannot read them).
  const globals = runAsService('bash', ['-c', 'gzip -dc globals.sql.gz'], { cwd: dir }).stdout;
  expect(globals).toContain(`CREATE ROLE ${ROLE};`);
  expect(globals).not.toMatch(/SCRAM-SHA-256\$|PASSWORD/);

  // The kept scratch databases hold exactly the source data.
  const scratch = Object.fromEntries([...output.matchAll(/\[(.+)\] keeping scratch database (pgaas_verify_\w+)/g)].map((m) => [m[1], m[2]]));
  expect(Object.keys(scratch).sort()).toEqual([ODD_DB, 'inventory', 'postgres', 'shop'].sort());
  expect(scratch.shop).toMatch(/^pgaas_verify_shop_[0-9a-f]{8}$/);
  try {
    for (const table of ['customers', 'orders', 'order_items']) {
      expect(fingerprint(scratch.shop, table)).toBe(fingerprint('shop', table));
    }
    expect(fingerprint(scratch.shop, 'orders')).toMatch(/^3000 [0-9a-f]{32}$/);
    const view = 'SELECT md5(string_agg(v::text, \',\' ORDER BY customer_id)) FROM order_totals v';
    expect(server.query(view, { database: scratch.shop })).toBe(server.query(view, { database: 'shop' }));
    expect(server.query('SELECT last_value || \' \' || is_called FROM invoice_no', { database: scratch.shop })).toBe('1041 true');
    expect(server.query('SELECT nextval(\'orders_id_seq\')', { database: scratch.shop })).toBe('3001');
    // events kept growing: the dump holds exactly the rows counted in the snapshot, a prefix of the source.
    const restoredEvents = server.query('SELECT count(*) || \' \' || max(id) FROM events', { database: scratch.shop }).split(' ');
    expect(Number(restoredEvents[0])).toBe(recorded['public.events']);
    expect(Number(server.query('SELECT count(*) FROM events', { database: 'shop' }))).toBeGreaterThan(recorded['public.events']);
    expect(fingerprint(scratch.shop, 'events')).toBe(fingerprint('shop', 'events', `id <= ${restoredEvents[1]}`));
    expect(fingerprint(scratch.inventory, 'stock')).toBe(fingerprint('inventory', 'stock'));
    expect(fingerprint(scratch[ODD_DB], '"Weird Table"')).toBe(fingerprint(ODD_DB, '"Weird Table"'));
  } finally {
    for (const name of Object.values(scratch)) server.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
  expect(scratchDatabases()).toEqual([]);
}, 300_000);

test('retention keeps exactly the configured number of complete backups', () => {
  const cluster = 'retention';
  const base = path.join(root, cluster);
  const env = { PGAAS_CLUSTER: cluster, PGAAS_DATABASES: 'inventory', PGAAS_VERIFY: '0', PGAAS_RETENTION: '2' };
  // Leftovers: an old incomplete backup (deleted), an incomplete one newer than any (maybe in progress: kept),
  // and a directory that is not a backup (ignored).
  const owner = fs.statSync(root);
  for (const name of ['20000101T000000Z', '29991231T235959Z', 'lost+found']) {
    fs.mkdirSync(path.join(base, name), { recursive: true });
    fs.writeFileSync(path.join(base, name, 'inventory.dump'), 'partial');
    for (const p of [base, path.join(base, name), path.join(base, name, 'inventory.dump')]) fs.chownSync(p, owner.uid, owner.gid);
  }
  const created: string[] = [];
  for (let i = 1; i <= 4; i++) {
    const output = expectSuccess(run(LogicalBackupScripts.BACKUP_FILE, env));
    created.push(createdId(output));
    expect(backupIds(cluster).complete).toEqual(created.slice(-2));
    if (i === 1) expect(output).toMatch(/deleting incomplete backup 20000101T000000Z \(older than the newest complete backup/);
    if (i >= 3) expect(output).toContain(`deleting complete backup ${created[i - 3]} (keeping the newest 2)`);
  }
  expect(new Set(created).size).toBe(4);
  expect(backupIds(cluster)).toEqual({ complete: created.slice(-2), incomplete: ['29991231T235959Z'] });
  expect(fs.existsSync(path.join(base, 'lost+found', 'inventory.dump'))).toBe(true);

  // On its own, with a smaller retention.
  const output = expectSuccess(run(LogicalBackupScripts.RETENTION_FILE, { PGAAS_CLUSTER: cluster, PGAAS_RETENTION: '1' }));
  expect(output).toMatch(/retention 1: kept 1 complete backup\(s\)/);
  expect(backupIds(cluster)).toEqual({ complete: created.slice(-1), incomplete: ['29991231T235959Z'] });
}, 300_000);

describe('verify fails loudly on a damaged backup and drops its scratch database', () => {
  const cluster = 'damaged';
  let dir: string;
  let dump: string;
  let original: Buffer;
  let manifest: string;

  beforeAll(() => {
    const output = expectSuccess(run(LogicalBackupScripts.BACKUP_FILE, { PGAAS_CLUSTER: cluster, PGAAS_DATABASES: 'shop inventory', PGAAS_VERIFY: '0' }));
    dir = path.join(root, cluster, createdId(output));
    dump = path.join(dir, 'shop.dump');
    original = fs.readFileSync(dump);
    manifest = fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8');
  }, 120_000);

  afterEach(() => {
    fs.writeFileSync(dump, original);
    fs.writeFileSync(path.join(dir, 'manifest.json'), manifest);
    rewriteChecksums(dir);
    expect(scratchDatabases()).toEqual([]);
  });

  function verifyFails(check: RegExp): string {
    const result = run(LogicalBackupScripts.VERIFY_FILE, { PGAAS_CLUSTER: cluster });
    expect(result.status).toBe(1);
    expect(result.output).toMatch(check);
    expect(result.output).toMatch(/ERROR: VERIFY FAILED: backup \d{8}T\d{6}Z of cluster damaged: 1 failed check\(s\)/);
    // The other database is still checked.
    expect(result.output).toMatch(/\[inventory\] restore ok/);
    expect(scratchDatabases()).toEqual([]);
    return result.output;
  }

  test('corrupted bytes in the middle of a dump', () => {
    const corrupted = Buffer.from(original);
    const middle = Math.floor(corrupted.length / 2);
    for (let i = middle; i < middle + 16; i++) corrupted[i] = 255 - corrupted[i];
    fs.writeFileSync(dump, corrupted);
    verifyFails(/CHECK FAILED: database "shop": checksum: shop\.dump does not match its checksum in SHA256SUMS \(corrupted or truncated\)/);

    // Corrupted before the checksums were taken: the restore itself must catch it.
    rewriteChecksums(dir);
    const output = verifyFails(/CHECK FAILED: database "shop": restore: pg_restore --exit-on-error of shop\.dump into pgaas_verify_shop_[0-9a-f]{8} exited with code 1/);
    expect(output).toMatch(/dropped scratch database pgaas_verify_shop_/);
  });

  test('a truncated dump', () => {
    fs.writeFileSync(dump, original.subarray(0, Math.floor(original.length / 2)));
    verifyFails(/CHECK FAILED: database "shop": checksum: shop\.dump does not match/);
    rewriteChecksums(dir);
    verifyFails(/CHECK FAILED: database "shop": (list: pg_restore --list cannot read|restore: pg_restore --exit-on-error of) shop\.dump/);
  });

  test('row and table counts that differ from the manifest', () => {
    const edited = JSON.parse(manifest);
    const shop = edited.databases.find((d: any) => d.name === 'shop');
    shop.largest_tables.find((t: any) => t.table === 'orders').rows = 2999;
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(edited));
    rewriteChecksums(dir);
    verifyFails(/CHECK FAILED: database "shop": rows: public\.orders: recorded 2999 at dump time, restored 3000/);

    shop.largest_tables.find((t: any) => t.table === 'orders').rows = 3000;
    shop.table_count = 5;
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(edited));
    rewriteChecksums(dir);
    verifyFails(/CHECK FAILED: database "shop": table_count: tables: recorded 5 at dump time, restored 4/);
  });

  test('the intact backup verifies', () => {
    const output = expectSuccess(run(LogicalBackupScripts.VERIFY_FILE, { PGAAS_CLUSTER: cluster }));
    expect(output).toMatch(/\[shop\] rows ok: public\.orders 3000, as recorded at dump time/);
    expect(output).toMatch(/verify OK: backup \d{8}T\d{6}Z of cluster damaged: 2 database\(s\) restored and checked/);
  });
});

test('a missing client for the server major fails loudly', () => {
  const bins = serviceTempDir('pg-bin-root');
  fs.mkdirSync(path.join(bins, '14', 'bin'), { recursive: true });
  fs.writeFileSync(path.join(bins, '14', 'bin', 'pg_dump'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  try {
    for (const script of [LogicalBackupScripts.BACKUP_FILE, LogicalBackupScripts.VERIFY_FILE]) {
      const result = run(script, { PGAAS_CLUSTER: 'noclient', PG_BIN_ROOT: bins });
      expect(result.status).toBe(1);
      expect(result.output).toContain('ERROR: the server runs PostgreSQL 15 (server_version_num 15');
      expect(result.output).toContain(`the PostgreSQL 15 client is missing: no psql pg_dump pg_dumpall pg_restore in ${bins}/15/bin (client versions under ${bins}: 14)`);
    }
    expect(fs.readdirSync(path.join(root, 'noclient'))).toEqual([]);
  } finally {
    fs.rmSync(bins, { recursive: true, force: true });
  }
});

test('configuration errors fail before anything is written', () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ PGAAS_GLOBALS: 'false' }, "PGAAS_GLOBALS must be 1 or 0 (got 'false')"],
    [{ PGAAS_VERIFY: 'true' }, "PGAAS_VERIFY must be 1 or 0 (got 'true')"],
    [{ PGAAS_RETENTION: '0' }, "PGAAS_RETENTION must be an integer >= 1 (got '0')"],
    [{ PGAAS_VERIFY_TABLES: 'five' }, "PGAAS_VERIFY_TABLES must be an integer >= 0 (got 'five')"],
    [{ PGAAS_CLUSTER: '../escape' }, 'PGAAS_CLUSTER must be a plain name'],
    [{ PGAAS_DATABASES: 'shop nosuchdb' }, 'database "nosuchdb" (from PGAAS_DATABASES) does not exist'],
    [{ PGAAS_STORAGE: 's3' }, "storage 's3' is not available"],
    [{ PGPASSWORD: `wrong-${PASSWORD}` }, 'cannot connect to PostgreSQL (host=127.0.0.1'],
  ];
  for (const [env, message] of cases) {
    const result = run(LogicalBackupScripts.BACKUP_FILE, { PGAAS_CLUSTER: 'config', ...env });
    expect({ env, status: result.status }).toEqual({ env, status: 1 });
    expect(result.output).toContain(message);
  }
  const config = path.join(root, 'config');
  expect(fs.existsSync(config) ? fs.readdirSync(config) : []).toEqual([]);
});

test('no output ever contains the password', () => {
  expect(outputs.length).toBeGreaterThan(15);
  for (const output of outputs) expect(output).not.toContain(PASSWORD);
});
