import { CertificateIssuerKind, Credentials, PostgresCluster, PostgresClusterProps, ServerTls } from '../../../src';
import { KubeletEnv } from '../../harness/kubelet-env';
import { envOf, findObject, spiloContainer, synth, testChart } from '../../harness/synth';

function build(props: Partial<PostgresClusterProps> = {}) {
  const chart = testChart('shop');
  new PostgresCluster(chart, 'db', { name: 'shop-db', instances: 2, ...props });
  return synth(chart);
}

describe('server TLS', () => {
  test('cert-manager: a Certificate for every Service and member name, mounted whole at /tls, Spilo told where', () => {
    const objects = build({ tls: ServerTls.certManager({ issuerName: 'internal-ca', issuerKind: CertificateIssuerKind.CLUSTER_ISSUER }) });
    const certificate = findObject(objects, 'Certificate');
    expect(certificate.spec.issuerRef).toEqual({ name: 'internal-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' });
    for (const name of ['shop-db.shop.svc', 'shop-db-repl.shop.svc', 'shop-db-pooler.shop.svc', '*.shop-db-headless.shop.svc']) {
      expect(certificate.spec.dnsNames).toContain(name);
    }
    const spilo = spiloContainer(objects);
    const env = envOf(spilo);
    expect(env.SSL_CERTIFICATE_FILE).toBe('/tls/tls.crt');
    expect(env.SSL_PRIVATE_KEY_FILE).toBe('/tls/tls.key');
    expect(env.SSL_CA_FILE).toBeUndefined();
    const sts = findObject(objects, 'StatefulSet');
    expect(sts.spec.template.spec.volumes).toContainEqual({ name: 'tls', secret: { secretName: certificate.spec.secretName, defaultMode: 0o640 } });
    expect(spilo.volumeMounts).toContainEqual({ name: 'tls', mountPath: '/tls', readOnly: true });
    const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(names.indexOf(`Certificate/${certificate.metadata.name}`)).toBeLessThan(names.indexOf('StatefulSet/shop-db'));
  });

  test('client certificates: verify-full for application users, password-only for the superuser and replication', () => {
    const objects = build({ tls: ServerTls.fromSecret('shop-db-tls'), clientCertificates: { caSecretName: 'clients-ca' } });
    const config = JSON.parse(KubeletEnv.resolve(spiloContainer(objects).env, {}, KubeletEnv.configMaps(objects)).SPILO_CONFIGURATION);
    expect(config.postgresql.pg_hba).toEqual(expect.arrayContaining([
      'hostssl all postgres,standby all scram-sha-256',
      'hostssl all all all scram-sha-256 clientcert=verify-full',
      'hostnossl all all all reject',
    ]));
    expect(envOf(spiloContainer(objects)).SSL_CA_FILE).toBe('/tlsca/ca.crt');
    expect(objects.map((o) => o.kind)).not.toContain('Certificate');
  });

  test('client certificates signed by the CA in the server certificate\'s Secret, under the key fromSecret names', () => {
    const objects = build({ tls: ServerTls.fromSecret('shop-db-tls', { caKey: 'root.pem' }), clientCertificates: {} });
    expect(envOf(spiloContainer(objects)).SSL_CA_FILE).toBe('/tls/root.pem');
    expect(findObject(objects, 'StatefulSet').spec.template.spec.volumes.map((v: any) => v.name)).not.toContain('tls-ca');
  });

  test('never trust over TCP, whatever the TLS settings', () => {
    for (const props of [{}, { tls: ServerTls.fromSecret('t') }, { tls: ServerTls.fromSecret('t'), clientCertificates: { caSecretName: 'c' } }]) {
      const objects = build(props);
      const env = KubeletEnv.resolve(spiloContainer(objects).env, {}, KubeletEnv.configMaps(objects));
      const hba: string[] = JSON.parse(env.SPILO_CONFIGURATION).postgresql.pg_hba;
      for (const line of hba.filter((l) => !l.startsWith('local '))) expect(line).not.toMatch(/\btrust\b/);
      expect(hba[hba.length - 1]).toBe('hostnossl all all all reject');
    }
  });

  test('with server TLS, the pooler speaks TLS on both sides using the cluster\'s certificate (which names its Services)', () => {
    const objects = build({ tls: ServerTls.fromSecret('shop-db-tls'), connectionPooler: {} });
    const ini = findObject(objects, 'ConfigMap', 'shop-db-pooler').data['pgbouncer.ini'];
    expect(ini).toMatch(/^client_tls_sslmode = require$/m);
    expect(ini).toMatch(/^server_tls_sslmode = require$/m);
    const pod = findObject(objects, 'Deployment', 'shop-db-pooler').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'tls', secret: { secretName: 'shop-db-tls', defaultMode: 0o440 } });
  });

  test('clientCertificates without tls is rejected', () => {
    expect(() => build({ clientCertificates: { caSecretName: 'c' } })).toThrow(/tls\/clientCertificates: .* is invalid: clientCertificates needs tls/);
  });

  test('password_encryption is scram-sha-256', () => {
    const config = JSON.parse(KubeletEnv.resolve(spiloContainer(build()).env, {}, KubeletEnv.configMaps(build())).SPILO_CONFIGURATION);
    expect(config.bootstrap.dcs.postgresql.parameters.password_encryption).toBe('scram-sha-256');
  });
});

describe('authenticated Patroni REST API', () => {
  test('credentials from a Secret, defined before SPILO_CONFIGURATION, referenced (never copied) in it', () => {
    const objects = build();
    const spilo = spiloContainer(objects);
    const names = spilo.env.map((e: any) => e.name);
    expect(names.indexOf('PATRONI_RESTAPI_PASSWORD')).toBeLessThan(names.indexOf('SPILO_CONFIGURATION'));
    const env = envOf(spilo);
    expect(env.PATRONI_RESTAPI_PASSWORD).toEqual({ secretKeyRef: { name: 'patroni-api.shop-db.credentials.postgresql.acid.zalan.do', key: 'password' } });
    expect(env.SPILO_CONFIGURATION).toContain('"password": "$(PATRONI_RESTAPI_PASSWORD)"');
    // What Patroni gets once the kubelet has expanded the references:
    const expanded = KubeletEnv.resolve(spilo.env, { PATRONI_RESTAPI_USERNAME: 'patroni', PATRONI_RESTAPI_PASSWORD: 's3cr3t' }, KubeletEnv.configMaps(objects));
    expect(JSON.parse(expanded.SPILO_CONFIGURATION).restapi.authentication).toEqual({ username: 'patroni', password: 's3cr3t' });
  });

  test('an existing Secret for the API credentials', () => {
    const env = envOf(spiloContainer(build({ patroniApiCredentials: Credentials.fromSecret('api', { usernameKey: 'user' }) })));
    expect(env.PATRONI_RESTAPI_USERNAME).toEqual({ secretKeyRef: { name: 'api', key: 'user' } });
  });

  test('probes stay on unauthenticated GET endpoints', () => {
    const spilo = spiloContainer(build());
    for (const probe of [spilo.readinessProbe, spilo.livenessProbe, spilo.startupProbe]) expect(['/readiness', '/liveness']).toContain(probe.httpGet.path);
  });
});
