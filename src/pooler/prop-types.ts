import * as kplus from 'cdk8s-plus-27';
import { PoolMode } from './pool-mode';
import { Credentials } from '../credentials/credentials';
import { DURATION, PropSchema, PropType, SIZE } from '../private/runtime-types';
import { PLACEMENT_TYPES } from '../scheduling/prop-types';

const cpu: PropType = { instanceOf: kplus.Cpu, example: 'Cpu.millis(n) / Cpu.units(n)' };
const memory: PropType = { fields: { types: { request: SIZE, limit: SIZE } } };

/** {@link ConnectionPoolerOptions} at run time (the cluster's `connectionPooler`). */
export const POOLER_OPTIONS_SCHEMA: PropSchema = {
  types: {
    ...PLACEMENT_TYPES,
    replicas: 'integer',
    replicaPooler: 'boolean',
    poolMode: { enumOf: PoolMode, name: 'PoolMode' },
    image: 'string',
    imagePullSecrets: 'string[]',
    resources: { fields: { types: { cpu: { fields: { types: { request: cpu, limit: cpu } } }, memory, ephemeralStorage: memory } } },
    maxClientConnections: 'integer',
    defaultPoolSize: 'integer',
    reservedConnections: 'integer',
    databases: 'string[]',
    clientTlsSecretName: 'string',
    serverIdleTimeout: DURATION,
    serverLifetime: DURATION,
    serverConnectTimeout: DURATION,
    queryWaitTimeout: DURATION,
    clientIdleTimeout: DURATION,
    poolerRole: 'string',
    credentials: { instanceOf: Credentials, example: 'Credentials.generated() / fromSecret() / fromExternalSecret()' },
    labels: 'record',
    podAnnotations: 'record',
  },
};
