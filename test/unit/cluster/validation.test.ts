import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Credentials, PostgresCluster, PostgresClusterProps, SynchronousMode } from '../../../src';
import { BackupStorage } from '../../../src/backup/backup-storage';
import { StorageCredentials } from '../../../src/backup/storage-credentials';
import { ValidationError } from '../../../src/private/validation';
import { built as validatedTree, testChart } from '../../harness/synth';

function attempt(props: Partial<PostgresClusterProps>, chart: Chart = testChart()): () => PostgresCluster {
  return () => validatedTree(new PostgresCluster(chart, 'orders', { name: 'orders-db', ...props }));
}

/** Each case: props, then the property and rule the message must name. */
const cases: Array<[string, Partial<PostgresClusterProps>, RegExp]> = [
  ['uppercase name', { name: 'Orders' }, /name: "Orders" is invalid: must be a DNS-1035 label/],
  ['name starting with a digit', { name: '1orders' }, /name: "1orders" is invalid: must be a DNS-1035 label/],
  ['name too long for derived names', { name: 'a'.repeat(52) }, /name: "a{52}" is invalid: must be at most 51 characters.*-pooler-repl/],
  ['zero instances', { instances: 0 }, /instances: 0 is invalid: must be an integer >= 1/],
  ['fractional instances', { instances: 1.5 }, /instances: 1.5 is invalid: must be an integer >= 1/],
  ['unsupported version for the image', { postgresVersion: 12 }, /postgresVersion: 12 is invalid: must be one of the versions ghcr.io\/zalando\/spilo-17:4.0-p3 ships: 13, 14, 15, 16, 17/],
  ['latest tag', { image: 'ghcr.io/zalando/spilo-17:latest' }, /image: "ghcr.io\/zalando\/spilo-17:latest" is invalid: must not use the "latest" tag/],
  ['untagged image', { image: 'ghcr.io/zalando/spilo-17' }, /image: "ghcr.io\/zalando\/spilo-17" is invalid: must name a tag or a digest/],
  ['unknown image without versions', { image: 'example.com/postgres:16.2' }, /image: "example.com\/postgres:16.2" is invalid: is not a Spilo release the library knows.*imagePostgresVersions/],
  ['zero storage', { storage: Size.gibibytes(0) }, /storage: "0Ki" is invalid: must be greater than zero/],
  ['bad storage class', { storageClassName: 'Fast_SSD' }, /storageClassName: "Fast_SSD" is invalid: must be a DNS-1123 subdomain/],
  ['memory limit below request', { resources: { memory: { request: Size.gibibytes(2), limit: Size.gibibytes(1) } } }, /resources.memory.limit: "1Gi" is invalid: must be at least the request \(2Gi\)/],
  ['cpu limit below request', { resources: { cpu: { request: kplus.Cpu.units(2), limit: kplus.Cpu.millis(500) } } }, /resources.cpu.limit: "500m" is invalid: must be at least the request \(2\)/],
  ['bad cpu quantity', { resources: { cpu: { request: kplus.Cpu.units(-1) } } }, /resources.cpu.request: "-1" is invalid: must be greater than zero/],
  ['Patroni-controlled parameter', { parameters: { listen_addresses: '*' } }, /parameters.listen_addresses: "\*" is invalid: is controlled by Patroni\/Spilo and cannot be set/],
  ['archive_command parameter', { parameters: { archive_command: '/bin/true' } }, /parameters.archive_command: .* is controlled by Patroni\/Spilo/],
  ['invalid parameter name', { parameters: { 'Bad-Name': '1' } }, /parameters key: "Bad-Name" is invalid: must be a PostgreSQL parameter name/],
  ['multi-line parameter value', { parameters: { application_name: 'a\nb' } }, /parameters.application_name: "a\\nb" is invalid: must be a single-line string/],
  ['ttl below minimum', { patroni: { ttl: Duration.seconds(15), loopWait: Duration.seconds(1), retryTimeout: Duration.seconds(3) } }, /patroni.ttl: 15 is invalid: must be at least 20 seconds/],
  ['loop_wait + 2*retry_timeout > ttl', { patroni: { ttl: Duration.seconds(20), loopWait: Duration.seconds(10), retryTimeout: Duration.seconds(10) } }, /must satisfy loopWait \+ 2 \* retryTimeout <= ttl \(10 \+ 2 \* 10 = 30 > 20\)/],
  ['retry_timeout below minimum', { patroni: { retryTimeout: Duration.seconds(2) } }, /patroni.retryTimeout: 2 is invalid: must be at least 3 seconds/],
  ['fractional seconds', { patroni: { loopWait: Duration.millis(1500) } }, /patroni.loopWait: 1.5 is invalid: must be a whole number of seconds/],
  ['sync mode on one instance', { patroni: { synchronousMode: SynchronousMode.ON } }, /patroni.synchronousMode: "on" is invalid: needs at least 2 instances/],
  ['sync node count too high', { instances: 3, patroni: { synchronousMode: SynchronousMode.STRICT, synchronousNodeCount: 3 } }, /patroni.synchronousNodeCount: 3 is invalid: must be at most instances - 1 = 2/],
  ['sync node count without sync mode', { instances: 3, patroni: { synchronousNodeCount: 2 } }, /patroni.synchronousNodeCount: 2 is invalid: has no effect unless synchronousMode is ON or STRICT/],
  ['bad label value', { labels: { team: 'a b' } }, /labels\["team"\]: "a b" is invalid: must be a label value/],
  ['bad label key', { labels: { 'Bad Key': 'x' } }, /labels key: "Bad Key" is invalid: must have a name part/],
  ['label value too long', { podLabels: { team: 'x'.repeat(64) } }, /podLabels\["team"\]: "x{64}" is invalid: must be a label value of at most 63 characters/],
  ['reserved label', { labels: { 'cluster-name': 'other' } }, /labels key: "cluster-name" is invalid: is reserved/],
  ['bad annotation key', { annotations: { 'a/b/c': 'x' } }, /annotations key: "a\/b\/c" is invalid: must be a qualified name/],
  ['bad node selector', { nodeSelector: { zone: 'eu west' } }, /nodeSelector\["zone"\]: "eu west" is invalid/],
  ['bad priority class', { priorityClassName: 'High' }, /priorityClassName: "High" is invalid: must be a DNS-1123 subdomain/],
  ['short grace period', { terminationGracePeriod: Duration.seconds(10) }, /terminationGracePeriod: 10 is invalid: must be a whole number of seconds >= 30/],
  ['same secret for both users', { superuserCredentials: Credentials.fromSecret('pg'), replicationCredentials: Credentials.fromSecret('pg') }, /replicationCredentials.secretName: "pg" is invalid: is already the Secret of user "postgres"/],
  ['bad secret name', { superuserCredentials: Credentials.fromSecret('PG_SECRET') }, /superuserCredentials.secretName: "PG_SECRET" is invalid: must be a DNS-1123 subdomain/],
  ['bad secret key', { superuserCredentials: Credentials.fromSecret('pg', { passwordKey: 'pass word' }) }, /superuserCredentials.passwordKey: "pass word" is invalid: must be a Secret key/],
  ['credentials for an undeclared role', { roleCredentials: { ghost: Credentials.generated() } }, /roleCredentials.ghost: "ghost" is invalid: must name a login role declared in roles/],
  ['credentials for the superuser via roleCredentials', { roleCredentials: { postgres: Credentials.generated() } }, /roleCredentials.postgres: .* use superuserCredentials/],
  ['reserved role name', { roles: [{ name: 'postgres' }] }, /postgres/],
  ['database owned by an undeclared role', { databases: [{ name: 'shop', owner: 'ghost' }] }, /ghost/],
  ['bad external store', { superuserCredentials: Credentials.fromExternalSecret({ secretStoreName: 'Vault Store', remoteKey: 'db/pg' }) }, /superuserCredentials.secretStoreName: "Vault Store" is invalid/],
  ['empty external key', { superuserCredentials: Credentials.fromExternalSecret({ secretStoreName: 'vault', remoteKey: ' ' }) }, /superuserCredentials.remoteKey: " " is invalid: must not be empty/],
  ['bad pull secret', { imagePullSecrets: ['Reg Cred'] }, /imagePullSecrets: "Reg Cred" is invalid/],
  ['managed env var', { extraEnv: [{ name: 'SCOPE', value: 'x' }] }, /extraEnv\[\].name: "SCOPE" is invalid: is set by the library/],
  ['PATRONI_ env var', { extraEnv: [{ name: 'PATRONI_LOG_LEVEL', value: 'DEBUG' }] }, /extraEnv\[\].name: "PATRONI_LOG_LEVEL" is invalid: never reaches Patroni/],
  ['invalid env var name', { extraEnv: [{ name: '1BAD', value: 'x' }] }, /extraEnv\[\].name: "1BAD" is invalid: must be an environment variable name/],
  ['duplicate env var', { extraEnv: [{ name: 'A', value: '1' }, { name: 'A', value: '2' }] }, /extraEnv\[\].name: "A" is invalid: is set twice/],
  ['port name too long', { extraContainers: [{ name: 'exporter', image: 'x/exporter:1', ports: [{ name: 'prometheus-metrics', containerPort: 9187 }] }] }, /ports\[\].name: "prometheus-metrics" is invalid: must be a port name of at most 15 characters/],
  ['sidecar named postgres', { extraContainers: [{ name: 'postgres', image: 'x/y:1' }] }, /extraContainers\[\].name: "postgres" is invalid: must be unique/],
  ['sidecar with latest image', { extraContainers: [{ name: 'side', image: 'busybox:latest' }] }, /extraContainers\[side\].image: "busybox:latest" is invalid/],
  ['mount of an unknown volume', { extraVolumeMounts: [{ name: 'nope', mountPath: '/x' }] }, /extraVolumeMounts\[\].name: "nope" is invalid: must name a volume of extraVolumes/],
  ['mount over the data volume', { extraVolumes: [{ name: 'v', emptyDir: {} }], extraVolumeMounts: [{ name: 'v', mountPath: '/home/postgres/pgdata' }] }, /extraVolumeMounts\[\].mountPath: "\/home\/postgres\/pgdata" is invalid: is used by the library/],
  ['volume named like the library\'s', { extraVolumes: [{ name: 'dshm', emptyDir: {} }] }, /extraVolumes\[\].name: "dshm" is invalid: must be unique/],
];

describe('synth-time validation', () => {
  test.each(cases)('%s', (_title, props, message) => {
    expect(attempt(props)).toThrow(message);
  });

  test('errors name the construct path', () => {
    expect(attempt({ instances: 0 })).toThrow(/^PostgresCluster test\/orders has 1 invalid property:/);
  });

  test('all errors are collected and reported together', () => {
    let message = '';
    try {
      attempt({ name: 'Bad', instances: 0, storage: Size.gibibytes(0), parameters: { port: '5433' } })();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/has 4 invalid properties/);
    for (const property of ['name', 'instances', 'storage', 'parameters.port']) expect(message).toContain(`  - ${property}: `);
  });

  test('a chart without a namespace is rejected', () => {
    expect(attempt({}, new Chart(Testing.app(), 'no-ns'))).toThrow(/namespace \(of the Chart\): undefined is invalid: must be set/);
  });

  test('a chart with an invalid namespace is rejected', () => {
    expect(attempt({}, new Chart(Testing.app(), 'bad-ns', { namespace: 'Prod_DB' }))).toThrow(/namespace \(of the Chart\): "Prod_DB" is invalid: must be a DNS-1123 label/);
  });

  test('valid boundaries are accepted', () => {
    expect(attempt({ name: 'a'.repeat(51) })).not.toThrow();
    expect(attempt({ image: 'mirror.example.com/pg/spilo-16:3.3-p3', postgresVersion: 12 })).not.toThrow();
    expect(attempt({ image: 'example.com/postgres:16.2', imagePostgresVersions: [16], postgresVersion: 16 })).not.toThrow();
    expect(attempt({ patroni: { ttl: Duration.seconds(20), loopWait: Duration.seconds(5), retryTimeout: Duration.seconds(5) } })).not.toThrow();
    expect(attempt({ instances: 2, patroni: { synchronousMode: SynchronousMode.STRICT } })).not.toThrow();
  });
});

describe('one report for the cluster and every part it creates', () => {
  test('problems of the cluster, its pooler, TLS, backups and NetworkPolicy come in one ValidationError', () => {
    const storage = BackupStorage.s3({ bucket: 'pg-backups', region: 'eu-central-1', credentials: StorageCredentials.awsAccessKey('s3-keys') });
    let error: unknown;
    try {
      attempt({
        instances: 2,
        storage: Size.gibibytes(0),
        connectionPooler: { replicas: 0 },
        clientCertificates: {},
        backup: { storage, schedule: '0 25 * * *' },
        networkPolicy: { apiServer: { cidrs: ['10.0.0.300/32'], port: 443 } },
      })();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const properties = (error as ValidationError).problems.map((p) => p.property);
    expect(properties).toEqual(expect.arrayContaining(['storage', 'connectionPooler.replicas', 'tls/clientCertificates', 'networkPolicy.apiServer.cidrs']));
    expect(properties.some((p) => p.startsWith('backup.schedule'))).toBe(true);
    expect((error as Error).message).toMatch(/^PostgresCluster test\/orders has \d+ invalid properties:/);
  });

  test('the pooler\'s problems are named under connectionPooler, in the cluster\'s report', () => {
    expect(attempt({ instances: 2, connectionPooler: { replicas: 0 } }))
      .toThrow(/^PostgresCluster test\/orders has 1 invalid property:\n {2}- connectionPooler\.replicas: 0 is invalid: /);
  });
});
