import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Size, Testing } from 'cdk8s';
import { PodSecurity, PodSecurityLevel } from '../../../src/audit/pod-security';
import { BackupStorage } from '../../../src/backup/backup-storage';
import { StorageCredentials } from '../../../src/backup/storage-credentials';
import { PostgresCluster } from '../../../src/cluster/postgres-cluster';
import { Credentials } from '../../../src/credentials/credentials';
import { BackupSchedule } from '../../../src/logical-backup/backup-schedule';
import { BackupTarget } from '../../../src/logical-backup/backup-target';
import { LogicalBackupScripts } from '../../../src/logical-backup/logical-backup-scripts';
import { BackupScheduleProps } from '../../../src/logical-backup/props';
import { PG_BIN, PostgresServer } from '../../harness/postgres';
import { runAsService, serviceTempDir, writeServiceFile } from '../../harness/processes';
import { schemaErrors } from '../../harness/schema';

/**
 * BackupSchedule, run the way Kubernetes runs it: the scripts are the synthesized ConfigMap's data, the command and
 * the environment are the synthesized CronJob container's. Against a real PostgreSQL 15 that accepts only TLS
 * (like Spilo: hostnossl reject), as the non-superuser backup role. Substituted, and nothing else:
 *   - PGHOST/PGPORT: the test server instead of the cluster's primary Service;
 *   - secretKeyRef values: the test role's user name and password;
 *   - mount paths: each volumeMount's path (in the command and in env values) becomes a local directory
 *     (scripts: the ConfigMap's files; scratch: a temporary directory; backup volume: a local directory);
 *   - PATH: the image's PATH; for object storage a fake `wal-g` comes first.
 */

const ROLE = 'pgaas_backup';
const PASSWORD = `Backup-${crypto.randomBytes(12).toString('hex')}`;
const SECRETS: Record<string, Record<string, string>> = {
  'pgaas-backup-login': { username: ROLE, password: PASSWORD },
  'minio-creds': { AWS_ACCESS_KEY_ID: 'AKIAFAKE', AWS_SECRET_ACCESS_KEY: 'fake-secret-key' },
};

let server: PostgresServer;
const cleanup: string[] = [];

interface Job {
  readonly objects: any[];
  readonly cronJob: any;
  readonly verifyCronJob?: any;
  readonly configMap: any;
}

function synthSchedule(props: Omit<BackupScheduleProps, 'cluster'>): Job {
  const chart = new Chart(Testing.app(), 'test', { namespace: 'shop' });
  const cluster = new PostgresCluster(chart, 'db', { name: 'orders-db' });
  new BackupSchedule(chart, 'nightly', { cluster, credentials: Credentials.fromSecret('pgaas-backup-login'), ...props });
  const objects = Testing.synth(chart);
  const cronJobs = objects.filter((o) => o.kind === 'CronJob');
  return {
    objects,
    cronJob: cronJobs.find((c) => !c.metadata.name.endsWith('-verify')),
    verifyCronJob: cronJobs.find((c) => c.metadata.name.endsWith('-verify')),
    configMap: objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('orders-db-backup-nightly-scripts-')),
  };
}

/** A directory per volume of the pod, with the ConfigMap's files in the scripts volume. */
function materialize(job: Job): Record<string, string> {
  const spec = job.cronJob.spec.jobTemplate.spec.template.spec;
  const dirs: Record<string, string> = {};
  for (const mount of spec.containers[0].volumeMounts) {
    const dir = serviceTempDir(`vol-${mount.name}`);
    cleanup.push(dir);
    const volume = spec.volumes.find((v: any) => v.name === mount.name);
    if (volume.configMap) {
      expect(volume.configMap.name).toBe(job.configMap.metadata.name);
      for (const [file, text] of Object.entries(job.configMap.data as Record<string, string>)) writeServiceFile(path.join(dir, file), text, 0o444);
    }
    dirs[mount.mountPath] = dir;
  }
  return dirs;
}

interface Run { readonly status: number | null; readonly output: string }

/** Runs a CronJob's container command with its environment, substituting only what the header lists. */
function runCronJob(cronJob: any, dirs: Record<string, string>, extra: { path?: string; env?: Record<string, string> } = {}): Run {
  const container = cronJob.spec.jobTemplate.spec.template.spec.containers[0];
  const local = (value: string) => {
    for (const [mountPath, dir] of Object.entries(dirs)) {
      if (value === mountPath || value.startsWith(`${mountPath}/`)) return dir + value.slice(mountPath.length);
    }
    return value;
  };
  const env: Record<string, string> = {};
  for (const variable of container.env) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (ref) env[variable.name] = SECRETS[ref.name][ref.key];
    else env[variable.name] = local(variable.value);
  }
  env.PGHOST = server.host;
  env.PGPORT = String(server.port);
  env.PATH = `${extra.path ? `${extra.path}:` : ''}${process.env.PATH}`;
  const [command, ...args] = [...container.command, ...container.args ?? []].map(local);
  const result = runAsService(command, args, { env: { ...env, ...extra.env }, timeoutMs: 300_000 });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function ok(run: Run): string {
  if (run.status !== 0) throw new Error(`job failed with ${run.status}:\n${run.output}`);
  expect(run.output).not.toContain(PASSWORD);
  return run.output;
}

function completeBackups(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((id) => /^\d{8}T\d{6}Z$/.test(id) && fs.existsSync(path.join(dir, id, 'SHA256SUMS'))).sort();
}

function fingerprint(database: string, table: string): string {
  return server.query(`SELECT count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY id)) FROM ${table} t`, { database });
}

beforeAll(async () => {
  // Like Spilo: TCP only with TLS, SCRAM passwords; trust only on the local socket (the harness's superuser).
  server = await PostgresServer.start({ tls: true, hba: ['local all all trust', 'hostssl all all 127.0.0.1/32 scram-sha-256', 'hostnossl all all all reject'] });
  // BackupSchedule.backupRole(): LOGIN CREATEDB BYPASSRLS, member of pg_read_all_data.
  const role = BackupSchedule.backupRole();
  expect(role).toEqual({ name: ROLE, login: true, createDb: true, bypassRls: true, memberOf: ['pg_read_all_data'] });
  server.query(`CREATE ROLE ${ROLE} LOGIN CREATEDB BYPASSRLS PASSWORD '${PASSWORD}'`);
  server.query(`GRANT pg_read_all_data TO ${ROLE}`);
  server.query('CREATE DATABASE shop');
  server.query('CREATE DATABASE inventory');
  server.query(`
    CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email text UNIQUE);
    CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, total numeric(10, 2), note text);
    INSERT INTO customers SELECT g, 'customer ' || g, 'c' || g || '@example.com' FROM generate_series(1, 500) g;
    INSERT INTO orders (customer_id, total, note) SELECT 1 + g % 500, g * 1.5, CASE WHEN g % 7 = 0 THEN E'tab\\there' END FROM generate_series(1, 2000) g;
    -- Row-level security: pg_dump refuses to dump hidden rows, so the backup role needs BYPASSRLS.
    ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
    CREATE POLICY own_orders ON orders USING (false);
  `, { database: 'shop' });
  server.query('CREATE TABLE stock (id int PRIMARY KEY, qty int); INSERT INTO stock SELECT g, g FROM generate_series(1, 50) g;', { database: 'inventory' });
}, 120_000);

afterAll(() => {
  server?.stop();
  for (const dir of cleanup) fs.rmSync(dir, { recursive: true, force: true });
});

describe('to a PersistentVolumeClaim', () => {
  let job: Job;
  let dirs: Record<string, string>;
  let backupDir: string;

  beforeAll(() => {
    job = synthSchedule({
      schedule: '30 1 * * *',
      storage: BackupTarget.newPersistentVolumeClaim({ size: Size.gibibytes(20), storageClassName: 'standard' }),
      retention: 2,
      databases: ['shop', 'inventory'],
      verifySchedule: '0 5 * * 0',
    });
    dirs = materialize(job);
    backupDir = path.join(dirs['/backup'], 'orders-db');
  });

  test('the manifests: restricted pods, schema-valid, Forbid, limits, hashed ConfigMap, secretKeyRefs only', () => {
    expect(PodSecurity.checkManifests(job.objects, { level: PodSecurityLevel.RESTRICTED })).toEqual([]);
    expect(job.objects.flatMap(schemaErrors)).toEqual([]);
    const { cronJob } = job;
    expect(cronJob.metadata.name).toBe('orders-db-backup-nightly');
    expect(cronJob.spec).toMatchObject({
      schedule: '30 1 * * *',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: { spec: { backoffLimit: 1, activeDeadlineSeconds: 21600 } },
    });
    const pod = cronJob.spec.jobTemplate.spec.template.spec;
    expect(pod).toMatchObject({ automountServiceAccountToken: false, restartPolicy: 'Never', securityContext: { runAsUser: 101, fsGroup: 103 } });
    expect(pod.serviceAccountName).toBeUndefined();
    const container = pod.containers[0];
    expect(container.image).toBe('ghcr.io/zalando/spilo-17:4.0-p3');
    expect(container.command).toEqual(['bash', '/opt/pgaas/backup/backup.sh']);
    expect(job.verifyCronJob.spec.jobTemplate.spec.template.spec.containers[0].command).toEqual(['bash', '/opt/pgaas/backup/verify.sh']);
    expect(job.verifyCronJob.spec.schedule).toBe('0 5 * * 0');
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toEqual({
      PGHOST: 'orders-db.shop.svc',
      PGPORT: '5432',
      PGUSER: { secretKeyRef: { name: 'pgaas-backup-login', key: 'username' } },
      PGPASSWORD: { secretKeyRef: { name: 'pgaas-backup-login', key: 'password' } },
      PGSSLMODE: 'require',
      PGAAS_CLUSTER: 'orders-db',
      PGAAS_STORAGE: 'local',
      PGAAS_BACKUP_ROOT: '/backup',
      PGAAS_RETENTION: '2',
      PGAAS_VERIFY: '1',
      PGAAS_GLOBALS: '1',
      PGAAS_DATABASES: 'shop inventory',
      TMPDIR: '/tmp',
      HOME: '/tmp',
    });
    expect(job.configMap.metadata.name).toMatch(/^orders-db-backup-nightly-scripts-[0-9a-f]{10}$/);
    expect(job.configMap.data).toEqual(LogicalBackupScripts.files());
    const pvc = job.objects.find((o) => o.kind === 'PersistentVolumeClaim');
    expect(pvc).toMatchObject({ metadata: { name: 'orders-db-backup-nightly', annotations: { 'argocd.argoproj.io/sync-options': 'Prune=false' } }, spec: { storageClassName: 'standard', resources: { requests: { storage: '20Gi' } } } });
    expect(pod.volumes.find((v: any) => v.name === 'backup')).toEqual({ name: 'backup', persistentVolumeClaim: { claimName: 'orders-db-backup-nightly' } });
  });

  test('a run of the CronJob dumps, verifies (over TLS, as the non-superuser role), and the dump restores to equal data', () => {
    const output = ok(runCronJob(job.cronJob, dirs));
    expect(output).toMatch(/connected \(host=127\.0\.0\.1 port=\d+ user=pgaas_backup sslmode=require\): PostgreSQL 15/);
    expect(output).toMatch(/superuser=0/);
    expect(output).toMatch(/verify OK: backup \d{8}T\d{6}Z of cluster orders-db: 2 database\(s\) restored and checked/);
    expect(output).toMatch(/\[shop\] rows ok: public\.orders 2000, as recorded at dump time/);
    const [id] = completeBackups(backupDir);
    expect(fs.readdirSync(path.join(backupDir, id)).sort()).toEqual(['SHA256SUMS', 'globals.sql.gz', 'inventory.dump', 'manifest.json', 'shop.dump']);

    // The runbook's restore of a logical dump: pg_restore from the volume into a new database.
    server.query('CREATE DATABASE shop_restored');
    const restore = runAsService(`${PG_BIN}/pg_restore`, ['--exit-on-error', '--no-owner', '-d', 'shop_restored', path.join(backupDir, id, 'shop.dump')],
      { env: { PGHOST: server.dir, PGPORT: String(server.port), PGUSER: 'postgres' } });
    expect(restore.stderr).toBe('');
    expect(restore.status).toBe(0);
    for (const table of ['customers', 'orders']) expect(fingerprint('shop_restored', table)).toBe(fingerprint('shop', table));
    expect(fingerprint('shop_restored', 'orders')).toMatch(/^2000 [0-9a-f]{32}$/);
    expect(server.query('SELECT relrowsecurity FROM pg_class WHERE relname = \'orders\'', { database: 'shop_restored' })).toBe('t');
  }, 300_000);

  test('retention keeps exactly the configured number (2) of complete backups', () => {
    const seen = new Set(completeBackups(backupDir));
    for (let i = 0; i < 3; i++) {
      ok(runCronJob(job.cronJob, dirs));
      completeBackups(backupDir).forEach((id) => seen.add(id));
      expect(completeBackups(backupDir)).toHaveLength(2);
    }
    expect(seen.size).toBe(4);
    expect(completeBackups(backupDir)).toEqual([...seen].sort().slice(-2));
  }, 300_000);

  test('the verify CronJob fails on a corrupted or truncated dump of the newest backup', () => {
    const newest = completeBackups(backupDir).pop()!;
    const dump = path.join(backupDir, newest, 'shop.dump');
    const original = fs.readFileSync(dump);
    try {
      const corrupted = Buffer.from(original);
      for (let i = 100; i < 116; i++) corrupted[i] = 255 - corrupted[i];
      fs.writeFileSync(dump, corrupted);
      const first = runCronJob(job.verifyCronJob, dirs);
      expect(first.status).toBe(1);
      expect(first.output).toContain('CHECK FAILED: database "shop": checksum: shop.dump does not match its checksum in SHA256SUMS (corrupted or truncated)');
      expect(first.output).toMatch(/ERROR: VERIFY FAILED: backup \d{8}T\d{6}Z of cluster orders-db: 1 failed check\(s\)/);

      fs.writeFileSync(dump, original.subarray(0, Math.floor(original.length / 2)));
      const second = runCronJob(job.verifyCronJob, dirs);
      expect(second.status).toBe(1);
      expect(second.output).toContain('CHECK FAILED: database "shop": checksum: shop.dump does not match');
    } finally {
      fs.writeFileSync(dump, original);
    }
    const intact = ok(runCronJob(job.verifyCronJob, dirs));
    expect(intact).toContain(`verify OK: backup ${newest} of cluster orders-db: 2 database(s) restored and checked`);
    expect(server.query('SELECT count(*) FROM pg_database WHERE datname LIKE \'pgaas_verify_%\'')).toBe('0');
  }, 300_000);
});

/**
 * A stand-in for wal-g's storage tools: records every command line and the WAL-G environment it saw, and keeps the
 * objects of the location in WALG_S3_PREFIX (s3://bucket/path) under FAKE_WALG_ROOT/bucket/path. Its "st ls"
 * prints wal-g's format: a header, then "type size last-modified name" per object or folder.
 */
const FAKE_WALG = `#!/bin/bash
set -euo pipefail
printf '%s\\n' "$*" >>"$FAKE_WALG_LOG"
env | grep -E '^(WALG_|WALE_|AWS_|GOOGLE_|AZURE_)' | sort >"$FAKE_WALG_LOG.env"
[[ $1 == st ]] || { echo "fake wal-g: only st is implemented" >&2; exit 2; }
root="$FAKE_WALG_ROOT/\${WALG_S3_PREFIX#s3://}"
cmd=$2
shift 2
while [[ \${1:-} == --* ]]; do shift; done
case $cmd in
  put) mkdir -p "$(dirname "$root/$2")"; cp "$1" "$root/$2" ;;
  get) [[ -f $root/$1 ]] || { echo "object $1 not found" >&2; exit 1; }; [[ ! -e $2 ]] || { echo "$2 exists" >&2; exit 1; }; cp "$root/$1" "$2" ;;
  ls)
    echo "type size last modified                  name"
    folder="$root/\${1:-}"
    if [[ -d $folder ]]; then
      for entry in "$folder"/*; do
        [[ -e $entry ]] || continue
        if [[ -d $entry ]]; then echo "dir  0 0001-01-01 00:00:00 +0000 UTC \${entry##*/}/"
        else echo "obj  $(stat -c %s "$entry") 2026-01-01 00:00:00 +0000 UTC \${entry##*/}"; fi
      done
    fi ;;
  rm) rm -f -- "$root/$1"; rmdir -- "$(dirname "$root/$1")" 2>/dev/null || true ;;
  *) echo "fake wal-g: st $cmd is not implemented" >&2; exit 2 ;;
esac
`;

describe('to object storage, through wal-g st (a fake wal-g on PATH)', () => {
  let job: Job;
  let dirs: Record<string, string>;
  let bin: string;
  let store: string;
  let log: string;

  beforeAll(() => {
    const storage = BackupStorage.s3({
      bucket: 'acme-pg',
      prefix: 'prod',
      endpoint: 'https://minio.storage.svc:9000',
      region: 'eu-1',
      credentials: StorageCredentials.awsAccessKey('minio-creds'),
    });
    job = synthSchedule({ schedule: '0 2 * * *', storage: BackupTarget.objectStorage(storage), retention: 1, databases: ['shop', 'inventory'] });
    dirs = materialize(job);
    bin = serviceTempDir('fake-walg-bin');
    store = serviceTempDir('fake-walg-store');
    cleanup.push(bin, store);
    writeServiceFile(path.join(bin, 'wal-g'), FAKE_WALG, 0o755);
    log = path.join(store, 'commands.log');
  });

  const run = () => runCronJob(job.cronJob, dirs, { path: bin, env: { FAKE_WALG_ROOT: store, FAKE_WALG_LOG: log } });
  const commands = () => fs.readFileSync(log, 'utf8').trim().split('\n');

  test('the manifests: storage walg, the location URL, WAL-G options and credentials from the Secret', () => {
    expect(PodSecurity.checkManifests(job.objects, { level: PodSecurityLevel.RESTRICTED })).toEqual([]);
    expect(job.objects.flatMap(schemaErrors)).toEqual([]);
    const pod = job.cronJob.spec.jobTemplate.spec.template.spec;
    expect(pod.volumes.map((v: any) => v.name)).toEqual(['scripts', 'scratch']);
    const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({
      PGAAS_STORAGE: 'walg',
      PGAAS_BACKUP_ROOT: 's3://acme-pg/prod/logical/shop',
      AWS_REGION: 'eu-1',
      AWS_ENDPOINT: 'https://minio.storage.svc:9000',
      AWS_S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: { secretKeyRef: { name: 'minio-creds', key: 'AWS_ACCESS_KEY_ID' } },
      AWS_SECRET_ACCESS_KEY: { secretKeyRef: { name: 'minio-creds', key: 'AWS_SECRET_ACCESS_KEY' } },
    });
    expect(Object.values(env).filter((v) => typeof v === 'string' && /^false$/i.test(v))).toEqual([]);
  });

  test('backup uploads every file with SHA256SUMS last, verify downloads what was uploaded, retention deletes SHA256SUMS first', () => {
    const first = ok(run());
    expect(first).toMatch(/backup (\d{8}T\d{6}Z) of cluster orders-db to s3:\/\/acme-pg\/prod\/logical\/shop\/orders-db\/\1: 2 database\(s\)/);
    expect(first).toMatch(/verify OK: backup \d{8}T\d{6}Z of cluster orders-db: 2 database\(s\) restored and checked/);
    const id = /backup (\d{8}T\d{6}Z) complete/.exec(first)![1];
    const calls = commands();
    const puts = calls.filter((c) => c.startsWith('st put'));
    expect(puts.map((c) => c.replace(/ \S+\/storage\/\S+ /, ' <staged> '))).toEqual([
      `st put --no-compress --no-encrypt <staged> orders-db/${id}/globals.sql.gz`,
      `st put --no-compress --no-encrypt <staged> orders-db/${id}/inventory.dump`,
      `st put --no-compress --no-encrypt <staged> orders-db/${id}/manifest.json`,
      `st put --no-compress --no-encrypt <staged> orders-db/${id}/shop.dump`,
      `st put --no-compress --no-encrypt <staged> orders-db/${id}/SHA256SUMS`,
    ]);
    expect(puts[4]).toMatch(/\/\.SHA256SUMS\.partial orders-db\/\S+\/SHA256SUMS$/);
    expect(calls.indexOf(puts[4])).toBeGreaterThan(calls.indexOf(puts[3]));
    const gets = calls.filter((c) => c.startsWith('st get')).map((c) => c.replace(/ \S+\/storage\/fetch-\S+$/, ' <local>'));
    expect(gets.sort()).toEqual(['SHA256SUMS', 'globals.sql.gz', 'inventory.dump', 'manifest.json', 'shop.dump'].map((f) => `st get --no-decompress --no-decrypt orders-db/${id}/${f} <local>`).sort());
    expect(calls.filter((c) => c.startsWith('st ls'))).toContain('st ls orders-db');
    // WAL-G saw exactly one storage, the location, and the credentials from the Secret.
    expect(fs.readFileSync(`${log}.env`, 'utf8').trim().split('\n')).toEqual([
      'AWS_ACCESS_KEY_ID=AKIAFAKE', 'AWS_ENDPOINT=https://minio.storage.svc:9000', 'AWS_REGION=eu-1', 'AWS_S3_FORCE_PATH_STYLE=true',
      'AWS_SECRET_ACCESS_KEY=fake-secret-key', 'WALG_S3_PREFIX=s3://acme-pg/prod/logical/shop',
    ]);
    const objects = path.join(store, 'acme-pg/prod/logical/shop/orders-db');
    expect(fs.readdirSync(path.join(objects, id)).sort()).toEqual(['SHA256SUMS', 'globals.sql.gz', 'inventory.dump', 'manifest.json', 'shop.dump']);
    // The objects are plain files: sha256sum --check works on a download.
    expect(runAsService('sha256sum', ['--check', '--strict', 'SHA256SUMS'], { cwd: path.join(objects, id) }).status).toBe(0);

    // Retention 1: the next run deletes the first backup, its SHA256SUMS first.
    fs.writeFileSync(log, '');
    const second = ok(run());
    const next = /backup (\d{8}T\d{6}Z) complete/.exec(second)![1];
    const removals = commands().filter((c) => c.startsWith('st rm'));
    expect(removals[0]).toBe(`st rm orders-db/${id}/SHA256SUMS`);
    expect(removals.slice(1).sort()).toEqual(['globals.sql.gz', 'inventory.dump', 'manifest.json', 'shop.dump'].map((f) => `st rm orders-db/${id}/${f}`));
    expect(fs.readdirSync(objects)).toEqual([next]);
    expect(second).toContain(`retention 1: kept 1 complete backup(s): ${next}; deleted 1`);
  }, 300_000);

  test('a failing wal-g fails the job instead of reading the storage as empty', () => {
    const broken = serviceTempDir('broken-walg');
    cleanup.push(broken);
    writeServiceFile(path.join(broken, 'wal-g'), '#!/bin/bash\necho "connection refused" >&2\nexit 1\n', 0o755);
    const result = runCronJob(job.cronJob, dirs, { path: broken });
    expect(result.status).toBe(1);
    expect(result.output).toContain('connection refused');
    expect(result.output).toContain('ERROR: storage walg: listing s3://acme-pg/prod/logical/shop/orders-db failed');
  });
});
