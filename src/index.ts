export * from './cluster/postgres-cluster';
export * from './cluster/patroni-settings';
export * from './rbac/patroni-rbac';
export * from './policy/pod-security';
export * from './credentials/secret-generator-script';
