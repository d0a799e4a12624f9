import { Chart, Duration, Testing } from 'cdk8s';
import { EXAMPLES } from '../../../examples';
import { formatProblem } from '../../../src/private/validation';
import { Certificate, CertificateIssuerKind, PrivateKeyAlgorithm } from '../../../src/tls/certificate';
import { ServerTls, SpiloTls, SpiloTlsOptions } from '../../../src/tls/server-tls';
import { schemaErrors } from '../../harness/schema';
import { built as validatedTree, spiloConfiguration } from '../../harness/synth';

/** The configuration of valid options. */
function configure(options: SpiloTlsOptions) {
  const { value, problems } = SpiloTls.resolve(options);
  expect(problems).toEqual([]);
  return value;
}

/** Every problem of the options, as the report reads them. */
const problemsOf = (options: SpiloTlsOptions) => SpiloTls.resolve(options).problems.map(formatProblem).join('\n');

const names = { namespace: 'orders', serviceNames: ['orders-db', 'orders-db-repl', 'orders-db-pooler'], headlessServiceName: 'orders-db-headless' };

describe('SpiloTls.resolve', () => {
  test('without a certificate: Spilo\'s self-signed one, TLS required, no volume, no flag', () => {
    const config = configure({ clusterName: 'orders-db' });
    expect(config.volumes).toEqual([]);
    expect(config.env).toEqual([]);
    expect(config.pgHba).toEqual([
      'local all all trust',
      'local replication standby trust',
      'host all all 127.0.0.1/32 scram-sha-256',
      'host all all ::1/128 scram-sha-256',
      'hostssl replication standby all scram-sha-256',
      'hostssl all all all scram-sha-256',
      'hostnossl all all all reject',
    ]);
  });

  test('cert-manager: the whole Secret at /tls, readable through the fsGroup, key and certificate env', () => {
    const config = configure({ clusterName: 'orders-db', tls: ServerTls.certManager({ issuerName: 'internal-ca', issuerKind: CertificateIssuerKind.CLUSTER_ISSUER }) });
    expect(config.secretName).toBe('orders-db-tls');
    expect(config.volumes).toEqual([{ name: 'tls', secret: { secretName: 'orders-db-tls', defaultMode: 0o640 } }]);
    expect(config.volumeMounts).toEqual([{ name: 'tls', mountPath: '/tls', readOnly: true }]);
    expect(config.volumeMounts.every((m) => m.subPath === undefined)).toBe(true);
    expect(config.env).toEqual([
      { name: 'SSL_CERTIFICATE_FILE', value: '/tls/tls.crt' },
      { name: 'SSL_PRIVATE_KEY_FILE', value: '/tls/tls.key' },
    ]);
  });

  test('client certificates: CA from its own Secret, verify-full for everyone but the password-only users', () => {
    const config = configure({
      clusterName: 'orders-db',
      tls: ServerTls.fromSecret('orders-db-server'),
      clientCertificates: { caSecretName: 'clients-ca' },
      passwordOnlyUsers: ['postgres', 'standby', 'pooler'],
    });
    expect(config.env).toContainEqual({ name: 'SSL_CA_FILE', value: '/tlsca/ca.crt' });
    expect(config.volumes.map((v) => v.secret?.secretName)).toEqual(['orders-db-server', 'clients-ca']);
    expect(config.pgHba).toContain('hostssl all postgres,standby,pooler all scram-sha-256');
    expect(config.pgHba).toContain('hostssl all all all scram-sha-256 clientcert=verify-full');
    // The CA in the server's own Secret needs no second volume.
    const same = configure({ clusterName: 'x', tls: ServerTls.fromSecret('s', { caKey: 'ca.crt' }), clientCertificates: { caSecretName: 's' } });
    expect(same.volumes).toHaveLength(1);
    expect(same.env).toContainEqual({ name: 'SSL_CA_FILE', value: '/tls/ca.crt' });
  });

  test.each([
    ['no tls', { clusterName: 'x' }],
    ['cert-manager', { clusterName: 'x', tls: ServerTls.certManager({ issuerName: 'ca' }) }],
    ['client certs', { clusterName: 'x', tls: ServerTls.fromSecret('s'), clientCertificates: { caSecretName: 'c' } }],
  ])('%s: never trust over TCP, never plain TCP from the network, never a "false" flag', (_name, options) => {
    const config = configure(options);
    for (const line of config.pgHba) {
      const [type, , , address, method] = line.split(/\s+/);
      if (type !== 'local') expect(method === 'trust' || line.endsWith(' trust')).toBe(false);
      if (type === 'host') expect(['127.0.0.1/32', '::1/128']).toContain(address);
      if (type !== 'local') expect(line).toMatch(/scram-sha-256|reject/);
    }
    expect(config.pgHba[config.pgHba.length - 1]).toBe('hostnossl all all all reject');
    expect(config.env.every((e) => e.value !== 'false' && e.value !== '')).toBe(true);
  });

  test('rejects client certificates without a server certificate, and bad names', () => {
    expect(problemsOf({ clusterName: 'x', clientCertificates: { caSecretName: 'c' } })).toMatch(/needs tls/);
    expect(problemsOf({ clusterName: 'x', tls: ServerTls.fromSecret('Bad_Name') })).toMatch(/DNS-1123/);
    expect(problemsOf({ clusterName: 'x', passwordOnlyUsers: ['a b'] })).toMatch(/identifier/);
  });

  test('collects every problem at once, each under its property', () => {
    const { problems } = SpiloTls.resolve({
      clusterName: 'x', replicationUser: 'Standby', passwordOnlyUsers: ['postgres', 'a b'], clientCertificates: { caSecretName: 'Bad_CA' },
    });
    expect(problems.map((p) => [p.property, p.value])).toEqual([
      ['replicationUser', 'Standby'],
      ['passwordOnlyUsers[1]', 'a b'],
      ['clientCertificates.caSecretName', 'Bad_CA'],
      ['tls/clientCertificates', { caSecretName: 'Bad_CA' }],
    ]);
    expect(problemsOf({ clusterName: 'x', tls: ServerTls.certManager({ issuerName: 'ca', secretName: 'Bad' }) })).toMatch(/^tls\.secretName: "Bad" is invalid: must be a DNS-1123 subdomain/);
  });
});

describe('the client-certificate CA', () => {
  test('without a Secret of its own it is the server certificate\'s Secret, under the caKey fromSecret names', () => {
    const config = configure({ clusterName: 'x', tls: ServerTls.fromSecret('s', { caKey: 'root.pem' }), clientCertificates: {} });
    expect(config.volumes).toHaveLength(1);
    expect(config.env).toContainEqual({ name: 'SSL_CA_FILE', value: '/tls/root.pem' });
  });

  test('naming the server certificate\'s Secret honours the caKey fromSecret names', () => {
    const config = configure({ clusterName: 'x', tls: ServerTls.fromSecret('s', { caKey: 'root.pem' }), clientCertificates: { caSecretName: 's' } });
    expect(config.env).toContainEqual({ name: 'SSL_CA_FILE', value: '/tls/root.pem' });
  });

  test('a caKey of clientCertificates wins; another Secret defaults to ca.crt; cert-manager\'s Secret has ca.crt', () => {
    expect(configure({ clusterName: 'x', tls: ServerTls.fromSecret('s', { caKey: 'root.pem' }), clientCertificates: { caKey: 'clients.pem' } }).env)
      .toContainEqual({ name: 'SSL_CA_FILE', value: '/tls/clients.pem' });
    expect(configure({ clusterName: 'x', tls: ServerTls.fromSecret('s', { caKey: 'root.pem' }), clientCertificates: { caSecretName: 'c' } }).env)
      .toContainEqual({ name: 'SSL_CA_FILE', value: '/tlsca/ca.crt' });
    expect(configure({ clusterName: 'x', tls: ServerTls.certManager({ issuerName: 'ca' }), clientCertificates: {} }).env)
      .toContainEqual({ name: 'SSL_CA_FILE', value: '/tls/ca.crt' });
  });
});

test('dnsNames: every Service in all four forms, the headless Service and the member wildcard', () => {
  const dns = SpiloTls.dnsNames(names);
  for (const service of [...names.serviceNames, names.headlessServiceName]) {
    expect(dns).toEqual(expect.arrayContaining([service, `${service}.orders`, `${service}.orders.svc`, `${service}.orders.svc.cluster.local`]));
  }
  expect(dns).toEqual(expect.arrayContaining(['*.orders-db-headless.orders.svc', '*.orders-db-headless.orders.svc.cluster.local']));
  expect(new Set(dns).size).toBe(dns.length);
});

describe('Certificate', () => {
  test('cert-manager.io/v1 with ECDSA, key rotation, server auth', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'orders' });
    const cert = SpiloTls.certificate(chart, 'Cert', ServerTls.certManager({ issuerName: 'internal-ca', issuerKind: CertificateIssuerKind.CLUSTER_ISSUER, renewBefore: Duration.days(15) }),
      'orders-db', SpiloTls.dnsNames(names), { 'app.kubernetes.io/name': 'postgresql' });
    expect(cert).toBeInstanceOf(Certificate);
    const [object] = Testing.synth(chart);
    expect(object).toMatchObject({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'orders-db-tls', namespace: 'orders' },
      spec: {
        secretName: 'orders-db-tls',
        issuerRef: { name: 'internal-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' },
        commonName: 'orders-db',
        duration: '2160h',
        renewBefore: '360h',
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        usages: ['server auth', 'digital signature'],
      },
    });
    expect(object.spec.dnsNames).toEqual(SpiloTls.dnsNames(names));
    // A Secret source has no Certificate.
    expect(SpiloTls.certificate(chart, 'None', ServerTls.fromSecret('s'), 'x', ['x'])).toBeUndefined();
  });

  test('rejects weak or malformed settings', () => {
    const chart = new Chart(Testing.app(), 'c', { namespace: 'orders' });
    const base = { secretName: 's', issuerRef: { name: 'ca' }, dnsNames: ['a'] };
    expect(() => validatedTree(new Certificate(chart, 'A', { ...base, privateKey: { algorithm: PrivateKeyAlgorithm.RSA, size: 1024 } }))).toThrow(/2048/);
    expect(() => validatedTree(new Certificate(chart, 'B', { ...base, duration: '90 days' }))).toThrow(/Go duration/);
    expect(() => validatedTree(new Certificate(chart, 'C', { ...base, dnsNames: [] }))).toThrow(/dnsNames/);
    expect(() => validatedTree(new Certificate(chart, 'D', { ...base, dnsNames: [], duration: '90 days', privateKey: { size: 2048 } })))
      .toThrow(/Certificate c\/D has 3 invalid properties:\n {2}- dnsNames: \[\] is invalid: must not be empty\n {2}- privateKey.size: 2048 is invalid: must be an ECDSA size/);
    expect(Testing.synth(new Chart(Testing.app(), 'd', { namespace: 'n' }))).toEqual([]);
  });
});

describe.each(EXAMPLES.map((e) => [e.name, e.build] as const))('example %s', (_name, build) => {
  test('password_encryption is scram-sha-256 and the rendered pg_hba is the one SpiloTls produces without a certificate', () => {
    const objects = Testing.synth(build(Testing.app()));
    const statefulSets = objects.filter((o) => o.kind === 'StatefulSet');
    for (const sts of statefulSets) {
      const config = spiloConfiguration([sts, ...objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.namespace === sts.metadata.namespace)]);
      const parameters = { ...config.bootstrap?.dcs?.postgresql?.parameters, ...config.postgresql?.parameters };
      expect(parameters.password_encryption).toBe('scram-sha-256');
      expect(config.postgresql.pg_hba).toEqual(configure({ clusterName: sts.metadata.name }).pgHba);
      expect(config.bootstrap.initdb).toContainEqual({ 'auth-host': 'scram-sha-256' });
    }
  });
});

test('schema: the Certificate is not a core object; the TLS volume and mounts are valid pod fields', () => {
  const config = configure({ clusterName: 'x', tls: ServerTls.fromSecret('s'), clientCertificates: { caSecretName: 'c' } });
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { volumes: config.volumes, containers: [{ name: 'c', image: 'i:1', env: config.env, volumeMounts: config.volumeMounts }] },
  };
  expect(schemaErrors(pod)).toEqual([]);
});
