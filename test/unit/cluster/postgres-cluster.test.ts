import { Chart, Duration, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Credentials, PatroniProfile, PatroniRbac, Placement, PostgresCluster, PostgresClusterProps, SynchronousMode } from '../../../src';
import { PreStopHook } from '../../../src/cluster/prestop-hook';
import { envOf, findObject, spiloConfiguration, spiloContainer, synth, testChart } from '../../harness/synth';

function cluster(props: Partial<PostgresClusterProps> = {}, namespace = 'db') {
  const chart = testChart(namespace);
  const construct = new PostgresCluster(chart, 'orders', { name: 'orders-db', ...props });
  return { chart, construct, objects: synth(chart) };
}

function podSpec(objects: any[]): any {
  return findObject(objects, 'StatefulSet').spec.template.spec;
}

describe('objects and names', () => {
  test('a 3-instance cluster produces exactly the expected objects with stable names', () => {
    const { objects } = cluster({ instances: 3 });
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/orders-db-dynamic-config',
      'ConfigMap/orders-db-secrets-script',
      expect.stringMatching(/^Job\/orders-db-config-[0-9a-f]{10}$/),
      expect.stringMatching(/^Job\/orders-db-secrets-[0-9a-f]{10}$/),
      // Every cluster has its major upgrade Job (it refuses a raised postgresVersion without backup), in a group of its own.
      expect.stringMatching(/^Job\/orders-db-upgrade-[0-9a-f]{10}$/),
      'NetworkPolicy/orders-db-config',
      'NetworkPolicy/orders-db-database',
      'NetworkPolicy/orders-db-secrets',
      'NetworkPolicy/orders-db-upgrade',
      'PodDisruptionBudget/orders-db',
      'Role/orders-db-patroni',
      'Role/orders-db-secrets',
      'RoleBinding/orders-db-patroni',
      'RoleBinding/orders-db-secrets',
      'Service/orders-db',
      'Service/orders-db-headless',
      'Service/orders-db-repl',
      'ServiceAccount/orders-db-patroni',
      'ServiceAccount/orders-db-secrets',
      'StatefulSet/orders-db',
    ]);
    for (const o of objects) expect(o.metadata.namespace).toBe('db');
  });

  test('no Endpoints, no Patroni ConfigMaps, no Secrets: Patroni owns its DCS objects and passwords are never synthesized', () => {
    const objects = cluster({ instances: 3 }).objects;
    const kinds = objects.map((o) => o.kind);
    expect(kinds).not.toContain('Endpoints');
    expect(kinds).not.toContain('Secret');
    const configMaps = objects.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name);
    for (const suffix of ['leader', 'config', 'failover', 'sync']) expect(configMaps).not.toContain(`orders-db-${suffix}`);
  });

  test('the StatefulSet starts after its identity and governing Service (output order)', () => {
    const kinds = cluster().objects.map((o) => `${o.kind}/${o.metadata.name}`);
    const sts = kinds.indexOf('StatefulSet/orders-db');
    for (const dep of ['ServiceAccount/orders-db-patroni', 'Role/orders-db-patroni', 'RoleBinding/orders-db-patroni', 'Service/orders-db-headless']) {
      expect(kinds.indexOf(dep)).toBeLessThan(sts);
    }
  });
});

describe('services', () => {
  test('primary selects the Patroni leader label, replicas the replica label; port 5432 named postgresql', () => {
    const { objects } = cluster({ instances: 2 });
    const primary = findObject(objects, 'Service', 'orders-db');
    const replica = findObject(objects, 'Service', 'orders-db-repl');
    expect(primary.spec.selector).toEqual({ 'application': 'spilo', 'cluster-name': 'orders-db', 'spilo-role': 'master' });
    expect(replica.spec.selector).toEqual({ 'application': 'spilo', 'cluster-name': 'orders-db', 'spilo-role': 'replica' });
    expect(primary.spec.ports).toEqual([{ name: 'postgresql', port: 5432, targetPort: 'postgresql' }]);
    expect(primary.spec.type).toBe('ClusterIP');
  });

  test('the headless Service governs the StatefulSet and publishes members before they are ready', () => {
    const { objects } = cluster();
    const headless = findObject(objects, 'Service', 'orders-db-headless');
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
    expect(headless.spec.selector).toEqual({ 'application': 'spilo', 'cluster-name': 'orders-db' });
    expect(findObject(objects, 'StatefulSet').spec.serviceName).toBe('orders-db-headless');
  });

  test('the role labels Patroni writes match what Spilo is told to write', () => {
    const env = envOf(spiloContainer(cluster().objects));
    expect(env.KUBERNETES_ROLE_LABEL).toBe('spilo-role');
    expect(env.KUBERNETES_LEADER_LABEL_VALUE).toBe('master');
    expect(env.KUBERNETES_STANDBY_LEADER_LABEL_VALUE).toBe('master');
    expect(env.KUBERNETES_SCOPE_LABEL).toBe('cluster-name');
    expect(JSON.parse(env.KUBERNETES_LABELS)).toEqual({ application: 'spilo' });
  });
});

describe('Spilo environment contract', () => {
  test('identity, paths, DCS and users', () => {
    const env = envOf(spiloContainer(cluster({ postgresVersion: 16 }).objects));
    expect(env.SCOPE).toBe('orders-db');
    expect(env.PGROOT).toBe('/home/postgres/pgdata/pgroot');
    expect(env.POD_IP).toEqual({ fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } });
    expect(env.POD_NAMESPACE).toEqual({ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } });
    expect(env.PGVERSION).toBe('16');
    expect(env.DCS_ENABLE_KUBERNETES_API).toBe('true');
    expect(env.KUBERNETES_USE_CONFIGMAPS).toBe('true');
    expect(env.PGUSER_SUPERUSER).toBe('postgres');
    expect(env.PGUSER_STANDBY).toBe('standby');
    expect(env.PGPASSWORD_SUPERUSER).toEqual({ secretKeyRef: { name: 'postgres.orders-db.credentials.postgresql.acid.zalan.do', key: 'password' } });
    expect(env.PGPASSWORD_STANDBY).toEqual({ secretKeyRef: { name: 'standby.orders-db.credentials.postgresql.acid.zalan.do', key: 'password' } });
  });

  test('never emits a flag as "false" (Spilo treats any non-empty string as true), nor an empty value', () => {
    for (const props of [{}, { instances: 3, patroni: { synchronousMode: SynchronousMode.STRICT, failsafeMode: false } }]) {
      for (const variable of spiloContainer(cluster(props).objects).env) {
        if (variable.value !== undefined) {
          expect(variable.value.toLowerCase()).not.toBe('false');
          expect(variable.value).not.toBe('');
        }
      }
    }
  });

  test('SPILO_CONFIGURATION carries bootstrap.dcs, initdb, local parameters and pg_hba', () => {
    const config = spiloConfiguration(cluster().objects);
    expect(config.bootstrap.dcs).toMatchObject({ ttl: 30, loop_wait: 10, retry_timeout: 10, maximum_lag_on_failover: 33554432, failsafe_mode: true });
    expect(config.bootstrap.dcs.postgresql).toMatchObject({ use_pg_rewind: true, use_slots: true });
    expect(config.bootstrap.initdb).toContain('data-checksums');
    expect(config.bootstrap.initdb).toContainEqual({ 'auth-host': 'scram-sha-256' });
    expect(config.bootstrap.dcs.postgresql.parameters.password_encryption).toBe('scram-sha-256');
    expect(config.postgresql.pg_hba).toContain('hostnossl all all all reject');
    expect(config.postgresql.pg_hba.filter((l: string) => / trust$/.test(l)).every((l: string) => l.startsWith('local '))).toBe(true);
  });

  test('extraEnv is appended after the managed variables', () => {
    const env = spiloContainer(cluster({ extraEnv: [{ name: 'ALLOW_NOSSL', value: 'true' }] }).objects).env;
    expect(env[env.length - 1]).toEqual({ name: 'ALLOW_NOSSL', value: 'true' });
  });
});

describe('PostgreSQL parameters', () => {
  test('defaults are computed from memory and CPU and visible in the manifest', () => {
    const config = spiloConfiguration(cluster({
      resources: { cpu: { request: kplus.Cpu.units(4) }, memory: { request: Size.gibibytes(16), limit: Size.gibibytes(16) } },
    }).objects);
    expect(config.postgresql.parameters).toEqual({ shared_buffers: '4GB' });
    expect(config.bootstrap.dcs.postgresql.parameters).toMatchObject({
      max_connections: '546',
      max_worker_processes: '8',
      effective_cache_size: '12GB',
      maintenance_work_mem: '1GB',
      max_parallel_workers: '4',
    });
  });

  test('user parameters win over defaults; only Spilo\'s local ones (shared_buffers) stay local, the rest is dynamic', () => {
    const config = spiloConfiguration(cluster({ parameters: { shared_buffers: '300MB', max_connections: '50', log_statement: 'ddl' } }).objects);
    expect(config.postgresql.parameters.shared_buffers).toBe('300MB');
    expect(config.bootstrap.dcs.postgresql.parameters.log_statement).toBe('ddl');
    expect(config.bootstrap.dcs.postgresql.parameters.max_connections).toBe('50');
    expect(config.postgresql.parameters.max_connections).toBeUndefined();
  });

  test('the parameters handle shows the merged result', () => {
    const { construct } = cluster({ parameters: { work_mem: '8MB' } });
    expect(construct.parameters.work_mem).toBe('8MB');
    expect(construct.parameters.shared_buffers).toBe('256MB');
  });
});

describe('Patroni settings', () => {
  test('typed props become bootstrap.dcs', () => {
    const dcs = spiloConfiguration(cluster({
      instances: 3,
      patroni: {
        ttl: Duration.seconds(20),
        loopWait: Duration.seconds(5),
        retryTimeout: Duration.seconds(5),
        maximumLagOnFailover: Size.mebibytes(1),
        synchronousMode: SynchronousMode.STRICT,
        synchronousNodeCount: 2,
        failsafeMode: false,
      },
    }).objects).bootstrap.dcs;
    expect(dcs).toMatchObject({
      ttl: 20,
      loop_wait: 5,
      retry_timeout: 5,
      maximum_lag_on_failover: 1048576,
      synchronous_mode: true,
      synchronous_mode_strict: true,
      synchronous_node_count: 2,
      failsafe_mode: false,
    });
  });

  test('the fast-failover profile sets ttl 20, loop_wait 5, retry_timeout 5; explicit values win', () => {
    expect(spiloConfiguration(cluster({ patroni: { profile: PatroniProfile.FAST_FAILOVER } }).objects).bootstrap.dcs)
      .toMatchObject({ ttl: 20, loop_wait: 5, retry_timeout: 5 });
    expect(spiloConfiguration(cluster({ patroni: { profile: PatroniProfile.FAST_FAILOVER, ttl: Duration.seconds(25) } }).objects).bootstrap.dcs)
      .toMatchObject({ ttl: 25, loop_wait: 5, retry_timeout: 5 });
  });

  test('asynchronous mode is explicit (turning synchronous mode off is a change the Job applies)', () => {
    const dcs = spiloConfiguration(cluster().objects).bootstrap.dcs;
    expect(dcs.synchronous_mode).toBe(false);
    expect(dcs.synchronous_node_count).toBe(1);
  });

  test('synchronous ON is not strict', () => {
    const dcs = spiloConfiguration(cluster({ instances: 2, patroni: { synchronousMode: SynchronousMode.ON } }).objects).bootstrap.dcs;
    expect(dcs).toMatchObject({ synchronous_mode: true, synchronous_mode_strict: false, synchronous_node_count: 1 });
  });
});

describe('StatefulSet', () => {
  test('replicas, image, policies and pull settings', () => {
    const sts = findObject(cluster({ instances: 3, image: 'registry.example.com/spilo-16:3.3-p3', postgresVersion: 15, imagePullSecrets: ['regcred'] }).objects, 'StatefulSet');
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(sts.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(sts.spec.selector.matchLabels).toEqual({ 'application': 'spilo', 'cluster-name': 'orders-db' });
    const container = sts.spec.template.spec.containers[0];
    expect(container.image).toBe('registry.example.com/spilo-16:3.3-p3');
    expect(container.imagePullPolicy).toBe('IfNotPresent');
    expect(sts.spec.template.spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
  });

  test('the default image is spilo-17:4.0-p3', () => {
    expect(spiloContainer(cluster().objects).image).toBe('ghcr.io/zalando/spilo-17:4.0-p3');
  });

  test('deleteVolumesWithCluster switches the PVC retention policy to Delete', () => {
    const sts = findObject(cluster({ deleteVolumesWithCluster: true }).objects, 'StatefulSet');
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Delete', whenScaled: 'Delete' });
  });

  test('volumeClaimTemplates are written out in full with size and class from props', () => {
    const sts = findObject(cluster({ storage: Size.gibibytes(50), storageClassName: 'fast-ssd' }).objects, 'StatefulSet');
    expect(sts.spec.volumeClaimTemplates).toEqual([{
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'pgdata', labels: expect.objectContaining({ 'cluster-name': 'orders-db' }) },
      spec: { accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem', storageClassName: 'fast-ssd', resources: { requests: { storage: '50Gi' } } },
    }]);
  });

  test('default storage is 10Gi on the default StorageClass', () => {
    const vct = findObject(cluster().objects, 'StatefulSet').spec.volumeClaimTemplates[0];
    expect(vct.spec.resources.requests.storage).toBe('10Gi');
    expect(vct.spec.storageClassName).toBeUndefined();
  });

  test('data volume, /dev/shm memory volume and named ports', () => {
    const objects = cluster().objects;
    const container = spiloContainer(objects);
    expect(container.volumeMounts).toEqual([
      { name: 'pgdata', mountPath: '/home/postgres/pgdata' },
      { name: 'dshm', mountPath: '/dev/shm' },
    ]);
    expect(podSpec(objects).volumes).toEqual([{ name: 'dshm', emptyDir: { medium: 'Memory' } }]);
    expect(container.ports).toEqual([
      { name: 'postgresql', containerPort: 5432, protocol: 'TCP' },
      { name: 'patroni', containerPort: 8008, protocol: 'TCP' },
    ]);
  });

  test('Patroni REST probes with startup allowance, and a long grace period', () => {
    const objects = cluster();
    const container = spiloContainer(objects.objects);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readiness', port: 'patroni', scheme: 'HTTP' });
    expect(container.livenessProbe.httpGet.path).toBe('/liveness');
    expect(container.startupProbe.failureThreshold * container.startupProbe.periodSeconds).toBeGreaterThanOrEqual(300);
    expect(podSpec(objects.objects).terminationGracePeriodSeconds).toBe(300);
    expect(podSpec(cluster({ terminationGracePeriod: Duration.minutes(10) }).objects).terminationGracePeriodSeconds).toBe(600);
  });

  test('a preStop hook hands leadership over before the leader stops, bounded below the grace period', () => {
    const hook = spiloContainer(cluster().objects).lifecycle.preStop.exec.command;
    expect(hook).toEqual(PreStopHook.command(120));
    const short = spiloContainer(cluster({ terminationGracePeriod: Duration.seconds(60) }).objects).lifecycle.preStop.exec.command;
    expect(short).toEqual(PreStopHook.command(30));
    expect(PreStopHook.timeoutFor(60)).toBeLessThan(60);
  });

  test('resources: defaults, and the props as given', () => {
    expect(spiloContainer(cluster().objects).resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '1Gi' } });
    const custom = spiloContainer(cluster({
      resources: {
        cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.units(2) },
        memory: { request: Size.mebibytes(1536), limit: Size.gibibytes(2) },
      },
    }).objects).resources;
    expect(custom).toEqual({ requests: { cpu: '250m', memory: '1536Mi' }, limits: { cpu: '2', memory: '2Gi' } });
  });
});

describe('pod security context', () => {
  test('uid 101, gid 103, fsGroup 103, non-root, RuntimeDefault seccomp, no capabilities, no escalation', () => {
    const objects = cluster().objects;
    expect(podSpec(objects).securityContext).toEqual({
      runAsNonRoot: true, runAsUser: 101, runAsGroup: 103, fsGroup: 103, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(spiloContainer(objects).securityContext).toEqual({
      allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, runAsUser: 101, runAsGroup: 103, readOnlyRootFilesystem: false,
    });
  });

  test('the pod mounts the ServiceAccount token (Patroni\'s DCS is the Kubernetes API) but the ServiceAccount does not by default', () => {
    const objects = cluster().objects;
    expect(podSpec(objects).automountServiceAccountToken).toBe(true);
    expect(podSpec(objects).serviceAccountName).toBe('orders-db-patroni');
    expect(findObject(objects, 'ServiceAccount', 'orders-db-patroni').automountServiceAccountToken).toBe(false);
    expect(podSpec(objects).enableServiceLinks).toBe(false);
  });
});

describe('scheduling', () => {
  const selector = { matchLabels: { 'application': 'spilo', 'cluster-name': 'orders-db' } };

  test('required host anti-affinity by default when instances > 1', () => {
    expect(podSpec(cluster({ instances: 2 }).objects).affinity).toEqual({
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: selector, topologyKey: 'kubernetes.io/hostname' }] },
    });
  });

  test('no anti-affinity for a single instance', () => {
    expect(podSpec(cluster().objects).affinity).toBeUndefined();
  });

  test('preferred and disabled host anti-affinity', () => {
    expect(podSpec(cluster({ instances: 2, hostAntiAffinity: Placement.PREFERRED }).objects).affinity).toEqual({
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: selector, topologyKey: 'kubernetes.io/hostname' } }] },
    });
    expect(podSpec(cluster({ instances: 2, hostAntiAffinity: Placement.DISABLED }).objects).affinity).toBeUndefined();
  });

  test('zone spreading as an option', () => {
    expect(podSpec(cluster().objects).topologySpreadConstraints).toBeUndefined();
    expect(podSpec(cluster({ zoneSpread: Placement.REQUIRED }).objects).topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: selector },
    ]);
    expect(podSpec(cluster({ zoneSpread: Placement.PREFERRED }).objects).topologySpreadConstraints[0].whenUnsatisfiable).toBe('ScheduleAnyway');
  });

  test('nodeSelector, tolerations and priorityClassName', () => {
    const spec = podSpec(cluster({
      nodeSelector: { 'node-role/db': 'true' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }],
      priorityClassName: 'db-critical',
    }).objects);
    expect(spec.nodeSelector).toEqual({ 'node-role/db': 'true' });
    expect(spec.tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }]);
    expect(spec.priorityClassName).toBe('db-critical');
  });
});

describe('PodDisruptionBudget', () => {
  test('maxUnavailable 1 over all members, unhealthy pods always evictable', () => {
    const pdb = findObject(cluster({ instances: 3 }).objects, 'PodDisruptionBudget');
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'application': 'spilo', 'cluster-name': 'orders-db' } },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
  });

  test('none for a single instance (it could never be satisfied during a drain) or when disabled', () => {
    expect(cluster({ instances: 1 }).objects.map((o) => o.kind)).not.toContain('PodDisruptionBudget');
    expect(cluster({ instances: 3, podDisruptionBudget: false }).objects.map((o) => o.kind)).not.toContain('PodDisruptionBudget');
  });
});

describe('secrets, labels and escape hatches', () => {
  test('credentials can reference existing Secrets (name and keys)', () => {
    const { construct, objects } = cluster({
      superuserCredentials: Credentials.fromSecret('pg-admin', { passwordKey: 'pw' }),
      replicationCredentials: Credentials.fromSecret('pg-repl'),
      patroniApiCredentials: Credentials.fromSecret('pg-api'),
    });
    const env = envOf(spiloContainer(objects));
    expect(env.PGPASSWORD_SUPERUSER.secretKeyRef).toEqual({ name: 'pg-admin', key: 'pw' });
    expect(env.PGPASSWORD_STANDBY.secretKeyRef).toEqual({ name: 'pg-repl', key: 'password' });
    expect(objects.filter((o) => o.kind === 'Job').map((o) => o.metadata.name)).toEqual([expect.stringMatching(/-config-[0-9a-f]{10}$/), expect.stringMatching(/-upgrade-[0-9a-f]{10}$/)]);
    expect(construct.superuserSecretName).toBe('pg-admin');
    expect(construct.replicationSecretName).toBe('pg-repl');
  });

  test('labels and annotations reach every object, pod labels and annotations the pods; selectors stay stable', () => {
    const objects = cluster({
      instances: 2,
      labels: { team: 'checkout' },
      annotations: { 'example.com/owner': 'payments' },
      podLabels: { tier: 'db' },
      podAnnotations: { 'prometheus.io/scrape': 'true' },
    }).objects;
    for (const o of objects) expect(o.metadata.labels.team).toBe('checkout');
    for (const o of objects.filter((x) => ['StatefulSet', 'Service', 'PodDisruptionBudget'].includes(x.kind))) {
      expect(o.metadata.annotations['example.com/owner']).toBe('payments');
    }
    const sts = findObject(objects, 'StatefulSet');
    expect(sts.spec.template.metadata.labels).toMatchObject({ 'tier': 'db', 'team': 'checkout', 'application': 'spilo', 'cluster-name': 'orders-db' });
    expect(sts.spec.template.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true' });
    expect(sts.spec.selector.matchLabels).toEqual({ 'application': 'spilo', 'cluster-name': 'orders-db' });
  });

  test('extra containers, volumes and mounts', () => {
    const objects = cluster({
      extraContainers: [{ name: 'exporter', image: 'quay.io/prometheuscommunity/postgres-exporter:v0.15.0', ports: [{ name: 'metrics', containerPort: 9187 }] }],
      extraVolumes: [{ name: 'scripts', configMap: { name: 'my-scripts' } }],
      extraVolumeMounts: [{ name: 'scripts', mountPath: '/scripts/custom' }],
    }).objects;
    const spec = podSpec(objects);
    expect(spec.containers.map((c: any) => c.name)).toEqual(['postgres', 'exporter']);
    expect(spec.volumes).toContainEqual({ name: 'scripts', configMap: { name: 'my-scripts' } });
    expect(spiloContainer(objects).volumeMounts).toContainEqual({ name: 'scripts', mountPath: '/scripts/custom' });
  });

  test('apiObjects gives access to every object for JSON patches', () => {
    const { construct } = cluster({ instances: 2 });
    expect(construct.apiObjects.map((o) => o.kind).sort()).toEqual([
      'ConfigMap', 'ConfigMap', 'Job', 'Job', 'Job', 'NetworkPolicy', 'NetworkPolicy', 'NetworkPolicy', 'NetworkPolicy', 'PodDisruptionBudget', 'Role', 'Role', 'RoleBinding',
      'RoleBinding',
      'Service', 'Service', 'Service', 'ServiceAccount', 'ServiceAccount', 'StatefulSet',
    ]);
    expect(construct.statefulSet.kind).toBe('StatefulSet');
    expect(construct.primaryService.name).toBe('orders-db');
  });
});

describe('handles for apps', () => {
  test('service names, DNS names and secret names', () => {
    const { construct } = cluster({}, 'shop');
    expect(construct.primaryServiceName).toBe('orders-db');
    expect(construct.replicaServiceName).toBe('orders-db-repl');
    expect(construct.primaryHost).toBe('orders-db.shop.svc');
    expect(construct.replicaHost).toBe('orders-db-repl.shop.svc');
    expect(construct.memberHost(2)).toBe('orders-db-2.orders-db-headless.shop.svc');
    expect(construct.superuserSecretName).toBe('postgres.orders-db.credentials.postgresql.acid.zalan.do');
    expect(construct.port).toBe(5432);
  });

  test('connectionEnvVars: host, port, user and password from the Secret, TLS required', () => {
    const { construct } = cluster();
    expect(construct.connectionEnvVars({ user: 'postgres', database: 'orders' }).slice(0, 6)).toEqual([
      { name: 'PGHOST', value: 'orders-db.db.svc' },
      { name: 'PGPORT', value: '5432' },
      { name: 'PGUSER', valueFrom: { secretKeyRef: { name: 'postgres.orders-db.credentials.postgresql.acid.zalan.do', key: 'username' } } },
      { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'postgres.orders-db.credentials.postgresql.acid.zalan.do', key: 'password' } } },
      { name: 'PGSSLMODE', value: 'require' },
      { name: 'PGDATABASE', value: 'orders' },
    ]);
    expect(construct.connectionEnvVars({ user: 'postgres', readOnly: true })[0].value).toBe('orders-db-repl.db.svc');
    expect(() => construct.connectionEnvVars({ user: 'nobody' })).toThrow(/"nobody" is not a login user of this cluster \(known: postgres, standby\)/);
  });

  test('addConnectionEnv wires a cdk8s-plus container', () => {
    const chart = testChart();
    const db = new PostgresCluster(chart, 'orders', { name: 'orders-db', roles: [{ name: 'app' }] });
    const app = new kplus.Deployment(chart, 'app', { containers: [{ image: 'example/app:1.0', portNumber: 8080 }] });
    db.addConnectionEnv(app, { user: 'app' });
    const deployment = findObject(synth(chart), 'Deployment');
    const env = envOf(deployment.spec.template.spec.containers[0]);
    expect(env.PGHOST).toBe('orders-db.db.svc');
    expect(env.PGPASSWORD).toEqual({ secretKeyRef: { name: 'app.orders-db.credentials.postgresql.acid.zalan.do', key: 'password' } });
  });
});

describe('shared PatroniRbac', () => {
  test('two clusters share one identity whose Role names both clusters\' ConfigMaps', () => {
    const chart = testChart();
    const rbac = new PatroniRbac(chart, 'rbac', { name: 'patroni' });
    new PostgresCluster(chart, 'a', { name: 'a-db', rbac });
    new PostgresCluster(chart, 'b', { name: 'b-db', rbac });
    const objects = synth(chart);
    expect(objects.filter((o) => o.kind === 'Role' && o.metadata.name === 'patroni')).toHaveLength(1);
    for (const sts of objects.filter((o) => o.kind === 'StatefulSet')) expect(sts.spec.template.spec.serviceAccountName).toBe('patroni');
    const named = findObject(objects, 'Role', 'patroni').rules.find((r: any) => r.resourceNames);
    expect(named.resourceNames).toEqual(['a-db-leader', 'a-db-config', 'a-db-failover', 'a-db-sync', 'b-db-leader', 'b-db-config', 'b-db-failover', 'b-db-sync']);
  });
});

describe('determinism', () => {
  test('two synths of the same input are byte-identical', () => {
    const render = () => {
      const app = Testing.app();
      const chart = new Chart(app, 'c', { namespace: 'db' });
      new PostgresCluster(chart, 'orders', { name: 'orders-db', instances: 3, zoneSpread: Placement.REQUIRED, parameters: { work_mem: '8MB', jit: 'off' } });
      return app.synthYaml();
    };
    expect(render()).toEqual(render());
  });
});
