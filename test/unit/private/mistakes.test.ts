import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import {
  BackupSchedule, BackupStorage, BackupTarget, Certificate, ClusterBootstrap, Credentials, DatabaseBootstrap, DatabaseNamespace,
  DatabaseNetworkPolicy, ExternalSecret, NetworkPeer, PatroniRbac, PostgresCluster, PostgresClusterProps, RotationStrategy, SecretGenerator,
  ServerTls, StorageCredentials,
} from '../../../src';
import { postgresSettings } from '../../../src/postgres/catalog';
import { validateTree } from '../../../src/private/tree-report';
import { ValidationError } from '../../../src/private/validation';

/**
 * Plausible mistakes across every construct, by the classes of issue 15. Each must fail with the one ValidationError
 * (at construction for props of the wrong shape, at synth for everything else), never synthesize, never a TypeError.
 */
type Build = (chart: Chart) => unknown;
type Case = [string, string, Build];

const s3 = (props: Record<string, unknown> = {}) => BackupStorage.s3({ bucket: 'pg-backups', region: 'eu-central-1', credentials: StorageCredentials.awsAccessKey('s3-keys'), ...props } as any);
// Props can be a function: factories (BackupStorage.s3, ServerTls, Credentials) check their own props when called.
type Props = Partial<PostgresClusterProps> | Record<string, unknown>;
const cluster = (props: Props | (() => Props)): Build => (chart) => new PostgresCluster(chart, 'db', { name: 'orders-db', ...typeof props === 'function' ? props() : props } as any);
const withBackupRole = (chart: Chart) => new PostgresCluster(chart, 'db', { name: 'orders-db', roles: [BackupSchedule.backupRole()] });
const schedule = (props: Record<string, unknown>): Build => (chart) => new BackupSchedule(chart, 'nightly', {
  cluster: withBackupRole(chart), schedule: '@daily', retention: 7, storage: BackupTarget.newPersistentVolumeClaim({ size: Size.gibibytes(10) }), ...props,
} as any);
const policy = (props: Record<string, unknown>): Build => (chart) => new DatabaseNetworkPolicy(chart, 'np', {
  name: 'orders-db', databasePodLabels: { app: 'db' }, apiServer: { cidrs: ['10.0.0.1/32'] }, ...props,
} as any);
const certificate = (props: Record<string, unknown>): Build => (chart) => new Certificate(chart, 'cert', { secretName: 'tls', issuerRef: { name: 'ca' }, dnsNames: ['db.example.com'], ...props } as any);
const certManager = (options: Record<string, unknown>) => cluster(() => ({ tls: ServerTls.certManager({ issuerName: 'ca-issuer', ...options } as any) }));
const database = (props: Record<string, unknown>) => cluster({ roles: [{ name: 'app' }], databases: [{ name: 'app', owner: 'app', ...props }] });

/** PostgreSQL parameter mistakes, generated from the catalog of PostgreSQL 17 (names sorted: stable). */
function parameterMistakes(): Case[] {
  const settings = [...postgresSettings(17).values()].filter((s) => s.context !== 'internal' && !s.name.includes('.')).sort((a, b) => a.name.localeCompare(b.name));
  const pick = <T>(list: T[], n: number) => list.filter((_, i) => i % Math.max(1, Math.floor(list.length / n)) === 0).slice(0, n);
  const cases: Case[] = [];
  const param = (what: string, name: string, value: string) => cases.push(['parameters', `${what}: ${name} = ${JSON.stringify(value)}`, cluster({ parameters: { [name]: value } })]);
  for (const s of pick(settings.filter((x) => x.unit && /B$/.test(x.unit)), 12)) param('a Kubernetes unit', s.name, '4Gi');
  for (const s of pick(settings.filter((x) => x.unit && /^(ms|s|min)$/.test(x.unit)), 12)) param('an unknown time unit', s.name, '10 minutes');
  for (const s of pick(settings.filter((x) => x.type === 'integer' && x.max !== undefined && x.max < 2147483647), 15)) param('above the maximum', s.name, String(x1(s.max!)));
  for (const s of pick(settings.filter((x) => x.type === 'integer' && x.min !== undefined && x.min > -2147483648), 15)) param('below the minimum', s.name, String(s.min! - 1));
  for (const s of pick(settings.filter((x) => x.type === 'enum'), 15)) param('not one of its values', s.name, 'sometimes');
  for (const s of pick(settings.filter((x) => x.type === 'bool'), 10)) param('not a boolean', s.name, 'maybe');
  for (const s of pick(settings.filter((x) => x.type === 'real'), 5)) param('not a number', s.name, 'a lot');
  for (const s of pick(settings.filter((x) => x.name.length > 8), 15)) param('a misspelt name', s.name.slice(0, 3) + s.name.slice(4), '1');
  return cases;
}
function x1(max: number): number {
  return max + 1;
}

const CASES: Case[] = [
  ...parameterMistakes(),
  // Settings that contradict the bundle's guarantees.
  ['guarantees', 'TLS off with hostssl-only pg_hba', cluster({ parameters: { ssl: 'off' } })],
  ['guarantees', 'md5 with scram-only pg_hba', cluster({ parameters: { password_encryption: 'md5' } })],
  ['guarantees', 'archiving off with backups', cluster(() => ({ backup: { storage: s3() }, parameters: { archive_mode: 'off' } }))],
  ['guarantees', 'wal_level minimal', cluster({ parameters: { wal_level: 'minimal' } })],
  ['guarantees', 'too few WAL senders for the members and backups', cluster(() => ({ instances: 3, backup: { storage: s3() }, resources: { memory: { limit: Size.gibibytes(2) } }, parameters: { max_wal_senders: '2' } }))],
  ['guarantees', 'hot_standby off', cluster({ instances: 2, parameters: { hot_standby: 'off' } })],
  ['guarantees', 'a Patroni-controlled port', cluster({ parameters: { port: '5433' } })],
  ['guarantees', 'archive_command', cluster({ parameters: { archive_command: '/bin/true' } })],
  ['guarantees', 'data_directory', cluster({ parameters: { data_directory: '/tmp' } })],
  ['guarantees', 'hba_file', cluster({ parameters: { hba_file: '/tmp/hba' } })],
  // Escape hatches shadowing what the library owns.
  ...['PGDATA', 'SCOPE', 'PGPORT', 'POD_NAMESPACE', 'KUBERNETES_SCOPE_LABEL', 'SPILO_CONFIGURATION', 'PGROOT', 'PGUSER_SUPERUSER', 'PATRONI_LOG_LEVEL', 'WALG_S3_PREFIX']
    .map((name): Case => ['library-owned', `env ${name}`, cluster({ extraEnv: [{ name, value: 'x' }] })]),
  ...['/home/postgres/pgdata', '/home/postgres/pgdata/pgroot', '/dev/shm', '/home/postgres/pgdata/pgroot/data']
    .map((mountPath): Case => ['library-owned', `a mount at ${mountPath}`, cluster({ extraVolumes: [{ name: 'v', emptyDir: {} }], extraVolumeMounts: [{ name: 'v', mountPath }] })]),
  ['library-owned', 'a mount at /tls with TLS', cluster(() => ({ tls: ServerTls.fromSecret('db-tls'), extraVolumes: [{ name: 'v', emptyDir: {} }], extraVolumeMounts: [{ name: 'v', mountPath: '/tls' }] }))],
  ...[5432, 8008].map((containerPort): Case => ['library-owned', `a sidecar port ${containerPort}`, cluster({ extraContainers: [{ name: 'side', image: 'x/y:1', ports: [{ containerPort }] }] })]),
  ['library-owned', 'a sidecar named postgres', cluster({ extraContainers: [{ name: 'postgres', image: 'x/y:1' }] })],
  ['library-owned', 'two mounts at one path', cluster({ extraVolumes: [{ name: 'v', emptyDir: {} }, { name: 'w', emptyDir: {} }], extraVolumeMounts: [{ name: 'v', mountPath: '/x' }, { name: 'w', mountPath: '/x' }] })],
  ['library-owned', 'a volume named like the library\'s', cluster({ extraVolumes: [{ name: 'pgdata', emptyDir: {} }] })],
  // Whole-app collisions.
  ['collisions', 'two clusters of one name', (chart) => [new PostgresCluster(chart, 'a', { name: 'orders-db' }), new PostgresCluster(chart, 'b', { name: 'orders-db' })]],
  ['collisions', 'a cluster named like another cluster\'s replica Service', (chart) => [new PostgresCluster(chart, 'a', { name: 'orders' }), new PostgresCluster(chart, 'b', { name: 'orders-repl' })]],
  ['collisions', 'a cluster named like another cluster\'s pooler', (chart) => [new PostgresCluster(chart, 'a', { name: 'orders', instances: 2, connectionPooler: {} }), new PostgresCluster(chart, 'b', { name: 'orders-pooler' })]],
  ['collisions', 'the same BackupSchedule twice', (chart) => {
    const c = withBackupRole(chart);
    const props = { cluster: c, name: 'orders-db-nightly', schedule: '@daily', retention: 7, storage: BackupTarget.persistentVolumeClaim('backups') };
    return [new BackupSchedule(chart, 'a', props), new BackupSchedule(chart, 'b', props)];
  }],
  ['collisions', 'a PatroniRbac from another namespace', (chart) => new PostgresCluster(chart, 'db', { name: 'orders-db', rbac: new PatroniRbac(new Chart(chart.node.root as any, 'other', { namespace: 'other' }), 'r', { name: 'shared' }) })],
  ['collisions', 'a SecretGenerator from another namespace', (chart) => new PostgresCluster(chart, 'db', {
    name: 'orders-db', secretGenerator: new SecretGenerator(new Chart(chart.node.root as any, 'other', { namespace: 'other' }), 'g', { name: 'gen', image: 'x/spilo-17:4.0-p3' }),
  })],
  // Props without validation before.
  ...['spilo:latest', 'ghcr.io/zalando/spilo-17', 'ghcr.io/zalando/spilo-17@sha256:abc', 'ghcr.io//spilo:1', 'ghcr.io/zalando/spilo-17:4.0 p3', 'ghcr.io/zalando/Spilo-17:4.0-p3']
    .map((image): Case => ['props', `image ${image}`, cluster({ image })]),
  ...[{ key: 'a', operator: 'Exists', value: 'x' }, { key: 'a', operator: 'Sometimes' }, { key: 'a', effect: 'NoRun' }, { operator: 'Equal', value: 'x' }, { key: 'bad key!', operator: 'Exists' }, { key: 'a', effect: 'NoSchedule', tolerationSeconds: 30 }]
    .map((toleration): Case => ['props', `toleration ${JSON.stringify(toleration)}`, cluster({ tolerations: [toleration] })]),
  ...['0 25 * * *', '61 * * * *', '* * 31 2 *', '* * 30 2 *', '@yearlyish', '* * * *', '0 0 0 * *', '*/0 * * * *', '0 0 * 13 *', '0 0 * * 8', 'daily']
    .map((cron): Case => ['props', `a BackupSchedule cron ${JSON.stringify(cron)}`, schedule({ schedule: cron })]),
  ...['0 25 * * *', '* * 31 2 *'].map((cron): Case => ['props', `a base-backup cron ${JSON.stringify(cron)}`, cluster(() => ({ backup: { storage: s3(), schedule: cron } }))]),
  ...['Europe/Berlinn', 'CEST', 'UTC+2', 'europe/berlin', 'EUROPE/BERLIN'].map((timeZone): Case => ['props', `time zone ${timeZone}`, schedule({ timeZone })]),
  ...['PG_Backups', 'pg', 'pg..backups', '-pg-backups', '192.168.1.1', 'xn--pg-backups', 'pg-backups-s3alias'].map((bucket): Case => ['props', `S3 bucket ${bucket}`, cluster(() => ({ backup: { storage: s3({ bucket }) } }))]),
  ...['minio:9000', 'ftp://minio:9000', 'https://', 'https://minio:99999'].map((endpoint): Case => ['props', `S3 endpoint ${endpoint}`, cluster(() => ({ backup: { storage: s3({ endpoint }) } }))]),
  ['props', 'an issuer kind that does not exist', certManager({ issuerKind: 'GlobalIssuer' })],
  ['props', 'a certificate duration under 1h', certManager({ duration: Duration.minutes(30), renewBefore: Duration.minutes(10) })],
  ['props', 'renewBefore under 5m', certManager({ renewBefore: Duration.minutes(1) })],
  ['props', 'renewBefore not shorter than duration', certManager({ duration: Duration.days(30), renewBefore: Duration.days(30) })],
  ['props', 'an unknown key algorithm', certManager({ privateKeyAlgorithm: 'DSA' })],
  ['props', 'an extra DNS name with "_"', certManager({ extraDnsNames: ['db_example.com'] })],
  ['props', 'an RSA key of 1024 bits', certificate({ privateKey: { algorithm: 'RSA', size: 1024 } })],
  ['props', 'an ECDSA key of 2048 bits', certificate({ privateKey: { size: 2048 } })],
  ['props', 'a Certificate duration "90 days"', certificate({ duration: '90 days' })],
  ['props', 'a Certificate without DNS names', certificate({ dnsNames: [] })],
  ['props', 'a Secret key with a slash', cluster(() => ({ tls: ServerTls.fromSecret('db-tls', { certificateKey: 'certs/tls.crt' }) }))],
  ['props', 'a Secret key ".."', cluster(() => ({ superuserCredentials: Credentials.fromSecret('pg', { passwordKey: '..' }) }))],
  ['props', 'a Secret name with capitals', cluster(() => ({ superuserCredentials: Credentials.fromSecret('PG-Secret') }))],
  ['props', 'an unknown ExternalSecret store kind', cluster(() => ({ superuserCredentials: Credentials.fromExternalSecret({ secretStoreName: 'vault', secretStoreKind: 'VaultStore', remoteKey: 'pg' } as any) }))],
  ['props', 'an unknown rotation strategy', cluster(() => ({ roles: [{ name: 'app' }], roleCredentials: { app: Credentials.generated({ rotationStrategy: 'alternating' } as any) } }))],
  ['props', 'alternating users for the superuser', cluster(() => ({ superuserCredentials: Credentials.generated({ rotationStrategy: RotationStrategy.ALTERNATING_USERS }) }))],
  ['props', 'alternating users for a role of 62 bytes', cluster(() => ({ roles: [{ name: 'r'.repeat(62) }], roleCredentials: { ['r'.repeat(62)]: Credentials.generated({ rotationStrategy: RotationStrategy.ALTERNATING_USERS }) } }))],
  ['props', 'alternating users whose login collides with a declared role', cluster(() => ({ roles: [{ name: 'app' }, { name: 'app_a' }], roleCredentials: { app: Credentials.generated({ rotationStrategy: RotationStrategy.ALTERNATING_USERS }) } }))],
  ['props', 'passwordSync with a 50-character cluster name (its label would have 64)', cluster({ name: `o${'r'.repeat(49)}`, passwordSync: true })],
  ['props', 'alternating users for a NOLOGIN role', cluster(() => ({ roles: [{ name: 'app', login: false }], roleCredentials: { app: Credentials.generated({ rotationStrategy: RotationStrategy.ALTERNATING_USERS }) } }))],
  ['props', 'an ExternalSecret store name with a space', cluster(() => ({ superuserCredentials: Credentials.fromExternalSecret({ secretStoreName: 'Vault Store', remoteKey: 'pg' }) }))],
  ['props', 'an ipBlock except outside its CIDR', policy({ allowFrom: [NetworkPeer.ipBlock('10.0.0.0/16', ['10.1.0.0/24'])] })],
  ['props', 'an ipBlock except wider than its CIDR', policy({ allowFrom: [NetworkPeer.ipBlock('10.0.0.0/16', ['10.0.0.0/8'])] })],
  ['props', 'an invalid CIDR', policy({ allowFrom: [NetworkPeer.ipBlock('10.0.0.300/32')] })],
  ['props', 'a peer namespace with capitals', policy({ allowFrom: [NetworkPeer.pods({ app: 'web' }, 'Web_Apps')] })],
  ['props', 'a peer label value with a space', policy({ allowFrom: [NetworkPeer.pods({ app: 'web app' })] })],
  ['props', 'an empty database pod selector', policy({ databasePodLabels: {} })],
  ['props', 'a NetworkPolicy port of 70000', policy({ postgresPort: 70000 })],
  ['props', 'an API server without CIDRs', policy({ apiServer: { cidrs: [] } })],
  ['props', 'a predefined role the major lacks (pg_read_all_data on 13)', cluster({ postgresVersion: 13, roles: [{ name: 'app', memberOf: ['pg_read_all_data'] }] })],
  ['props', 'a predefined role the major lacks (pg_checkpoint on 14)', cluster({ postgresVersion: 14, roles: [{ name: 'app', memberOf: ['pg_checkpoint'] }] })],
  ['props', 'a predefined role that does not exist', cluster({ roles: [{ name: 'app', memberOf: ['pg_read_everything'] }] })],
  ...['UTF-9', 'LATIN42', 'utf8mb4'].map((encoding): Case => ['props', `encoding ${encoding}`, database({ encoding })]),
  ...['en_US.UTF-9', 'de_DE.utf16', 'C;DROP'].map((locale): Case => ['props', `locale ${locale}`, database({ locale })]),
  ['props', 'a PITR target in the future', (chart) => new PostgresCluster(chart, 'db', {
    name: 'restored', source: ClusterBootstrap.pointInTime({ source: { storage: s3(), clusterName: 'orders-db', namespace: 'db' }, targetTime: new Date(Date.now() + 86_400_000).toISOString() }),
  })],
  ['props', 'a PITR target without a UTC offset', (chart) => new PostgresCluster(chart, 'db', {
    name: 'restored', source: ClusterBootstrap.pointInTime({ source: { storage: s3(), clusterName: 'orders-db', namespace: 'db' }, targetTime: '2026-01-01 00:00:00' }),
  })],
  ['props', 'a 1 MiB volume', cluster({ storage: Size.mebibytes(1) })],
  ['props', '1e9 instances', cluster({ instances: 1e9 })],
  ['props', '1 MiB of memory', cluster({ resources: { memory: { limit: Size.mebibytes(1) } } })],
  ['props', 'a memory limit below the request', cluster({ resources: { memory: { request: Size.gibibytes(2), limit: Size.gibibytes(1) } } })],
  ['props', 'a CPU limit below the request', cluster({ resources: { cpu: { request: kplus.Cpu.units(2), limit: kplus.Cpu.units(1) } } })],
  ['props', 'zero instances', cluster({ instances: 0 })],
  ['props', '2.5 instances', cluster({ instances: 2.5 })],
  ['props', 'PostgreSQL 12', cluster({ postgresVersion: 12 })],
  ['props', 'a name with capitals', cluster({ name: 'Orders' })],
  ['props', 'a name of 52 characters', cluster({ name: 'a'.repeat(52) })],
  ['props', 'a name with a dot', cluster({ name: 'orders.db' })],
  ['props', 'a label value with a space', cluster({ labels: { team: 'a b' } })],
  ['props', 'a reserved label', cluster({ podLabels: { 'spilo-role': 'master' } })],
  ['props', 'an annotation key with two slashes', cluster({ annotations: { 'a/b/c': 'x' } })],
  ['props', 'a priority class with capitals', cluster({ priorityClassName: 'High' })],
  ['props', 'a grace period of 1 second', cluster({ terminationGracePeriod: Duration.seconds(1) })],
  ['props', 'synchronous mode with one instance', cluster({ patroni: { synchronousMode: 'on' } })],
  ['props', 'a sync node count above the replicas', cluster({ instances: 2, patroni: { synchronousMode: 'on', synchronousNodeCount: 2 } })],
  ['props', 'ttl below loop_wait + 2 * retry_timeout', cluster({ patroni: { ttl: Duration.seconds(20), loopWait: Duration.seconds(10), retryTimeout: Duration.seconds(10) } })],
  ['props', 'a pull secret with a space', cluster({ imagePullSecrets: ['Reg Cred'] })],
  ['props', 'a storage class with capitals', cluster({ storageClassName: 'Fast' })],
  ['props', 'a reserved role name', cluster({ roles: [{ name: 'postgres' }] })],
  ['props', 'a role name with capitals', cluster({ roles: [{ name: 'App' }] })],
  ['props', 'a database owned by an undeclared role', cluster({ databases: [{ name: 'app', owner: 'nobody' }] })],
  ['props', 'a reserved database name', cluster({ databases: [{ name: 'template1' }] })],
  ['props', 'a connection limit of -2', cluster({ roles: [{ name: 'app', connectionLimit: -2 }] })],
  ['props', 'clientCertificates without tls', cluster({ clientCertificates: { caSecretName: 'ca' } })],
  ['props', 'backup retention 0', cluster(() => ({ backup: { storage: s3(), retention: 0 } }))],
  ['props', 'a KMS key without an id', cluster(() => ({ backup: { storage: s3({ serverSideEncryption: { kind: 'aws:kms' } }) } }))],
  ['props', 'a monitoring role that is reserved', cluster({ monitoring: { monitoringRole: 'pg_mon' } })],
  ['props', 'a scrape interval "often"', cluster({ monitoring: { scrapeInterval: 'often' } })],
  ['props', 'a saturation alert of 1.5', cluster({ monitoring: { alerts: { connectionSaturation: 1.5 } } })],
  ['props', 'an in-place major upgrade without backup', cluster({ majorUpgrade: { mode: 'in-place' } })],
  ['props', 'an in-place major upgrade of a standby cluster', cluster(() => ({
    source: ClusterBootstrap.standbyOf({ host: 'primary.db.svc' }), backup: { storage: s3() }, majorUpgrade: {},
  }))],
  // The pooler.
  ['pooler', 'zero pooler replicas', cluster({ instances: 2, connectionPooler: { replicas: 0 } })],
  ['pooler', 'a replica pooler on one instance', cluster({ connectionPooler: { replicaPooler: true } })],
  ['pooler', 'a pool size of 0', cluster({ instances: 2, connectionPooler: { defaultPoolSize: 0 } })],
  ['pooler', 'more reserved than the pool', cluster({ instances: 2, connectionPooler: { defaultPoolSize: 5, reservedConnections: 500 } })],
  ['pooler', 'max client connections of -1', cluster({ instances: 2, connectionPooler: { maxClientConnections: -1 } })],
  ['pooler', 'a pooler role with capitals', cluster({ instances: 2, connectionPooler: { poolerRole: 'Pooler' } })],
  ['pooler', 'a pooler role that is the superuser', cluster({ instances: 2, connectionPooler: { poolerRole: 'postgres' } })],
  ['pooler', 'a pooler image "latest"', cluster({ instances: 2, connectionPooler: { image: 'pgbouncer:latest' } })],
  ['pooler', 'a pooler database with a space', cluster({ instances: 2, connectionPooler: { databases: ['my db'] } })],
  // Standalone constructs.
  ['BackupSchedule', 'retention 0', schedule({ retention: 0 })],
  ['BackupSchedule', 'a name with capitals', schedule({ name: 'Nightly' })],
  ['BackupSchedule', 'a name of 60 characters', schedule({ name: 'n'.repeat(60) })],
  ['BackupSchedule', 'a user the cluster lacks', schedule({ user: 'backup_user' })],
  ['BackupSchedule', 'a database with a space', schedule({ databases: ['my db'] })],
  ['BackupSchedule', 'a database listed twice', schedule({ databases: ['app', 'app'] })],
  ['BackupSchedule', 'an active deadline of 10 seconds', schedule({ activeDeadline: Duration.seconds(10) })],
  ['BackupSchedule', 'a negative backoff limit', schedule({ backoffLimit: -1 })],
  ['BackupSchedule', 'a failed-jobs history of 0', schedule({ failedJobsHistoryLimit: 0 })],
  ['BackupSchedule', 'another namespace than the cluster\'s', (chart) => new BackupSchedule(new Chart(chart.node.root as any, 'x', { namespace: 'other' }), 'n', {
    cluster: withBackupRole(chart), schedule: '@daily', retention: 7, storage: BackupTarget.persistentVolumeClaim('backups'),
  })],
  ['BackupSchedule', 'a claim name with capitals', schedule({ storage: BackupTarget.persistentVolumeClaim('Backups') })],
  ['BackupSchedule', 'a verify schedule at minute 60', schedule({ verify: true, verifySchedule: '60 * * * *' })],
  ['DatabaseNetworkPolicy', 'a bootstrap selector that selects the members', policy({ bootstrapJobPodLabels: { app: 'db' } })],
  ['DatabaseNetworkPolicy', 'a name with capitals', policy({ name: 'Orders' })],
  ['DatabaseNetworkPolicy', 'an API server port of 0', policy({ apiServer: { cidrs: ['10.0.0.1/32'], port: 0 } })],
  ['DatabaseNetworkPolicy', 'a backup endpoint without CIDRs', policy({ backupEndpoints: { cidrs: [] } })],
  ['DatabaseNetworkPolicy', 'a late peer with a bad CIDR', (chart) => (policy({})(chart) as DatabaseNetworkPolicy).allowConnectionsFrom(NetworkPeer.ipBlock('nope'))],
  ['DatabaseNetworkPolicy', 'no namespace on the Chart', (chart) => new DatabaseNetworkPolicy(new Chart(chart.node.root as any, `${chart.node.id}-bare`), 'np', { name: 'orders-db', databasePodLabels: { app: 'db' }, apiServer: { cidrs: ['10.0.0.1/32'] } })],
  ['PatroniRbac', 'a name with "_"', (chart) => new PatroniRbac(chart, 'r', { name: 'patroni_sa' })],
  ['PatroniRbac', 'a label value with a space', (chart) => new PatroniRbac(chart, 'r', { name: 'p', labels: { a: 'b c' } })],
  ['PatroniRbac', 'an annotation key "/x"', (chart) => new PatroniRbac(chart, 'r', { name: 'p', serviceAccountAnnotations: { '/x': 'y' } })],
  ['SecretGenerator', 'nothing to generate', (chart) => new SecretGenerator(chart, 'g', { name: 'gen', image: 'x/spilo-17:4.0-p3' })],
  ['SecretGenerator', 'a name of 250 characters', (chart) => new SecretGenerator(chart, 'g', { name: 'g'.repeat(250), image: 'x/y:1' })],
  ['SecretGenerator', 'a Secret with capitals', (chart) => new SecretGenerator(chart, 'g', { name: 'gen', image: 'x/y:1' }).addSecret({ name: 'Upper', username: 'app' } as any)],
  ['DatabaseNamespace', 'a name with capitals', (chart) => new DatabaseNamespace(chart, 'ns', { name: 'Orders' })],
  ['DatabaseNamespace', 'Pod Security version "1.30"', (chart) => new DatabaseNamespace(chart, 'ns', { podSecurityVersion: '1.30' })],
  ['DatabaseNamespace', 'enforce "strict"', (chart) => new DatabaseNamespace(chart, 'ns', { enforce: 'strict' as any })],
  ['DatabaseBootstrap', 'a role with capitals', (chart) => new DatabaseBootstrap(chart, 'b', {
    name: 'b', spec: { roles: [{ name: 'App' }] }, image: 'x/y:1', host: 'h', port: 5432, superuserUsername: { secretName: 's', key: 'u' }, superuserPassword: { secretName: 's', key: 'p' }, passwords: {},
  })],
  ['DatabaseBootstrap', 'a login role without its Secret', (chart) => new DatabaseBootstrap(chart, 'b', {
    name: 'b', spec: { roles: [{ name: 'app' }] }, image: 'x/y:1', host: 'h', port: 5432, superuserUsername: { secretName: 's', key: 'u' }, superuserPassword: { secretName: 's', key: 'p' }, passwords: {},
  })],
  ['imported', 'attributes with a bad name and no namespace', (chart) => PostgresCluster.fromClusterAttributes(new Chart(chart.node.root as any, 'apps'), 'x', { name: 'Orders_DB', instances: 0 })],
  ['ExternalSecret', 'no data', (chart) => new ExternalSecret(chart, 'es', { secretStoreRef: { name: 'vault', kind: 'SecretStore' }, target: { name: 'pg' } } as any)],
  // Untyped callers (the plain JavaScript file covers every construct; these are the cluster's nested props).
  ['untyped', 'a string where a Size is expected', cluster({ storage: '10Gi' })],
  ['untyped', 'an unknown synchronous mode', cluster({ instances: 3, patroni: { synchronousMode: 'yes' } })],
  ['untyped', 'no name', (chart) => new PostgresCluster(chart, 'db', {} as any)],
  ['untyped', 'a number as a parameter value', cluster({ parameters: { max_connections: 200 } })],
  ['untyped', 'a misspelt prop', cluster({ instance: 3 })],
  ['untyped', 'an unknown major upgrade mode', cluster({ majorUpgrade: { mode: 'skip' } })],
  ['untyped', 'a string where a pooler Duration is expected', cluster({ connectionPooler: { queryWaitTimeout: '2m' } })],
];

// Valid edge inputs that must keep synthesizing.
const VALID: Array<[string, Build]> = [
  ['an image by digest', cluster({ image: `ghcr.io/zalando/spilo-17@sha256:${'a'.repeat(64)}`, imagePostgresVersions: [17] })],
  ['@daily', schedule({ schedule: '@daily' })],
  ['@hourly', schedule({ schedule: '@hourly' })],
  ['a name of exactly the maximum length', cluster({ name: 'a'.repeat(51) })],
  ['passwordSync with a 49-character cluster name', cluster({ name: `o${'r'.repeat(48)}`, passwordSync: true })],
  ['a single instance with a pooler', cluster({ connectionPooler: {} })],
  ['a space before a unit', cluster({ parameters: { work_mem: '64 MB', statement_timeout: '30 s' } })],
  ['the 29th of February', schedule({ schedule: '0 3 29 2 *' })],
  ['a time zone', schedule({ timeZone: 'Europe/Berlin' })],
  ['a PITR target in the past', (chart) => new PostgresCluster(chart, 'db', {
    name: 'restored', source: ClusterBootstrap.pointInTime({ source: { storage: s3(), clusterName: 'orders-db', namespace: 'db' }, targetTime: '2026-01-01T00:00:00Z' }),
  })],
  ['an external issuer', certManager({ issuerGroup: 'awspca.cert-manager.io', issuerKind: 'AWSPCAClusterIssuer' })],
  ['an ipBlock with an except inside it', policy({ allowFrom: [NetworkPeer.ipBlock('10.0.0.0/16', ['10.0.1.0/24'])] })],
  // Registry host names are case-insensitive: the reference grammar allows capitals there (not in the path).
  ['an upper-case registry host', cluster({ image: 'GHCR.io/zalando/spilo-17:4.0-p3' })],
  // PostgreSQL database names may hold quotes (quoted identifiers); the backup scripts quote them.
  ['a database name with a quote', schedule({ databases: ['app\'s'] })],
  // Without the image's locale list, a locale name without territory cannot be refused (Debian images may have it).
  ['a locale without territory', database({ locale: 'english' })],
  // PgBouncer's server_idle_timeout = 0 turns the idle timeout off: a valid choice.
  ['a pooler idle timeout of 0', cluster({ instances: 2, connectionPooler: { serverIdleTimeout: Duration.seconds(0) } })],
  // The pooler may serve databases the applications create themselves.
  ['a pooler database the cluster does not declare', cluster({ instances: 2, connectionPooler: { databases: ['created_by_app'] } })],
  ['an explicit opt-out of the in-place major upgrade without backup', cluster({ majorUpgrade: { mode: 'refuse' } })],
  ['pg_stat_statements settings', cluster({ parameters: { 'pg_stat_statements.max': '10000', 'auto_explain.log_min_duration': '5s' } })],
];

/** The error of building the tree and validating it, or undefined when it synthesizes. */
function errorOf(build: Build): unknown {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'db' });
  try {
    build(chart);
    validateTree(chart);
    Testing.synth(chart);
    return undefined;
  } catch (e) {
    return e;
  }
}

describe('plausible mistakes across every construct fail with the one report', () => {
  test(`the table covers the classes (${CASES.length} cases)`, () => {
    const perClass = new Map<string, number>();
    for (const [c] of CASES) perClass.set(c, (perClass.get(c) ?? 0) + 1);
    expect(CASES.length).toBeGreaterThanOrEqual(250);
    expect([...perClass.keys()].sort()).toEqual(expect.arrayContaining(['collisions', 'guarantees', 'library-owned', 'parameters', 'pooler', 'props', 'untyped']));
  });

  test('none synthesizes without complaint, none fails with another error', () => {
    const silent: string[] = [];
    const otherErrors: string[] = [];
    for (const [kind, what, build] of CASES) {
      const error = errorOf(build);
      if (error === undefined) silent.push(`${kind}: ${what}`);
      else if (!(error instanceof ValidationError)) otherErrors.push(`${kind}: ${what}: ${String(error)}`);
    }
    expect({ silent, otherErrors }).toEqual({ silent: [], otherErrors: [] });
  });

  test.each(VALID)('valid: %s', (_what, build) => {
    expect(errorOf(build)).toBeUndefined();
  });
});

describe('mistakes together', () => {
  test('property: any handful of the mistakes in one app (a chart each) gives ONE ValidationError naming every one of their places', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 0, max: CASES.length - 1 }), { minLength: 2, maxLength: 6 }), (picked) => {
      const app = Testing.app();
      let error: unknown;
      try {
        picked.forEach((i, n) => CASES[i][2](new Chart(app, `m${n}`, { namespace: 'db' })));
        app.synthYaml();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValidationError);
      // Each mistake's chart is named in the report, unless a wrong-shape prop stopped construction at once.
      const message = (error as Error).message;
      // A case that makes its own chart names it after the mistake's chart (`m<n>-bare`).
      const named = picked.filter((_, n) => message.includes(`m${n}/`) || message.includes(`m${n}-bare/`));
      // Static factories (BackupStorage.s3, ClusterBootstrap.pointInTime) have no construct tree: they throw their own report when called.
      const factory = /^(BackupStorage|ClusterBootstrap)\.\w+ has /.test(message);
      const stoppedAtOnce = factory || /is invalid: (is required|is not a property|must be (an?|created with|one of|an object|an array|a map)[ ,])/.test(message);
      if (named.length !== picked.length && !stoppedAtOnce) throw new Error(`${picked.map((i) => CASES[i][1]).join(' + ')} gave:\n${message}`);
    }), { numRuns: 40, ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}) }); // FC_SEED=<seed> replays a failure
  });
});
