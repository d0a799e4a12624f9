import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BackupStorage, ClusterBootstrap, MajorUpgradeMode, PodSecurity, PodSecurityLevel, PolicyRules, PostgresCluster, PostgresClusterProps, StorageCredentials } from '../../../src';
import { SpiloBackup } from '../../../src/backup/spilo-backup';
import { spiloWalPrefix } from '../../harness/spilo-wal-prefix';
import { clusterProblems, envOf, findObject, synth, testChart } from '../../harness/synth';

const s3 = BackupStorage.s3({ bucket: 'acme-pg', prefix: 'prod', region: 'eu-central-1', credentials: StorageCredentials.awsAccessKey('pg-s3') });
const gcs = BackupStorage.gcs({ bucket: 'acme-pg', credentials: StorageCredentials.gcsServiceAccountKey('pg-gcs') });
const azure = BackupStorage.azure({ storageAccount: 'acmepg', container: 'pg-wal', credentials: StorageCredentials.azureAccessKey('pg-az') });

function objectsOf(props: Partial<PostgresClusterProps>): any[] {
  const chart = testChart('shop');
  new PostgresCluster(chart, 'db', { name: 'orders-db', instances: 3, backup: { storage: s3 }, majorUpgrade: {}, ...props });
  return synth(chart);
}

function upgradeJobs(objects: any[]): any[] {
  return objects.filter((o) => o.kind === 'Job' && o.metadata.labels?.['app.kubernetes.io/component'] === 'major-upgrade');
}

function upgradeEnv(objects: any[]): Record<string, any> {
  const [job] = upgradeJobs(objects);
  return envOf(job.spec.template.spec.containers[0]);
}

describe('the major upgrade Job', () => {
  test('every cluster has one, so a raised postgresVersion is never silently ignored: in place where it can, otherwise it refuses', () => {
    const mode = (props: Partial<PostgresClusterProps>) => {
      const jobs = upgradeJobs(objectsOf(props));
      expect(jobs).toHaveLength(1);
      return envOf(jobs[0].spec.template.spec.containers[0]).PGAAS_UPGRADE_MODE;
    };
    // The default: in place with backup on S3 or GCS, refuse without backup, on Azure, or on a standby cluster.
    expect(mode({ majorUpgrade: undefined })).toBe('in-place');
    expect(mode({ majorUpgrade: undefined, backup: { storage: gcs } })).toBe('in-place');
    expect(mode({ majorUpgrade: undefined, backup: undefined })).toBe('refuse');
    expect(mode({ majorUpgrade: undefined, backup: { storage: azure } })).toBe('refuse');
    expect(mode({ majorUpgrade: undefined, source: ClusterBootstrap.standbyOf({ host: 'primary.shop.svc' }) })).toBe('refuse');
    // Declared options ask for an upgrade in place; the explicit opt-out refuses, with or without backup.
    expect(mode({})).toBe('in-place');
    expect(mode({ majorUpgrade: { mode: MajorUpgradeMode.REFUSE } })).toBe('refuse');
    expect(mode({ majorUpgrade: { mode: MajorUpgradeMode.REFUSE }, backup: undefined })).toBe('refuse');
  });

  test('in mode refuse the script fails for good (exit 3) on another major and passes on the declared one', () => {
    const [job] = upgradeJobs(objectsOf({ majorUpgrade: { mode: MajorUpgradeMode.REFUSE }, backup: undefined }));
    const [, , script] = job.spec.template.spec.containers[0].command;
    const env = envOf(job.spec.template.spec.containers[0]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upgrade-'));
    try {
      // A psql stand-in answering like a primary of PostgreSQL 16 (server_version_num 160004).
      fs.writeFileSync(path.join(dir, 'psql'), '#!/bin/sh\ncase "$*" in *server_version_num*) echo 16 ;; *) echo 1 ;; esac\n', { mode: 0o755 });
      const run = (target: string) => spawnSync('bash', ['-c', script, 'major-upgrade'], {
        env: { PATH: `${dir}:${process.env.PATH}`, PGAAS_UPGRADE_MODE: env.PGAAS_UPGRADE_MODE, PGAAS_TARGET_MAJOR: target, PGAAS_INSTANCES: '3', PGHOST: 'h', PGPORT: '5432' },
        encoding: 'utf8',
        timeout: 20_000,
      });
      const same = run('16');
      expect([same.status, same.stdout]).toEqual([0, expect.stringContaining('runs PostgreSQL 16: nothing to do')]);
      const raised = run('17');
      expect(raised.status).toBe(3);
      expect(raised.stdout).toContain('REFUSED: the cluster runs PostgreSQL 16 and postgresVersion is 17, but majorUpgrade does not upgrade in place');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('is keyed on the target major: the same declaration keeps its name, a raised postgresVersion gets a new one, other changes do not', () => {
    const name = (props: Partial<PostgresClusterProps>) => upgradeJobs(objectsOf(props))[0].metadata.name;
    const at16 = name({ postgresVersion: 16 });
    expect(at16).toMatch(/^orders-db-upgrade-[0-9a-f]{10}$/);
    expect(name({ postgresVersion: 16 })).toBe(at16);
    expect(name({ postgresVersion: 17 })).not.toBe(at16);
    expect(name({ postgresVersion: 16, parameters: { work_mem: '8MB' }, storage: undefined })).toBe(at16);
  });

  test('targets the declared major and members, reaches only the primary as the superuser, holds no secret value', () => {
    const env = upgradeEnv(objectsOf({ postgresVersion: 16 }));
    expect(env).toMatchObject({
      PGHOST: 'orders-db.shop.svc',
      PGPORT: '5432',
      PGSSLMODE: 'require',
      PGAAS_TARGET_MAJOR: '16',
      PGAAS_INSTANCES: '3',
      PGAAS_MAX_LAG_BYTES: String(16 * 1024 * 1024),
      PGAAS_ARCHIVE_PREFIX_VAR: 'WALG_S3_PREFIX',
      PGAAS_UPGRADE_COMMAND: 'python3 /scripts/inplace_upgrade.py',
      PGAAS_MEMBER_HOSTS: 'orders-db-0.orders-db-headless.shop.svc:5432 orders-db-1.orders-db-headless.shop.svc:5432 orders-db-2.orders-db-headless.shop.svc:5432',
      PGPASSWORD: { secretKeyRef: { name: 'postgres.orders-db.credentials.postgresql.acid.zalan.do', key: 'password' } },
    });
    expect(upgradeEnv(objectsOf({ backup: { storage: gcs } })).PGAAS_ARCHIVE_PREFIX_VAR).toBe('WALG_GS_PREFIX');
    expect(upgradeEnv(objectsOf({ majorUpgrade: { maximumLagBytes: 0 } })).PGAAS_MAX_LAG_BYTES).toBe('0');
  });

  test('runs without a ServiceAccount token, passes Pod Security "restricted", and fails at once on a refusal (exit 3)', () => {
    const objects = objectsOf({});
    const [job] = upgradeJobs(objects);
    expect(job.spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(job.spec.podFailurePolicy.rules).toEqual([{ action: 'FailJob', onPodConditions: [], onExitCodes: { containerName: 'upgrade', operator: 'In', values: [3] } }]);
    expect(PodSecurity.checkManifests([job], { level: PodSecurityLevel.RESTRICTED })).toEqual([]);
    expect(PolicyRules.check(objects).filter((v) => v.object === `Job/${job.metadata.name}`)).toEqual([]);
    // A network group of its own (test/unit/network/job-isolation.test.ts): egress to the members' 5432 and DNS only, no ingress.
    const policy = findObject(objects, 'NetworkPolicy', 'orders-db-upgrade');
    expect(job.metadata.labels['cdk8s-pgaas.io/network-group']).toBe(policy.spec.podSelector.matchLabels['cdk8s-pgaas.io/network-group']);
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
  });

  test('its script is valid bash', () => {
    const [job] = upgradeJobs(objectsOf({}));
    const [, flag, script] = job.spec.template.spec.containers[0].command;
    expect(flag).toBe('-c');
    expect(() => execFileSync('bash', ['-n', '-c', script])).not.toThrow();
  });
});

describe('the archive path follows the running data directory, not postgresVersion', () => {
  test.each([['S3', s3, 's3://acme-pg/prod'], ['GCS', gcs, 'gs://acme-pg']])('%s: after raising 16 to 17, a member still on 16 archives to .../wal/16; on 17, to .../wal/17', (_, storage, root) => {
    const env = envOf(findObject(objectsOf({ postgresVersion: 17, backup: { storage } }), 'StatefulSet').spec.template.spec.containers[0]);
    expect(spiloWalPrefix(env, 16)).toBe(`${root}/spilo/shop/orders-db/wal/16`);
    expect(spiloWalPrefix(env, 17)).toBe(SpiloBackup.archivePrefix(storage, 'shop', 'orders-db', 17));
    expect(spiloWalPrefix(env, undefined)).toBe(SpiloBackup.archivePrefix(storage, 'shop', 'orders-db', 17));
    expect(Object.keys(env).filter((k) => /^WAL[EG]_(S3|GS)_PREFIX$/.test(k))).toEqual([]);
  });
});

describe('synth-time rules', () => {
  test('needs backup, and backup storage where Spilo derives the path from the running major', () => {
    expect(clusterProblems({ majorUpgrade: {} })).toEqual([expect.stringContaining('majorUpgrade: {} is invalid: needs `backup`')]);
    expect(clusterProblems({ majorUpgrade: {}, backup: { storage: azure } })).toEqual([expect.stringContaining('is not possible with Azure backup storage')]);
    expect(clusterProblems({ majorUpgrade: {}, backup: { storage: s3 } })).toEqual([]);
  });

  test('a downgrade, a source major the image does not ship, a bad lag limit fail; an upgrade or no change passes', () => {
    const problems = (fromVersion: number, postgresVersion = 16, maximumLagBytes?: number) =>
      clusterProblems({ postgresVersion, backup: { storage: s3 }, majorUpgrade: { fromVersion, maximumLagBytes } });
    expect(problems(17)).toEqual([expect.stringContaining('majorUpgrade.fromVersion: 17 is invalid: is above postgresVersion 16: a downgrade is impossible')]);
    expect(problems(12)).toEqual([expect.stringContaining('majorUpgrade.fromVersion: 12 is invalid: must be shipped by the image for pg_upgrade to read the old data directory (it ships 13, 14, 15, 16, 17)')]);
    expect(problems(13)).toEqual([]);
    expect(problems(16)).toEqual([]);
    expect(problems(15, 16, 32 * 1024 * 1024)).toEqual([expect.stringContaining('majorUpgrade.maximumLagBytes: 33554432 is invalid')]);
  });

  test('an upgrade in place asked for where it cannot run fails; the default and the opt-out never do', () => {
    expect(clusterProblems({ majorUpgrade: { mode: MajorUpgradeMode.IN_PLACE } })).toEqual([expect.stringContaining('needs `backup`')]);
    expect(clusterProblems({ source: ClusterBootstrap.standbyOf({ host: 'primary.shop.svc' }), backup: { storage: s3 }, majorUpgrade: {} }))
      .toEqual([expect.stringContaining('is not possible on a standby cluster')]);
    expect(clusterProblems({})).toEqual([]);
    expect(clusterProblems({ backup: { storage: azure } })).toEqual([]);
    expect(clusterProblems({ majorUpgrade: { mode: MajorUpgradeMode.REFUSE } })).toEqual([]);
    expect(clusterProblems({ majorUpgrade: { mode: MajorUpgradeMode.REFUSE }, backup: { storage: azure } })).toEqual([]);
  });

  test('untyped callers get the same report', () => {
    expect(clusterProblems({ majorUpgrade: { mode: 'skip' } as any })).toEqual([expect.stringContaining('majorUpgrade.mode')]);
    expect(clusterProblems({ backup: { storage: s3 }, majorUpgrade: { fromVersion: '16' } as any })).toEqual([expect.stringContaining('majorUpgrade.fromVersion')]);
  });
});
