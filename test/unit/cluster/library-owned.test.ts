import * as fc from 'fast-check';
import { ownedEnvReason, SPILO_OWNED_ENV } from '../../../src/cluster/library-owned';
import { PostgresClusterProps } from '../../../src/cluster/props';
import { MANAGED_ENV } from '../../../src/cluster/spilo-contract';
import { ServerTls } from '../../../src/tls/server-tls';
import { clusterProblems } from '../../harness/synth';

const problems = clusterProblems;

const volume = (name: string) => ({ name, emptyDir: {} });
const sidecar = (name: string, ports: { containerPort: number; name?: string }[]) => ({ name, image: 'example.com/exporter:1.0', ports });

// [what, props, expected problem]
const SHADOWS: [string, Partial<PostgresClusterProps>, RegExp][] = [
  ['the data directory', { extraEnv: [{ name: 'PGDATA', value: '/tmp/x' }] }, /PGDATA.*owned by the library/],
  ['the PostgreSQL port', { extraEnv: [{ name: 'PGPORT', value: '5433' }] }, /PGPORT.*5432/],
  ['the REST API port', { extraEnv: [{ name: 'APIPORT', value: '8009' }] }, /APIPORT/],
  ['the namespace', { extraEnv: [{ name: 'NAMESPACE', value: 'other' }] }, /NAMESPACE.*split the DCS/],
  ['a clone source', { extraEnv: [{ name: 'CLONE_WITH_WALE', value: 'x' }] }, /source property/],
  ['another consensus store', { extraEnv: [{ name: 'ETCD_HOSTS', value: 'etcd:2379' }] }, /Kubernetes API/],
  ['a set variable (existing rule)', { extraEnv: [{ name: 'PGROOT', value: '/x' }] }, /PGROOT.*set by the library/],
  ['a mount under the data directory', { extraVolumes: [volume('x')], extraVolumeMounts: [{ name: 'x', mountPath: '/home/postgres/pgdata/pgroot' }] }, /shadows or nests.*\/home\/postgres\/pgdata/],
  ['a mount above the data directory', { extraVolumes: [volume('x')], extraVolumeMounts: [{ name: 'x', mountPath: '/home/postgres' }] }, /shadows or nests/],
  ['a mount at the data directory with a trailing slash', { extraVolumes: [volume('x')], extraVolumeMounts: [{ name: 'x', mountPath: '/home/postgres/pgdata/' }] }, /shadows or nests/],
  ['a mount under /dev/shm', { extraVolumes: [volume('x')], extraVolumeMounts: [{ name: 'x', mountPath: '/dev/shm/x' }] }, /\/dev\/shm/],
  ['a mount over the TLS Secret', { tls: ServerTls.fromSecret('db-tls'), extraVolumes: [volume('x')], extraVolumeMounts: [{ name: 'x', mountPath: '/tls' }] }, /\/tls \(volume tls\)/],
  ['the same path twice', { extraVolumes: [volume('x'), volume('y')], extraVolumeMounts: [{ name: 'x', mountPath: '/extra' }, { name: 'y', mountPath: '/extra/' }] }, /mounted twice/],
  ['a relative path', { extraVolumes: [volume('x')], extraVolumeMounts: [{ name: 'x', mountPath: 'extra' }] }, /absolute/],
  ['a sidecar on the PostgreSQL port', { extraContainers: [sidecar('proxy', [{ containerPort: 5432 }])] }, /5432.*taken by PostgreSQL/],
  ['a sidecar on the Patroni port', { extraContainers: [sidecar('proxy', [{ containerPort: 8008 }])] }, /taken by Patroni/],
  ['a sidecar on bg_mon\'s port', { extraContainers: [sidecar('proxy', [{ containerPort: 8080 }])] }, /bg_mon/],
  ['two sidecars on one port', { extraContainers: [sidecar('a', [{ containerPort: 9187 }]), sidecar('b', [{ containerPort: 9187 }])] }, /taken by container a/],
  ['a sidecar port named like Spilo\'s', { extraContainers: [sidecar('a', [{ containerPort: 9187, name: 'patroni' }])] }, /used by another container/],
  ['a port out of range', { extraContainers: [sidecar('a', [{ containerPort: 70000 }])] }, /1 to 65535/],
];

const ALLOWED: [string, Partial<PostgresClusterProps>][] = [
  ['WAL-G tuning', { extraEnv: [{ name: 'WALG_UPLOAD_CONCURRENCY', value: '4' }] }],
  ['an unrelated variable', { extraEnv: [{ name: 'TZ', value: 'UTC' }] }],
  ['a mount beside the data directory', { extraVolumes: [volume('x')], extraVolumeMounts: [{ name: 'x', mountPath: '/home/postgres/pgdata-extra' }] }],
  ['an exporter sidecar', { extraContainers: [sidecar('exporter', [{ containerPort: 9187, name: 'metrics' }])] }],
];

describe('escape hatches may not shadow what the library owns', () => {
  test.each(SHADOWS)('%s is rejected', (_what, props, expected) => {
    const found = problems(props);
    expect(found.some((p) => expected.test(p))).toBe(true);
  });

  test.each(ALLOWED)('%s is accepted', (_what, props) => expect(problems(props)).toEqual([]));

  test('property: every owned or managed name is rejected in extraEnv, every other WALG_ name is not', () => {
    fc.assert(fc.property(fc.constantFrom(...Object.keys(SPILO_OWNED_ENV), ...MANAGED_ENV), (name) =>
      problems({ extraEnv: [{ name, value: 'x' }] }).length > 0));
    fc.assert(fc.property(fc.stringMatching(/^[A-Z_]{1,12}$/), (suffix) => ownedEnvReason(`WALG_${suffix}`) === undefined || MANAGED_ENV.includes(`WALG_${suffix}`)));
  });

  test('property: any mount path at or under /home/postgres/pgdata is rejected', () => {
    fc.assert(fc.property(fc.array(fc.stringMatching(/^[a-z0-9_.-]{1,8}$/).filter((c) => c !== '..' && c !== '.'), { maxLength: 3 }), (parts) => {
      const mountPath = ['/home/postgres/pgdata', ...parts].join('/');
      return problems({ extraVolumes: [volume('x')], extraVolumeMounts: [{ name: 'x', mountPath }] }).length > 0;
    }), { numRuns: 30 });
  });
});
