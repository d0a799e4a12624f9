import * as fs from 'fs';
import * as path from 'path';
import { Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { PodSecurity, PodSecurityLevel } from '../../../src/audit/pod-security';
import { PostgresCluster } from '../../../src/cluster/postgres-cluster';
import { PostgresClusterProps } from '../../../src/cluster/props';
import { Credentials } from '../../../src/credentials/credentials';
import { AUTH_FILE_SCRIPT } from '../../../src/pooler/auth-file';
import { ConnectionPooler } from '../../../src/pooler/connection-pooler';
import { PoolMode } from '../../../src/pooler/pool-mode';
import { ConnectionPoolerOptions } from '../../../src/pooler/props';
import { Placement } from '../../../src/scheduling/pod-placement';
import { built as validatedTree, findObject, synth, testChart } from '../../harness/synth';

function build(options: ConnectionPoolerOptions = {}, clusterProps: Partial<PostgresClusterProps> = {}, namespace = 'db') {
  const chart = testChart(namespace);
  const cluster = new PostgresCluster(chart, 'orders', { name: 'orders-db', instances: 3, roles: [{ name: 'orders_app' }], ...clusterProps });
  const pooler = ConnectionPooler._create(chart, 'pooler', { cluster, ...options });
  return { chart, cluster, pooler, objects: synth(chart) };
}

function poolerObjects(objects: any[]): any[] {
  return objects.filter((o) => o.metadata.name.startsWith('orders-db-pooler'));
}

function ini(objects: any[], name = 'orders-db-pooler'): string {
  return findObject(objects, 'ConfigMap', name).data['pgbouncer.ini'];
}

function setting(config: string, key: string): string | undefined {
  return new RegExp(`^${key} = (.*)$`, 'm').exec(config)?.[1];
}

function podSpec(objects: any[], name = 'orders-db-pooler'): any {
  return findObject(objects, 'Deployment', name).spec.template.spec;
}

function configHash(objects: any[], name = 'orders-db-pooler'): string {
  return findObject(objects, 'Deployment', name).spec.template.metadata.annotations['cdk8s-pgaas/config-hash'];
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('objects', () => {
  test('a primary pooler: Deployment, Service, ConfigMap and PodDisruptionBudget named <cluster>-pooler', () => {
    const { objects, pooler } = build();
    expect(poolerObjects(objects).map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/orders-db-pooler',
      'Deployment/orders-db-pooler',
      'PodDisruptionBudget/orders-db-pooler',
      'Service/orders-db-pooler',
    ]);
    for (const o of poolerObjects(objects)) expect(o.metadata.namespace).toBe('db');
    expect(pooler.serviceName).toBe('orders-db-pooler');
    expect(pooler.host).toBe('orders-db-pooler.db.svc');
    expect(pooler.replicaServiceName).toBeUndefined();
    expect(pooler.replicaHost).toBeUndefined();
    expect(pooler.replica).toBeUndefined();
  });

  test('replicaPooler adds the same objects named <cluster>-pooler-repl, pointed at the replica Service', () => {
    const { objects, pooler } = build({ replicaPooler: true });
    expect(poolerObjects(objects).map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/orders-db-pooler',
      'ConfigMap/orders-db-pooler-repl',
      'Deployment/orders-db-pooler',
      'Deployment/orders-db-pooler-repl',
      'PodDisruptionBudget/orders-db-pooler',
      'PodDisruptionBudget/orders-db-pooler-repl',
      'Service/orders-db-pooler',
      'Service/orders-db-pooler-repl',
    ]);
    expect(pooler.replicaServiceName).toBe('orders-db-pooler-repl');
    expect(pooler.replicaHost).toBe('orders-db-pooler-repl.db.svc');
    expect(ini(objects)).toMatch(/^\* = host=orders-db\.db\.svc port=5432$/m);
    expect(ini(objects, 'orders-db-pooler-repl')).toMatch(/^\* = host=orders-db-repl\.db\.svc port=5432$/m);
  });

  test('the Service exposes 5432 as "postgresql" and selects exactly the pooler pods, never the database pods', () => {
    const { objects } = build({ replicaPooler: true });
    for (const name of ['orders-db-pooler', 'orders-db-pooler-repl']) {
      const service = findObject(objects, 'Service', name);
      expect(service.spec.type).toBe('ClusterIP');
      expect(service.spec.ports).toEqual([{ name: 'postgresql', port: 5432, targetPort: 'postgresql', protocol: 'TCP' }]);
      const deployment = findObject(objects, 'Deployment', name);
      expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
      expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    }
    const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    const poolerPods = objects.filter((o) => o.kind === 'Deployment').map((d) => d.spec.template.metadata.labels);
    const memberPods = findObject(objects, 'StatefulSet').spec.template.metadata.labels;
    for (const service of objects.filter((o) => o.kind === 'Service' || o.kind === 'PodDisruptionBudget')) {
      const selector = service.spec.selector?.matchLabels ?? service.spec.selector;
      const isPooler = service.metadata.name.includes('-pooler');
      for (const pod of poolerPods) {
        // Each pooler Service selects the pods of its own tier only.
        if (isPooler) expect(selects(selector, pod)).toBe(pod['connection-pooler'] === service.metadata.name);
        else expect(selects(selector, pod)).toBe(false);
      }
      if (isPooler) expect(selects(selector, memberPods)).toBe(false);
    }
    // The handle for NetworkPolicies selects both tiers' pods and no database pod.
    const { pooler } = build({ replicaPooler: true });
    for (const pod of poolerPods) expect(selects(pooler.selectorLabels, pod)).toBe(true);
    expect(selects(pooler.selectorLabels, memberPods)).toBe(false);
  });

  test('PodDisruptionBudget: maxUnavailable 1 and unhealthy pods always evictable; can be turned off', () => {
    const pdb = findObject(build().objects, 'PodDisruptionBudget', 'orders-db-pooler');
    expect(pdb.spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'application': 'db-connection-pooler', 'connection-pooler': 'orders-db-pooler' } },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
    expect(poolerObjects(build({ podDisruptionBudget: false }).objects).map((o) => o.kind)).not.toContain('PodDisruptionBudget');
  });
});

describe('Deployment', () => {
  test('two replicas by default; a rolling update never drops below capacity', () => {
    const { objects } = build();
    const deployment = findObject(objects, 'Deployment', 'orders-db-pooler');
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    expect(findObject(build({ replicas: 4 }).objects, 'Deployment', 'orders-db-pooler').spec.replicas).toBe(4);
  });

  test('required anti-affinity on the hostname by default; preferred or disabled on request; zone spread optional', () => {
    const term = { labelSelector: { matchLabels: { 'application': 'db-connection-pooler', 'connection-pooler': 'orders-db-pooler' } }, topologyKey: 'kubernetes.io/hostname' };
    expect(podSpec(build().objects).affinity).toEqual({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } });
    expect(podSpec(build({ hostAntiAffinity: Placement.PREFERRED }).objects).affinity).toEqual({
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] },
    });
    expect(podSpec(build({ hostAntiAffinity: Placement.DISABLED }).objects).affinity).toBeUndefined();
    expect(podSpec(build().objects).topologySpreadConstraints).toBeUndefined();
    expect(podSpec(build({ zoneSpread: Placement.REQUIRED }).objects).topologySpreadConstraints).toEqual([{
      maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: term.labelSelector,
    }]);
  });

  test('PgBouncer runs the mounted configuration unchanged, with TCP probes, a safe-shutdown preStop hook and resources', () => {
    const spec = podSpec(build().objects);
    const [container] = spec.containers;
    expect(container.image).toBe(ConnectionPooler.DEFAULT_IMAGE);
    expect(ConnectionPooler.DEFAULT_IMAGE).toMatch(/:v\d+\.\d+\.\d+-p\d+$/);
    expect(container.command).toEqual(['pgbouncer', '/etc/pgbouncer/pgbouncer.ini']);
    expect(container.args).toBeUndefined();
    expect(container.ports).toEqual([{ name: 'postgresql', containerPort: 5432, protocol: 'TCP' }]);
    expect(container.readinessProbe.tcpSocket).toEqual({ port: 'postgresql' });
    expect(container.livenessProbe.tcpSocket).toEqual({ port: 'postgresql' });
    expect(container.livenessProbe.failureThreshold * container.livenessProbe.periodSeconds).toBeGreaterThanOrEqual(60);
    expect(container.lifecycle.preStop.exec.command).toEqual(['/bin/sh', '-c', 'sleep 10; kill -INT 1; while kill -0 1 2>/dev/null; do sleep 1; done']);
    expect(spec.terminationGracePeriodSeconds).toBe(60);
    expect(container.resources).toEqual({
      requests: { 'cpu': '100m', 'memory': '64Mi', 'ephemeral-storage': '16Mi' },
      limits: { 'cpu': '1', 'memory': '256Mi', 'ephemeral-storage': '64Mi' },
    });
    const resources = { cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.units(1) }, memory: { request: Size.mebibytes(128) } };
    const custom = podSpec(build({ resources }).objects);
    expect(custom.containers[0].resources).toEqual({
      requests: { 'cpu': '250m', 'memory': '128Mi', 'ephemeral-storage': '16Mi' },
      limits: { 'cpu': '1', 'ephemeral-storage': '64Mi' },
    });
    expect(custom.initContainers[0].resources).toEqual(spec.initContainers[0].resources);
  });

  test('the default resources are exactly what the resources doc states', () => {
    // The doc of `resources` is the user's only statement of the default; parse its @default.
    const source = fs.readdirSync(path.join(__dirname, '../../../src/pooler'))
      .map((f) => fs.readFileSync(path.join(__dirname, '../../../src/pooler', f), 'utf8'))
      .find((text) => /readonly resources\?:/.test(text))!;
    const doc = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*readonly resources\?:/.exec(source)![1].replace(/\n\s*\*/g, ' ');
    const stated = /@default\s+-\s+([^@]*)/.exec(doc)![1];
    const expected: { requests: Record<string, string>; limits: Record<string, string> } = { requests: {}, limits: {} };
    for (const match of stated.matchAll(/(cpu|memory|ephemeral-storage) request (\S+?)(?: and limit (\S+?))?(?=[,;.]?(?:\s|$))/g)) {
      expected.requests[match[1]] = match[2];
      if (match[3]) expected.limits[match[1]] = match[3];
    }
    expect(podSpec(build().objects).containers[0].resources).toEqual(expected);
    expect(doc).not.toMatch(/no cpu limit/i);
  });

  test('restricted security context, read-only root, memory-backed emptyDirs for the auth_file and the socket', () => {
    const spec = podSpec(build().objects);
    expect(spec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 70, runAsGroup: 70, fsGroup: 70, seccompProfile: { type: 'RuntimeDefault' } });
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.enableServiceLinks).toBe(false);
    for (const container of [...spec.initContainers, ...spec.containers]) {
      expect(container.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        privileged: false,
        capabilities: { drop: ['ALL'] },
        runAsNonRoot: true,
        runAsUser: 70,
        runAsGroup: 70,
        readOnlyRootFilesystem: true,
      });
    }
    expect(spec.volumes).toEqual([
      { name: 'config', configMap: { name: 'orders-db-pooler', defaultMode: 0o444 } },
      { name: 'auth', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
      { name: 'run', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
    ]);
    expect(spec.containers[0].volumeMounts).toEqual([
      { name: 'config', mountPath: '/etc/pgbouncer', readOnly: true },
      { name: 'auth', mountPath: '/var/run/pgbouncer-auth', readOnly: true },
      { name: 'run', mountPath: '/var/run/pgbouncer' },
    ]);
    // Every path PgBouncer writes is on an emptyDir.
    const config = ini(build().objects);
    expect(setting(config, 'unix_socket_dir')).toBe('/var/run/pgbouncer');
    expect(setting(config, 'auth_file')).toBe('/var/run/pgbouncer-auth/userlist.txt');
    expect(config).toMatch(/^pidfile =$/m);
    expect(config).toMatch(/^logfile =$/m);
  });

  test('the pods pass Pod Security "restricted", with and without client TLS and a replica pooler', () => {
    for (const options of [{}, { clientTlsSecretName: 'pooler-tls', replicaPooler: true }]) {
      const objects = poolerObjects(build(options).objects);
      expect(objects.filter((o) => o.kind === 'Deployment').length).toBeGreaterThan(0);
      expect(PodSecurity.checkManifests(objects, { level: PodSecurityLevel.RESTRICTED })).toEqual([]);
    }
  });

  test('no password in the manifests: the init container reads the pooler Secret through a secretKeyRef', () => {
    const { objects } = build();
    const init = podSpec(objects).initContainers[0];
    expect(init.name).toBe('auth-file');
    expect(init.image).toBe(ConnectionPooler.DEFAULT_IMAGE);
    expect(init.command).toEqual(['/bin/sh', '-c', AUTH_FILE_SCRIPT]);
    expect(init.env).toEqual([
      { name: 'PGBOUNCER_AUTH_USER', value: 'pooler' },
      { name: 'PGBOUNCER_AUTH_PASSWORD', valueFrom: { secretKeyRef: { name: 'pooler.orders-db.credentials.postgresql.acid.zalan.do', key: 'password' } } },
      { name: 'PGBOUNCER_AUTH_FILE', value: '/var/run/pgbouncer-auth/userlist.txt' },
    ]);
    expect(init.volumeMounts).toEqual([{ name: 'auth', mountPath: '/var/run/pgbouncer-auth' }]);
    expect(podSpec(objects).containers[0].env).toBeUndefined();
    expect(poolerObjects(objects).map((o) => o.kind)).not.toContain('Secret');
  });

  test('imagePullSecrets default to the cluster\'s; image and pull secrets can be overridden', () => {
    expect(podSpec(build({}, { imagePullSecrets: ['registry'] }).objects).imagePullSecrets).toEqual([{ name: 'registry' }]);
    expect(podSpec(build().objects).imagePullSecrets).toBeUndefined();
    const spec = podSpec(build({ image: 'registry.example.com/pgbouncer:1.24.1', imagePullSecrets: ['mirror'] }, { imagePullSecrets: ['registry'] }).objects);
    expect(spec.imagePullSecrets).toEqual([{ name: 'mirror' }]);
    expect([...spec.initContainers, ...spec.containers].map((c: any) => c.image)).toEqual(['registry.example.com/pgbouncer:1.24.1', 'registry.example.com/pgbouncer:1.24.1']);
  });

  test('client TLS mounts the Secret read-only (group-readable for the fsGroup) and requires TLS', () => {
    const { objects, pooler } = build({ clientTlsSecretName: 'pooler-tls' });
    const spec = podSpec(objects);
    expect(spec.volumes).toContainEqual({ name: 'tls', secret: { secretName: 'pooler-tls', defaultMode: 0o440 } });
    expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'tls', mountPath: '/etc/pgbouncer-tls', readOnly: true });
    const config = ini(objects);
    expect(setting(config, 'client_tls_sslmode')).toBe('require');
    expect(setting(config, 'client_tls_cert_file')).toBe('/etc/pgbouncer-tls/tls.crt');
    expect(setting(config, 'client_tls_key_file')).toBe('/etc/pgbouncer-tls/tls.key');
    expect(pooler.clientTls).toBe(true);
    const off = ini(build().objects);
    expect(setting(off, 'client_tls_sslmode')).toBe('disable');
    expect(off).not.toMatch(/client_tls_cert_file/);
  });
});

describe('pgbouncer.ini', () => {
  test('the defaults', () => {
    const { objects, pooler } = build();
    expect(ini(objects)).toBe([
      '; Generated by cdk8s-pgaas (PgBouncerConfig.render). Do not edit.',
      '[databases]',
      '* = host=orders-db.db.svc port=5432',
      '',
      '[pgbouncer]',
      'listen_addr = *',
      'listen_port = 5432',
      'unix_socket_dir = /var/run/pgbouncer',
      'logfile =',
      'pidfile =',
      'auth_type = scram-sha-256',
      'auth_file = /var/run/pgbouncer-auth/userlist.txt',
      'auth_user = pooler',
      'auth_query = SELECT usename, passwd FROM pgaas_pooler.user_lookup($1)',
      'pool_mode = transaction',
      'max_client_conn = 10000',
      `default_pool_size = ${pooler.defaultPoolSize}`,
      'min_pool_size = 0',
      'reserve_pool_size = 0',
      `max_db_connections = ${pooler.maxDbConnections}`,
      'max_user_connections = 0',
      'server_tls_sslmode = require',
      'client_tls_sslmode = disable',
      'server_idle_timeout = 600',
      'server_lifetime = 3600',
      'server_connect_timeout = 5',
      'server_login_retry = 1',
      'query_wait_timeout = 120',
      'client_idle_timeout = 0',
      'ignore_startup_parameters = extra_float_digits',
      'stats_users = pooler',
      '',
      '[users]',
      'pooler = max_user_connections=1',
      '',
    ].join('\n'));
  });

  test('options reach the configuration', () => {
    const config = ini(build({
      poolMode: PoolMode.SESSION,
      maxClientConnections: 500,
      defaultPoolSize: 3,
      databases: ['orders', 'reports'],
      serverIdleTimeout: Duration.minutes(1),
      serverLifetime: Duration.minutes(30),
      serverConnectTimeout: Duration.seconds(3),
      queryWaitTimeout: Duration.seconds(30),
      clientIdleTimeout: Duration.hours(1),
      poolerRole: 'bouncer',
    }).objects);
    expect(config).toMatch(/^orders = host=orders-db\.db\.svc port=5432 dbname=orders\nreports = host=orders-db\.db\.svc port=5432 dbname=reports\n\n/m);
    expect(config).not.toMatch(/^\* =/m);
    for (const [key, value] of Object.entries({
      pool_mode: 'session',
      max_client_conn: '500',
      default_pool_size: '3',
      server_idle_timeout: '60',
      server_lifetime: '1800',
      server_connect_timeout: '3',
      query_wait_timeout: '30',
      client_idle_timeout: '3600',
      auth_user: 'bouncer',
      stats_users: 'bouncer',
    })) expect(setting(config, key)).toBe(value);
    expect(config).toMatch(/^bouncer = max_user_connections=1$/m);
  });
});

describe('pool sizes', () => {
  test('derived from max_connections, the reserves and every pod that can run at once', () => {
    // 1Gi of memory: Spilo's rule gives max_connections 100.
    const { pooler, cluster } = build();
    expect(cluster.parameters.max_connections).toBe('100');
    expect(pooler.maxConnections).toBe(100);
    expect(pooler.superuserReservedConnections).toBe(3);
    expect(pooler.reservedConnections).toBe(10);
    expect(pooler.poolerPods).toBe(3); // 2 replicas + 1 surge pod
    expect(pooler.serverConnectionBudget).toBe(87);
    expect(pooler.maxDbConnections).toBe(29);
    expect(pooler.defaultPoolSize).toBe(28);
    expect(pooler.maxServerConnections).toBe(87);

    // The replica tier counts against every server: after a failover its connections stay on the promoted member.
    const both = build({ replicaPooler: true }).pooler;
    expect([both.poolerPods, both.maxDbConnections, both.maxServerConnections]).toEqual([6, 14, 84]);
    const tuned = build({ replicas: 3, reservedConnections: 20, databases: ['a', 'b'] }, { parameters: { max_connections: '200', superuser_reserved_connections: '5', reserved_connections: '2' } }).pooler;
    expect(tuned.superuserReservedConnections).toBe(7);
    expect(tuned.serverConnectionBudget).toBe(200 - 7 - 20);
    expect(tuned.maxDbConnections).toBe(Math.floor(173 / (4 * 2)));
    expect(tuned.maxServerConnections).toBeLessThanOrEqual(tuned.serverConnectionBudget);
  });
});

describe('config hash', () => {
  test('changes exactly when the configuration or the image changes', () => {
    const variants: Array<[string, ConnectionPoolerOptions, Partial<PostgresClusterProps>]> = [
      ['defaults', {}, {}],
      ['same again', {}, {}],
      ['resources', { resources: { memory: { request: Size.mebibytes(128), limit: Size.mebibytes(512) } } }, {}],
      ['pod annotations and labels', { podAnnotations: { team: 'orders' }, labels: { tier: 'db' } }, {}],
      ['placement', { hostAntiAffinity: Placement.PREFERRED, zoneSpread: Placement.PREFERRED, terminationGracePeriod: Duration.seconds(90) }, {}],
      ['cluster storage', {}, { storage: Size.gibibytes(20) }],
      ['pool mode', { poolMode: PoolMode.SESSION }, {}],
      ['timeouts', { queryWaitTimeout: Duration.seconds(30) }, {}],
      ['replicas (pool sizes follow)', { replicas: 3 }, {}],
      ['max_connections', {}, { parameters: { max_connections: '150' } }],
      ['client TLS', { clientTlsSecretName: 'pooler-tls' }, {}],
      ['image', { image: 'docker.io/edoburu/pgbouncer:v1.24.1-p0' }, {}],
    ];
    const seen = variants.map(([label, options, clusterProps]) => {
      const { objects, pooler } = build(options, clusterProps);
      return { label, hash: configHash(objects), key: `${ini(objects)}\n${pooler.image}` };
    });
    for (const a of seen) {
      for (const b of seen) {
        expect([a.label, b.label, a.hash === b.hash]).toEqual([a.label, b.label, a.key === b.key]);
      }
    }
    // The unrelated changes really left the configuration alone, and the related ones did not.
    const byLabel = Object.fromEntries(seen.map((s) => [s.label, s.hash]));
    for (const label of ['same again', 'resources', 'pod annotations and labels', 'placement', 'cluster storage']) expect(byLabel[label]).toBe(byLabel.defaults);
    for (const label of ['pool mode', 'timeouts', 'replicas (pool sizes follow)', 'max_connections', 'client TLS', 'image']) expect(byLabel[label]).not.toBe(byLabel.defaults);
    expect(configHash(build().objects)).toMatch(/^[0-9a-f]{10}$/);
  });
});

describe('credentials', () => {
  test('default: the operator-pattern Secret of the pooler role; explicit credentials win; the cluster\'s when it declares the role', () => {
    expect(build().pooler.poolerCredentials).toMatchObject({ secretName: 'pooler.orders-db.credentials.postgresql.acid.zalan.do', usernameKey: 'username', passwordKey: 'password' });
    const explicit = build({ credentials: Credentials.fromSecret('bouncer-login', { passwordKey: 'pw' }) });
    expect(explicit.pooler.poolerCredentials).toMatchObject({ secretName: 'bouncer-login', passwordKey: 'pw' });
    expect(podSpec(explicit.objects).initContainers[0].env[1].valueFrom.secretKeyRef).toEqual({ name: 'bouncer-login', key: 'pw' });
    const declared = build({}, { roles: [{ name: 'pooler' }], roleCredentials: { pooler: Credentials.fromSecret('cluster-pooler-login') } });
    expect(declared.pooler.poolerCredentials.secretName).toBe('cluster-pooler-login');
  });
});

describe('connection environment', () => {
  test('points an app at the pooler with the user\'s Secret; PGSSLMODE follows client TLS', () => {
    const { pooler } = build({ replicaPooler: true });
    expect(pooler.connectionEnvVars({ user: 'orders_app', database: 'orders' }).slice(0, 6)).toEqual([
      { name: 'PGHOST', value: 'orders-db-pooler.db.svc' },
      { name: 'PGPORT', value: '5432' },
      { name: 'PGUSER', valueFrom: { secretKeyRef: { name: 'orders-app.orders-db.credentials.postgresql.acid.zalan.do', key: 'username' } } },
      { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'orders-app.orders-db.credentials.postgresql.acid.zalan.do', key: 'password' } } },
      { name: 'PGSSLMODE', value: 'prefer' },
      { name: 'PGDATABASE', value: 'orders' },
    ]);
    expect(pooler.connectionEnvVars({ user: 'orders_app', readOnly: true })[0]).toEqual({ name: 'PGHOST', value: 'orders-db-pooler-repl.db.svc' });
    const tls = build({ clientTlsSecretName: 'pooler-tls' }).pooler;
    expect(tls.connectionEnvVars({ user: 'orders_app' })).toContainEqual({ name: 'PGSSLMODE', value: 'require' });
  });

  test('refuses what cannot work through the pooler', () => {
    const { pooler } = build();
    expect(() => pooler.connectionEnvVars({ user: 'postgres' })).toThrow(/superusers and the replication user are never served/);
    expect(() => pooler.connectionEnvVars({ user: 'orders_app', readOnly: true })).toThrow(/readOnly needs a replica pooler/);
    expect(() => pooler.connectionEnvVars({ user: 'nobody' })).toThrow(/"nobody" is not a login user/);
  });

  test('addConnectionEnv adds the variables to a cdk8s-plus container', () => {
    const { chart, pooler } = build();
    const api = new kplus.Deployment(chart, 'api', { containers: [{ image: 'example/api:1.0.0', portNumber: 8080, securityContext: { ensureNonRoot: false } }] });
    pooler.addConnectionEnv(api, { user: 'orders_app', database: 'orders' });
    const env = findObject(Testing.synth(chart), 'Deployment', api.name).spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'PGHOST', value: 'orders-db-pooler.db.svc' });
    expect(env).toContainEqual({ name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'orders-app.orders-db.credentials.postgresql.acid.zalan.do', key: 'password' } } });
  });
});

describe('validation', () => {
  test('every problem in one message, naming the property, the value and the rule', () => {
    const message = errorOf(() => build({
      replicas: 0,
      image: 'edoburu/pgbouncer',
      poolerRole: 'postgres',
      databases: ['Orders', 'pgbouncer'],
      clientTlsSecretName: 'Bad_Name',
      queryWaitTimeout: Duration.millis(1500),
      maxClientConnections: 0,
      reservedConnections: -1,
      labels: { 'application': 'x', 'cluster-name': 'y' },
    }));
    expect(message).toMatch(/^ConnectionPooler test\/pooler has \d+ invalid properties:/);
    expect(message).toContain('replicas: 0 is invalid: must be an integer >= 1');
    expect(message).toContain('image: "edoburu/pgbouncer" is invalid: must name a tag or a digest');
    expect(message).toContain('poolerRole: "postgres" is invalid: must not be the superuser');
    expect(message).toContain('databases[0]: "Orders" is invalid');
    expect(message).toContain('databases[1]: "pgbouncer" is invalid: is the name of PgBouncer\'s admin console');
    expect(message).toContain('clientTlsSecretName: "Bad_Name" is invalid: must be a DNS-1123 subdomain');
    expect(message).toContain('queryWaitTimeout: 1.5 is invalid: must be a whole number of seconds >= 0');
    expect(message).toContain('maxClientConnections: 0 is invalid');
    expect(message).toContain('reservedConnections: -1 is invalid');
    expect(message).toContain('labels key: "application" is invalid: is reserved');
    expect(message).toContain('labels key: "cluster-name" is invalid: is reserved');
  });

  test('pool sizes that would exceed max_connections are rejected with the arithmetic', () => {
    const tooMany = errorOf(() => build({ replicas: 5 }, { parameters: { max_connections: '15' } }));
    expect(tooMany).toContain('replicas: 5 is invalid: leaves no server connection per pooler pod: max_connections 15 - superuser_reserved 3 - reservedConnections 10 = 2 must be at least pooler pods (6');
    const pool = errorOf(() => build({ defaultPoolSize: 30 }));
    expect(pool).toContain('defaultPoolSize: 30 is invalid: must be an integer from 1 to maxDbConnections (29 = floor((max_connections 100 - superuser_reserved 3 - reservedConnections 10) / (pooler pods 3 x databases 1)))');
    expect(build({ defaultPoolSize: 29 }).pooler.defaultPoolSize).toBe(29);
  });

  test('a replica pooler needs replicas; the pooler must live in the cluster\'s namespace', () => {
    expect(errorOf(() => build({ replicaPooler: true }, { instances: 1 }))).toContain('replicaPooler: true is invalid: needs a cluster with at least 2 instances (it has 1)');
    const chart = testChart('db');
    const cluster = new PostgresCluster(chart, 'orders', { name: 'orders-db' });
    const other = testChart('apps');
    expect(errorOf(() => validatedTree(ConnectionPooler._create(other, 'pooler', { cluster })))).toContain('namespace (of the Chart): "apps" is invalid: must be the cluster\'s namespace (db)');
  });
});
