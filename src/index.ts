// The public API: constructs, their props, enum-like classes, handles and the checkers.
// Renderers and resolved types stay internal (import them by path in tests only).

// cluster/
export * from './cluster/postgres-cluster';
export * from './cluster/props';
export * from './cluster/cluster-ref';
export * from './cluster/patroni-rbac';
export * from './cluster/patroni-settings';

// scheduling/
export * from './scheduling/pod-placement';

export * from './audit/pod-security';
export * from './credentials/secret-generator-script';
export * from './database/roles';
export * from './database/bootstrap-sql';
export * from './logical-backup/logical-backup-scripts';
export * from './credentials/credentials';
export * from './credentials/external-secret';
export * from './credentials/secret-generator';
export * from './database/database-bootstrap';
export * from './network/network-policy';
export * from './tls/certificate';
export * from './tls/server-tls';
export * from './audit/policy-rules';
export * from './backup/backup-storage';
export * from './backup/spilo-backup';
export * from './logical-backup/backup-schedule';
export * from './pooler/connection-pooler';
export * from './pooler/props';
export * from './pooler/pool-mode';
