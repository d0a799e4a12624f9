import { Duration } from 'cdk8s';
import { Credentials } from '../../../src/credentials/credentials';
import { PgBouncerConfig } from '../../../src/pooler/pgbouncer-config';
import { renderPoolerTier } from '../../../src/pooler/pooler-tier';
import { PoolerUpstream, resolveConnectionPooler } from '../../../src/pooler/validate-props';

// A plain object: the resolver and the renderer need no construct tree and no synthesis.
const UPSTREAM: PoolerUpstream = {
  name: 'orders-db',
  namespace: 'db',
  instances: 3,
  port: 5432,
  primaryHost: 'orders-db.db.svc',
  replicaHost: 'orders-db-repl.db.svc',
  parameters: { max_connections: '100' },
  imagePullSecrets: [],
  users: ['postgres', 'standby'],
  userCredentials: (user) => Credentials.fromSecret(`${user}.orders-db.credentials.postgresql.acid.zalan.do`).resolve(user),
};

describe('resolveConnectionPooler', () => {
  test('applies the defaults and sizes the pools from the upstream parameters', () => {
    const { value, problems } = resolveConnectionPooler({}, UPSTREAM);
    expect(problems).toEqual([]);
    expect(value.primary).toEqual({ id: 'Primary', name: 'orders-db-pooler', upstreamHost: 'orders-db.db.svc' });
    expect(value.replica).toBeUndefined();
    // (2 replicas + 1 surge) x 1 tier; 100 - 3 superuser_reserved - 10 reserved = 87.
    expect(value.poolerPods).toBe(3);
    const sizing = { maxConnections: 100, superuserReservedConnections: 3, reservedConnections: 10, poolerPods: 3, databases: 1 };
    expect(value.sizes).toEqual(PgBouncerConfig.poolSizes(sizing));
    expect(value.defaultPoolSize).toBe(value.sizes.maxDbConnections - 1);
    expect(value.credentials.secretName).toBe('pooler.orders-db.credentials.postgresql.acid.zalan.do');
  });

  test('returns every problem instead of throwing', () => {
    const resolve = () => resolveConnectionPooler({
      replicas: 0,
      poolerRole: 'standby',
      replicaPooler: true,
      databases: [],
      serverLifetime: Duration.millis(500),
      labels: { 'connection-pooler': 'x' },
    }, { ...UPSTREAM, instances: 1, parameters: { max_connections: 'many' } });
    expect(resolve).not.toThrow();
    expect(resolve().problems.map((p) => p.property)).toEqual(expect.arrayContaining([
      'replicas', 'poolerRole', 'replicaPooler', 'databases', 'serverLifetime', 'labels key', 'cluster.parameters.max_connections',
    ]));
  });

  test('the renderer\'s contract covers what the options cannot set: the upstream host', () => {
    const { problems } = resolveConnectionPooler({ replicaPooler: true }, { ...UPSTREAM, replicaHost: 'orders db' });
    expect(problems).toEqual([{ property: 'pgbouncer.upstreamHost', value: 'orders db', rule: expect.stringContaining('must be a single token') }]);
  });
});

describe('renderPoolerTier', () => {
  test('renders a tier from the resolved settings alone', () => {
    const { value } = resolveConnectionPooler({ replicaPooler: true }, UPSTREAM);
    const manifest = renderPoolerTier(value, value.replica!);
    expect(manifest.name).toBe('orders-db-pooler-repl');
    expect(manifest.config).toContain('* = host=orders-db-repl.db.svc port=5432');
    expect(manifest.configMapData).toEqual({ 'pgbouncer.ini': manifest.config });
    expect(manifest.selector).toEqual({ 'application': 'db-connection-pooler', 'connection-pooler': 'orders-db-pooler-repl' });
    expect(manifest.deployment.spec!.template.metadata!.annotations!['cdk8s-pgaas/config-hash']).toBe(manifest.configHash);
    expect(renderPoolerTier(value, value.replica!)).toEqual(manifest);
  });
});
