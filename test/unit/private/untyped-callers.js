// Plain JavaScript, the way a caller without TypeScript writes it (and what a jsii binding in Python, Java or Go
// hands over): no types are checked before the library sees the objects. Loaded by construct-prop-types.test.ts.
'use strict';

module.exports = function untypedCalls(lib, cdk8s) {
  const cluster = (chart) => new lib.PostgresCluster(chart, 'db', { name: 'orders-db', roles: [lib.BackupSchedule.backupRole()] });
  const pvc = () => lib.BackupTarget.newPersistentVolumeClaim({ size: cdk8s.Size.gibibytes(10) });
  const schedule = (chart, extra) => new lib.BackupSchedule(chart, 'nightly', Object.assign({ cluster: cluster(chart), schedule: '@daily', retention: 7, storage: pvc() }, extra));
  const bootstrap = (chart, extra) => new lib.DatabaseBootstrap(chart, 'boot', Object.assign({
    name: 'boot', spec: {}, image: 'ghcr.io/zalando/spilo-17:4.0-p3', host: 'db', port: 5432,
    superuserUsername: { secretName: 's', key: 'username' }, superuserPassword: { secretName: 's', key: 'password' }, passwords: {},
  }, extra));
  const policy = (chart, extra) => new lib.DatabaseNetworkPolicy(chart, 'np', Object.assign({ name: 'orders-db', databasePodLabels: { app: 'db' }, apiServer: { cidrs: ['10.0.0.1/32'] } }, extra));
  const certificate = (chart, extra) => new lib.Certificate(chart, 'cert', Object.assign({ secretName: 'tls', issuerRef: { name: 'ca' }, dnsNames: ['db.example.com'] }, extra));
  const externalSecret = (chart, extra) => new lib.ExternalSecret(chart, 'es', Object.assign({
    secretStoreRef: { name: 'vault', kind: 'SecretStore' }, target: { name: 'pg' }, data: [{ secretKey: 'password', remoteRef: { key: 'pg/password' } }],
  }, extra));

  // [construct, mistake, build(chart), the problem the report must name]
  return [
    ['PostgresCluster', 'a string where a Size is expected', (c) => new lib.PostgresCluster(c, 'db', { name: 'db', storage: '10Gi' }), /storage: "10Gi" is invalid: must be created with Size/],
    ['PostgresCluster', 'an unknown enum string', (c) => new lib.PostgresCluster(c, 'db', { name: 'db', instances: 3, patroni: { synchronousMode: 'yes' } }), /patroni\.synchronousMode: "yes" is invalid: must be one of SynchronousMode/],
    ['PostgresCluster', 'no required name', (c) => new lib.PostgresCluster(c, 'db', { instances: 2 }), /name: undefined is invalid: is required/],
    ['PostgresCluster', 'an unknown pool mode', (c) => new lib.PostgresCluster(c, 'db', { name: 'db', connectionPooler: { poolMode: 'txn' } }), /connectionPooler\.poolMode: "txn" is invalid: must be one of PoolMode/],
    ['PostgresCluster', 'a string where a pooler Duration is expected', (c) => new lib.PostgresCluster(c, 'db', { name: 'db', connectionPooler: { serverIdleTimeout: '10m' } }), /connectionPooler\.serverIdleTimeout: "10m" is invalid: must be created with Duration/],
    ['PostgresCluster', 'attributes without a name', (c) => lib.PostgresCluster.fromClusterAttributes(c, 'imported', { namespace: 'db' }), /fromClusterAttributes c\/imported[^]*name: undefined is invalid: is required/],
    ['PostgresCluster', 'attributes with a string instance count', (c) => lib.PostgresCluster.fromClusterAttributes(c, 'imported', { name: 'orders-db', instances: '3' }), /instances: "3" is invalid: must be an integer/],
    ['PatroniRbac', 'no required name', (c) => new lib.PatroniRbac(c, 'rbac', {}), /name: undefined is invalid: is required/],
    ['PatroniRbac', 'a string where a map is expected', (c) => new lib.PatroniRbac(c, 'rbac', { name: 'p', labels: 'team=a' }), /labels: "team=a" is invalid: must be a map of strings to strings/],
    ['PatroniRbac', 'no props at all', (c) => new lib.PatroniRbac(c, 'rbac'), /props: undefined is invalid: must be an object/],
    ['DatabaseNamespace', 'an unknown Pod Security level', (c) => new lib.DatabaseNamespace(c, 'ns', { enforce: 'strict' }), /enforce: "strict" is invalid: must be one of baseline, restricted/],
    ['DatabaseNamespace', 'a number as the name', (c) => new lib.DatabaseNamespace(c, 'ns', { name: 5 }), /name: 5 is invalid: must be a string, not a number/],
    ['SecretGenerator', 'no required image', (c) => new lib.SecretGenerator(c, 'gen', { name: 'gen' }), /image: undefined is invalid: is required/],
    ['SecretGenerator', 'an unknown GitOps ordering', (c) => new lib.SecretGenerator(c, 'gen', { name: 'gen', image: 'x/y:1', ordering: 'argo' }), /ordering: "argo" is invalid: must be one of GitOpsOrdering/],
    ['SecretGenerator', 'a boolean as a string', (c) => new lib.SecretGenerator(c, 'gen', { name: 'gen', image: 'x/y:1', networkIsolated: 'yes' }), /networkIsolated: "yes" is invalid: must be a boolean/],
    ['BackupSchedule', 'a string where a BackupTarget is expected', (c) => schedule(c, { storage: 'pvc' }), /storage: "pvc" is invalid: must be created with BackupTarget/],
    ['BackupSchedule', 'a string where a Duration is expected', (c) => schedule(c, { activeDeadline: '6h' }), /activeDeadline: "6h" is invalid: must be created with Duration/],
    ['BackupSchedule', 'a string where a Size is expected', (c) => schedule(c, { scratchSize: '1Gi' }), /scratchSize: "1Gi" is invalid: must be created with Size/],
    ['BackupSchedule', 'no required retention', (c) => schedule(c, { retention: undefined }), /retention: undefined is invalid: is required/],
    ['BackupSchedule', 'no cluster', (c) => new lib.BackupSchedule(c, 'b', { schedule: '@daily', retention: 7, storage: pvc() }), /cluster: undefined is invalid: is required/],
    ['DatabaseBootstrap', 'a string as the port', (c) => bootstrap(c, { port: '5432' }), /port: "5432" is invalid: must be an integer, not a string/],
    ['DatabaseBootstrap', 'an unknown GitOps ordering', (c) => bootstrap(c, { ordering: 'flux' }), /ordering: "flux" is invalid: must be one of GitOpsOrdering/],
    ['DatabaseBootstrap', 'no required passwords', (c) => bootstrap(c, { passwords: undefined }), /passwords: undefined is invalid: is required/],
    ['ExternalSecret', 'no required store', (c) => externalSecret(c, { secretStoreRef: undefined }), /secretStoreRef: undefined is invalid: is required/],
    ['ExternalSecret', 'a remote reference without its key', (c) => externalSecret(c, { data: [{ secretKey: 'password', remoteRef: {} }] }), /data\[0\]\.remoteRef\.key: undefined is invalid: is required/],
    ['ExternalSecret', 'an object where an array is expected', (c) => externalSecret(c, { data: { secretKey: 'password' } }), /data: .* is invalid: must be an array/],
    ['DatabaseNetworkPolicy', 'no required API server', (c) => policy(c, { apiServer: undefined }), /apiServer: undefined is invalid: is required/],
    ['DatabaseNetworkPolicy', 'a plain object where a NetworkPeer is expected', (c) => policy(c, { allowFrom: [{ podSelector: {} }] }), /allowFrom\[0\]: .* is invalid: must be created with NetworkPeer/],
    ['DatabaseNetworkPolicy', 'a string as a port', (c) => policy(c, { postgresPort: '5432' }), /postgresPort: "5432" is invalid: must be an integer/],
    ['Certificate', 'a string where a list is expected', (c) => certificate(c, { dnsNames: 'db.example.com' }), /dnsNames: "db.example.com" is invalid: must be an array of strings/],
    ['Certificate', 'an unknown key algorithm', (c) => certificate(c, { privateKey: { algorithm: 'DSA' } }), /privateKey\.algorithm: "DSA" is invalid: must be one of PrivateKeyAlgorithm/],
    ['Certificate', 'no required issuer', (c) => certificate(c, { issuerRef: undefined }), /issuerRef: undefined is invalid: is required/],
    ['Certificate', 'a misspelt property', (c) => certificate(c, { dnsName: ['a'] }), /dnsName: \["a"\] is invalid: is not a property/],
  ];
};
