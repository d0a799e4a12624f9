import { Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { PatroniRbac } from './patroni-rbac';
import { PatroniProfile, SynchronousMode } from './patroni-settings';
import { ClusterBootstrap } from '../backup/cluster-bootstrap';
import { Credentials } from '../credentials/credentials';
import { GitOpsOrdering, SecretGenerator } from '../credentials/secret-generator';
import { POOLER_OPTIONS_SCHEMA } from '../pooler/prop-types';
import { PropSchema, PropType } from '../private/runtime-types';
import { PLACEMENT_TYPES } from '../scheduling/prop-types';
import { ServerTls } from '../tls/server-tls';
import { MajorUpgradeMode } from '../upgrade/props';

const size: PropType = { instanceOf: Size, example: 'Size.gibibytes(n) / Size.mebibytes(n)' };
const duration: PropType = { instanceOf: Duration, example: 'Duration.seconds(n) / Duration.minutes(n)' };
const cpu: PropType = { instanceOf: kplus.Cpu, example: 'Cpu.millis(n) / Cpu.units(n)' };
const credentials: PropType = { instanceOf: Credentials, example: 'Credentials.generated() / fromSecret() / fromExternalSecret()' };
// Shared with the pooler's options (scheduling/prop-types.ts).
export { PLACEMENT_TYPES };

/** {@link PatroniSettings} at run time. */
export const PATRONI_SETTINGS_SCHEMA: PropSchema = {
  types: {
    profile: { enumOf: PatroniProfile, name: 'PatroniProfile' },
    ttl: duration,
    loopWait: duration,
    retryTimeout: duration,
    maximumLagOnFailover: size,
    synchronousMode: { enumOf: SynchronousMode, name: 'SynchronousMode' },
    synchronousNodeCount: 'integer',
    failsafeMode: 'boolean',
  },
};

const RESOURCES_SCHEMA: PropSchema = {
  types: {
    cpu: { fields: { types: { request: cpu, limit: cpu } } },
    memory: { fields: { types: { request: size, limit: size } } },
    ephemeralStorage: { fields: { types: { request: size, limit: size } } },
  },
};

/**
 * {@link PostgresClusterProps} at run time: every property, its type, and the required ones. A property added to
 * the interface must be added here (test/unit/cluster/prop-types.test.ts compares the two).
 */
export const CLUSTER_PROPS_SCHEMA: PropSchema = {
  required: ['name'],
  types: {
    ...PLACEMENT_TYPES,
    name: 'string',
    instances: 'integer',
    postgresVersion: 'integer',
    image: 'string',
    imagePostgresVersions: 'integer[]',
    imagePullSecrets: 'string[]',
    storage: size,
    storageClassName: 'string',
    volumeClaimTemplate: { fields: { required: ['storage'], types: { storage: size, storageClassName: 'string' } } },
    deleteVolumesWithCluster: 'boolean',
    resources: { fields: RESOURCES_SCHEMA },
    parameters: 'record',
    patroni: { fields: PATRONI_SETTINGS_SCHEMA },
    rbac: { instanceOf: PatroniRbac, example: 'new PatroniRbac(...)' },
    superuserCredentials: credentials,
    replicationCredentials: credentials,
    roles: 'array',
    databases: 'array',
    roleCredentials: 'object',
    passwordSync: 'boolean',
    secretGenerator: { instanceOf: SecretGenerator, example: 'new SecretGenerator(...)' },
    connectionPooler: { fields: POOLER_OPTIONS_SCHEMA },
    tls: { instanceOf: ServerTls, example: 'ServerTls.certManager(...) / ServerTls.fromSecret(...)' },
    clientCertificates: 'object',
    clusterDomain: 'string',
    patroniApiCredentials: credentials,
    backup: 'object',
    source: { instanceOf: ClusterBootstrap, example: 'ClusterBootstrap.pointInTime(...) / cloneFrom(...) / standby(...)' },
    networkPolicy: 'object',
    monitoring: 'object',
    majorUpgrade: { fields: { types: { mode: { enumOf: MajorUpgradeMode, name: 'MajorUpgradeMode' }, fromVersion: 'integer', maximumLagBytes: 'integer' } } },
    gitOpsOrdering: { enumOf: GitOpsOrdering, name: 'GitOpsOrdering' },
    labels: 'record',
    annotations: 'record',
    podLabels: 'record',
    podAnnotations: 'record',
    extraEnv: 'array',
    extraContainers: 'array',
    extraVolumes: 'array',
    extraVolumeMounts: 'array',
  },
};
