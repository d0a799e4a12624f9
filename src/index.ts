export * from './cluster/postgres-cluster';
export * from './cluster/patroni-settings';
export * from './rbac/patroni-rbac';
export * from './policy/pod-security';
export * from './credentials/secret-generator-script';
export * from './database/roles';
export * from './database/bootstrap-sql';
export * from './backup/logical-backup-scripts';
