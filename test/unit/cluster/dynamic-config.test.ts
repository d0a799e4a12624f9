import { Chart, Duration, Size, Testing } from 'cdk8s';
import { ClusterBootstrap, GitOpsOrdering, PostgresCluster, PostgresClusterProps, SynchronousMode } from '../../../src';
import { dynamicConfiguration, restartParameters, SPILO_DCS_PARAMETERS, splitLocalParameters } from '../../../src/cluster/dynamic-config';
import { resolvePatroniSettings } from '../../../src/cluster/patroni-dcs';
import { findObject, spiloConfiguration, spiloContainer } from '../../harness/synth';

function synth(props: Partial<PostgresClusterProps> = {}): any[] {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'db' });
  new PostgresCluster(chart, 'db', { name: 'orders-db', instances: 3, ...props });
  return Testing.synth(chart);
}

function desired(objects: any[]): any {
  return JSON.parse(findObject(objects, 'ConfigMap', 'orders-db-dynamic-config').data['dynamic-configuration.json']);
}

function configJob(objects: any[]): any {
  const jobs = objects.filter((o) => o.kind === 'Job' && /^orders-db-config-[0-9a-f]{10}$/.test(o.metadata.name));
  expect(jobs).toHaveLength(1);
  return jobs[0];
}

describe('the dynamic configuration (pure)', () => {
  test('only the parameters Spilo sets locally stay local: in Patroni a local value wins over the dynamic one', () => {
    expect(splitLocalParameters({ shared_buffers: '1GB', work_mem: '4MB', max_connections: '200', ssl: 'on' }))
      .toEqual({ local: { shared_buffers: '1GB', ssl: 'on' }, dynamic: { max_connections: '200', work_mem: '4MB' } });
  });

  test('Spilo\'s bootstrap parameters are declared under the library\'s and the user\'s, synchronous mode is explicit', () => {
    const config: any = dynamicConfiguration(resolvePatroniSettings({}), { log_statement: 'all', work_mem: '4MB', shared_buffers: '1GB' });
    expect(config.postgresql.parameters).toEqual({ ...SPILO_DCS_PARAMETERS, log_statement: 'all', work_mem: '4MB' });
    expect(Object.keys(config.postgresql.parameters)).toEqual(Object.keys(config.postgresql.parameters).sort());
    expect(config).toMatchObject({ ttl: 30, loop_wait: 10, retry_timeout: 10, failsafe_mode: true });
    expect(config).toMatchObject({ synchronous_mode: false, synchronous_mode_strict: false, synchronous_node_count: 1 });
    expect(config.standby_cluster).toBeUndefined();
    const strict: any = dynamicConfiguration(resolvePatroniSettings({ synchronousMode: SynchronousMode.STRICT, synchronousNodeCount: 2 }), {});
    expect(strict).toMatchObject({ synchronous_mode: true, synchronous_mode_strict: true, synchronous_node_count: 2 });
  });

  test('a streaming standby carries standby_cluster; without one there is none', () => {
    const config: any = dynamicConfiguration(resolvePatroniSettings({}), {}, { host: 'orders-db.eu.example.com', port: 5433, primarySlotName: 'dr' });
    expect(config.standby_cluster).toEqual({ host: 'orders-db.eu.example.com', port: 5433, primary_slot_name: 'dr' });
  });

  test('restart parameters come from PostgreSQL\'s catalog (context postmaster)', () => {
    const names = restartParameters(17);
    expect(names).toEqual(expect.arrayContaining(['max_connections', 'max_files_per_process', 'shared_buffers', 'wal_level']));
    expect(names).not.toContain('work_mem');
    expect(names).not.toContain('statement_timeout');
  });
});

describe('the ConfigMap, the members and the Job', () => {
  test('the members bootstrap with the ConfigMap\'s content: bootstrap.dcs is a reference the kubelet expands', () => {
    const objects = synth();
    const env = spiloContainer(objects).env as any[];
    const names = env.map((e) => e.name);
    expect(env.find((e) => e.name === 'PGAAS_DYNAMIC_CONFIGURATION').valueFrom)
      .toEqual({ configMapKeyRef: { name: 'orders-db-dynamic-config', key: 'dynamic-configuration.json' } });
    expect(names.indexOf('PGAAS_DYNAMIC_CONFIGURATION')).toBeLessThan(names.indexOf('SPILO_CONFIGURATION'));
    expect(env.find((e) => e.name === 'SPILO_CONFIGURATION').value).toContain('"dcs": $(PGAAS_DYNAMIC_CONFIGURATION)');
    expect(spiloConfiguration(objects).bootstrap.dcs).toEqual(desired(objects));
    // The ConfigMap exists before the members start (a missing key would keep them in CreateContainerConfigError).
    const sts = findObject(objects, 'StatefulSet');
    expect(objects.indexOf(findObject(objects, 'ConfigMap', 'orders-db-dynamic-config'))).toBeLessThan(objects.indexOf(sts));
  });

  test('a reload parameter or a Patroni setting changes the ConfigMap and the Job name, never the pod template', () => {
    const base = synth({ parameters: { work_mem: '4MB' } });
    const changed = synth({ parameters: { work_mem: '8MB', max_files_per_process: '2000' }, patroni: { ttl: Duration.seconds(40), maximumLagOnFailover: Size.mebibytes(8) } });
    expect(findObject(changed, 'StatefulSet')).toEqual(findObject(base, 'StatefulSet'));
    expect(desired(changed)).toMatchObject({ ttl: 40, maximum_lag_on_failover: 8 * 1024 * 1024, postgresql: { parameters: { work_mem: '8MB', max_files_per_process: '2000' } } });
    expect(configJob(changed).metadata.name).not.toBe(configJob(base).metadata.name);
    expect(configJob(synth({ parameters: { work_mem: '4MB' } })).metadata.name).toBe(configJob(base).metadata.name);
  });

  test('a parameter Spilo sets locally (shared_buffers) stays in the pod template and rolls the members', () => {
    const base = synth({ parameters: { shared_buffers: '128MB' } });
    const changed = synth({ parameters: { shared_buffers: '256MB' } });
    expect(spiloConfiguration(changed).postgresql.parameters).toEqual({ shared_buffers: '256MB' });
    expect(findObject(changed, 'StatefulSet').spec.template).not.toEqual(findObject(base, 'StatefulSet').spec.template);
  });

  test('promoting a streaming standby (removing its source) changes no pod, only standby_cluster', () => {
    const standby = synth({ instances: 2, source: ClusterBootstrap.standbyOf({ host: 'orders-db.eu.example.com' }) });
    const promoted = synth({ instances: 2 });
    expect(desired(standby).standby_cluster).toEqual({ host: 'orders-db.eu.example.com' });
    expect(desired(promoted).standby_cluster).toBeUndefined();
    expect(findObject(promoted, 'StatefulSet')).toEqual(findObject(standby, 'StatefulSet'));
    expect((spiloContainer(standby).env as any[]).map((e) => e.name)).not.toContain('STANDBY_HOST');
  });

  test('the Job needs no Kubernetes API: no ServiceAccount token, the members\' REST API by pod DNS, authenticated from the Secret', () => {
    const objects = synth();
    const job = configJob(objects);
    const pod = job.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBeUndefined();
    const env = Object.fromEntries((pod.containers[0].env as any[]).map((e) => [e.name, e.value ?? e.valueFrom]));
    expect(env.PATRONI_URLS).toBe([0, 1, 2].map((i) => `http://orders-db-${i}.orders-db-headless.db.svc:8008`).join(' '));
    expect(env.PATRONI_RESTAPI_PASSWORD).toEqual({ secretKeyRef: { name: 'patroni-api.orders-db.credentials.postgresql.acid.zalan.do', key: 'password' } });
    expect(pod.containers[0].command.slice(0, 2)).toEqual(['python3', '/etc/pgaas/dynamic-config/apply-config.py']);
    expect(pod.volumes).toEqual([{ name: 'config', configMap: { name: 'orders-db-dynamic-config' } }]);
    // Its pods are in a NetworkPolicy group of their own (never the members'), which the members admit on 8008 only.
    expect(job.spec.template.metadata.labels['cdk8s-pgaas.io/network-group']).toBe('orders-db-config');
    expect(findObject(objects, 'NetworkPolicy', 'orders-db-config').spec.podSelector.matchLabels).toEqual({ 'cdk8s-pgaas.io/network-group': 'orders-db-config' });
    const data = findObject(objects, 'ConfigMap', 'orders-db-dynamic-config').data;
    expect(data['apply-config.py']).toContain('MANAGED = json.loads(\'["ttl","loop_wait",');
    expect(data['restart-parameters'].split('\n')).toContain('max_files_per_process');
  });

  test('with Argo CD ordering the Job runs in the bootstrap wave, after the members', () => {
    expect(configJob(synth({ gitOpsOrdering: GitOpsOrdering.ARGO_CD })).metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('1');
    expect(configJob(synth()).metadata.annotations['argocd.argoproj.io/sync-wave']).toBeUndefined();
  });
});
