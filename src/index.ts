// The public API: constructs, their props, enum-like classes, handles and the checkers, listed by
// name so that nothing internal (renderers, resolvers, resolved types) leaks into it. Tests import
// internals by path. Interfaces are re-exported with `export type` (the tests compile with
// isolatedModules).

// cluster/: the PostgreSQL cluster, its handle and Patroni's RBAC
export { PostgresCluster } from './cluster/postgres-cluster';
export type { PostgresClusterProps, ClusterNetworkPolicyOptions } from './cluster/props';
export type { VolumeClaimTemplate } from './cluster/volume-claim-template';
export type { IPostgresCluster, ConnectionEnvOptions, PostgresClusterAttributes } from './cluster/cluster-ref';
export { PatroniRbac } from './cluster/patroni-rbac';
export type { PatroniRbacProps } from './cluster/patroni-rbac';
export { SynchronousMode, PatroniProfile } from './cluster/patroni-settings';
export type { PatroniSettings, ResolvedPatroniSettings } from './cluster/patroni-settings';

// connect/: what the connection helpers take (workloads of any cdk8s-plus version)
export type { IConnectableWorkload, IConnectableContainer, IContainerEnvironment, IWorkloadPods } from './connect/workload';

// namespace/: the optional Namespace, with Pod Security labels
export { DatabaseNamespace } from './namespace/database-namespace';
export type { DatabaseNamespaceProps } from './namespace/database-namespace';

// scheduling/: placement shared by the members and the pooler
export { Placement } from './scheduling/pod-placement';
export type { PodPlacementOptions } from './scheduling/pod-placement';

// pooler/: PgBouncer in front of a cluster
export { ConnectionPooler } from './pooler/connection-pooler';
export type { ConnectionPoolerTier } from './pooler/connection-pooler';
export type { ConnectionPoolerOptions, PoolerConnectionEnvOptions } from './pooler/props';
export { PoolMode } from './pooler/pool-mode';

// backup/: what the cluster consumes (archiving, storage, clone / point-in-time / standby sources)
export { BackupStorage, BackupStorageProvider, S3ServerSideEncryption } from './backup/backup-storage';
export type { S3BackupStorageProps, GcsBackupStorageProps, AzureBackupStorageProps } from './backup/backup-storage';
export { StorageCredentials, StorageCredentialsKind } from './backup/storage-credentials';
export type { AwsAccessKeyOptions, SecretCredentialKeyOptions, WorkloadIdentityOptions } from './backup/storage-credentials';
export { ClusterBootstrap, ClusterBootstrapKind } from './backup/cluster-bootstrap';
export type { ArchiveSource, PointInTimeRecoveryProps, BasebackupCloneProps, StandbyClusterProps } from './backup/cluster-bootstrap';
export type { ContinuousBackupProps } from './backup/continuous-backup';

// logical-backup/: what consumes a cluster (scheduled, verified dumps)
export { BackupSchedule } from './logical-backup/backup-schedule';
export type { BackupScheduleProps } from './logical-backup/props';
export { BackupTarget, BackupTargetKind } from './logical-backup/backup-target';
export type { NewBackupVolumeProps } from './logical-backup/backup-target';

// database/: roles, databases and their bootstrap Job
export { DatabaseBootstrap } from './database/database-bootstrap';
export type { DatabaseBootstrapProps, SecretKeyReference } from './database/database-bootstrap';
export type { RoleProps, DatabaseProps, DatabaseBootstrapSpec } from './database/roles';

// credentials/: where passwords come from
export { Credentials, CredentialsSource, RotationStrategy, SecretStoreKind } from './credentials/credentials';
export type {
  GeneratedCredentialsOptions, ExistingSecretOptions, ExternalSecretCredentialsOptions, ResolvedCredentials,
} from './credentials/credentials';
export { ExternalSecret } from './credentials/external-secret';
export type {
  ExternalSecretProps, ExternalSecretStoreRef, ExternalSecretData, ExternalSecretRemoteRef, ExternalSecretTarget,
} from './credentials/external-secret';
export { SecretGenerator, GitOpsOrdering } from './credentials/secret-generator';
export type { SecretGeneratorProps } from './credentials/secret-generator';
export type { AlternatingUsersSpec, GeneratedSecretSpec } from './credentials/secret-generator-script';

// network/: NetworkPolicies and their peers
export { DatabaseNetworkPolicy, NetworkPeer } from './network/network-policy';
export type {
  IDatabaseNetworkPolicy, DatabaseNetworkPolicyProps, ApiServerEndpoint, BackupEndpoint, DnsEgress, PoolerNetworkOptions,
} from './network/network-policy';

// tls/: server certificates and client-certificate authentication
export { ServerTls } from './tls/server-tls';
export type { CertManagerTlsOptions, SecretTlsOptions, ClientCertificateOptions } from './tls/server-tls';
export { Certificate, CertificateIssuerKind, PrivateKeyAlgorithm } from './tls/certificate';
export type { CertificateProps, CertificateIssuerRef, CertificatePrivateKey } from './tls/certificate';

// audit/: the offline checkers, for your own charts too
export { PodSecurity, PodSecurityLevel } from './audit/pod-security';
export type { PodSecurityCheckOptions, PodSecurityViolation } from './audit/pod-security';
export { PolicyRules, PolicyCheck, PolicyExemptions } from './audit/policy-rules';
export type { PolicyViolation, PolicyExemption, PolicyRulesOptions } from './audit/policy-rules';

// monitoring/: exporter, PodMonitor and alerts of a cluster
export type { ClusterMonitoringOptions, AlertThresholds } from './monitoring/props';

// synth/: synthesis in linear time for apps with many charts
export { FleetApp } from './synth/fleet-app';
export { LinearSynth } from './synth/linear-synth';

// upgrade/: the declarative major version upgrade
export { MajorUpgradeJob } from './upgrade/major-upgrade-job';
export type { MajorUpgradeJobProps } from './upgrade/major-upgrade-job';
export type { MajorUpgradeOptions } from './upgrade/props';
export { MajorUpgradeMode } from './upgrade/props';
