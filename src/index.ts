export * from './cluster/postgres-cluster';
export * from './cluster/patroni-settings';
export * from './rbac/patroni-rbac';
