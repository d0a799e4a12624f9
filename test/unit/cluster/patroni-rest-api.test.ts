import { PatroniRestApi } from '../../../src/cluster/patroni-rest-api';
import { PreStopHook } from '../../../src/cluster/prestop-hook';
import { KubeletEnv } from '../../harness/kubelet-env';

const configuration = {
  bootstrap: { dcs: { ttl: 30 } },
  postgresql: { parameters: { log_line_prefix: '%t [%p] $$ $(POD_IP) $', application_name: 'a$b' } },
};

test('SPILO_CONFIGURATION refers to the credentials; the kubelet fills them in and leaves every other $ as written', () => {
  const env = [
    { name: 'POD_IP', value: '10.1.2.3' },
    ...PatroniRestApi.env({ secretName: PatroniRestApi.secretName('orders-db') }),
    { name: 'SPILO_CONFIGURATION', value: PatroniRestApi.spiloConfiguration(configuration, true) },
  ];
  const manifestText = JSON.stringify(env);
  expect(manifestText).not.toContain('s3cretPassw0rd');
  expect(env[3].value).toContain('"password": "$(PATRONI_RESTAPI_PASSWORD)"');

  const resolved = KubeletEnv.resolve(env, { PATRONI_RESTAPI_USERNAME: 'patroni', PATRONI_RESTAPI_PASSWORD: 's3cretPassw0rd' });
  const seen = JSON.parse(resolved.SPILO_CONFIGURATION);
  expect(seen.restapi).toEqual({ authentication: { username: 'patroni', password: 's3cretPassw0rd' } });
  // Nothing else changed: not the POD_IP reference, not the $$ and not a lone $.
  expect(seen.postgresql.parameters).toEqual(configuration.postgresql.parameters);
  expect(seen.bootstrap).toEqual(configuration.bootstrap);
});

test('the credential variables come from the Secret and precede SPILO_CONFIGURATION', () => {
  expect(PatroniRestApi.env({ secretName: 'patroni-api.orders-db.credentials.postgresql.acid.zalan.do', passwordKey: 'pw' })).toEqual([
    { name: 'PATRONI_RESTAPI_USERNAME', valueFrom: { secretKeyRef: { name: 'patroni-api.orders-db.credentials.postgresql.acid.zalan.do', key: 'username' } } },
    { name: 'PATRONI_RESTAPI_PASSWORD', valueFrom: { secretKeyRef: { name: 'patroni-api.orders-db.credentials.postgresql.acid.zalan.do', key: 'pw' } } },
  ]);
  // Defined after SPILO_CONFIGURATION, the reference would stay literal.
  const late = KubeletEnv.resolve([
    { name: 'SPILO_CONFIGURATION', value: PatroniRestApi.spiloConfiguration({}, true) },
    ...PatroniRestApi.env({ secretName: 's' }),
  ], { PATRONI_RESTAPI_USERNAME: 'patroni', PATRONI_RESTAPI_PASSWORD: 'x' });
  expect(JSON.parse(late.SPILO_CONFIGURATION).restapi.authentication.password).toBe('$(PATRONI_RESTAPI_PASSWORD)');
});

test('without authentication the configuration is unchanged (but still escaped)', () => {
  const text = PatroniRestApi.spiloConfiguration(configuration, false);
  expect(JSON.parse(KubeletEnv.expand(text, { POD_IP: '10.1.2.3' }))).toEqual(configuration);
  expect(() => PatroniRestApi.spiloConfiguration({ restapi: { authentication: { username: 'a', password: 'b' } } }, true)).toThrow(/already/);
});

test('the preStop hook reads the same variables, so the switchover it posts is authenticated', () => {
  expect(PreStopHook.SCRIPT).toContain(`os.environ.get("${PatroniRestApi.USERNAME_ENV}")`);
  expect(PreStopHook.SCRIPT).toContain(`os.environ.get("${PatroniRestApi.PASSWORD_ENV}")`);
});

test('KubeletEnv follows the kubelet: $$ escapes, unknown references stay, a lone $ stays', () => {
  expect(KubeletEnv.expand('$(A)-$$(A)-$(B)-$-x$', { A: '1' })).toBe('1-$(A)-$(B)-$-x$');
  expect(KubeletEnv.expand('$(A', { A: '1' })).toBe('$(A');
});
