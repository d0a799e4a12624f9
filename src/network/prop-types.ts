import { NetworkPeer } from './network-peer';
import { PropSchema, PropType } from '../private/runtime-types';

const peers: PropType = { arrayOf: { instanceOf: NetworkPeer, example: 'NetworkPeer.namespace(...) / pods(...) / ipBlock(...)' } };

/** {@link ApiServerEndpoint} at run time. */
export const API_SERVER_SCHEMA: PropSchema = { required: ['cidrs'], types: { cidrs: 'string[]', port: 'integer', additionalPorts: 'integer[]' } };
/** {@link DnsEgress} at run time. */
export const DNS_EGRESS_SCHEMA: PropSchema = { types: { peers, port: 'integer' } };
/** {@link BackupEndpoint} at run time. */
export const BACKUP_ENDPOINT_SCHEMA: PropSchema = { required: ['cidrs'], types: { cidrs: 'string[]', except: 'string[]', port: 'integer' } };
/** {@link PoolerNetworkOptions} at run time. */
export const POOLER_NETWORK_SCHEMA: PropSchema = { required: ['podLabels'], types: { podLabels: 'record', port: 'integer', metricsPort: 'integer', allowFrom: peers } };

/** {@link DatabaseNetworkPolicyProps} at run time (test/unit/private/construct-prop-types.test.ts compares the two). */
export const NETWORK_POLICY_SCHEMA: PropSchema = {
  required: ['name', 'databasePodLabels', 'apiServer'],
  types: {
    name: 'string',
    databasePodLabels: 'record',
    postgresPort: 'integer',
    patroniPort: 'integer',
    apiServer: { fields: API_SERVER_SCHEMA },
    dns: { fields: DNS_EGRESS_SCHEMA },
    allowFrom: peers,
    patroniApiFrom: peers,
    metricsFrom: peers,
    metricsPort: 'integer',
    pooler: { fields: POOLER_NETWORK_SCHEMA },
    bootstrapJobPodLabels: 'record',
    secretGeneratorPodLabels: 'record',
    backupEndpoints: { fields: BACKUP_ENDPOINT_SCHEMA },
    labels: 'record',
  },
};
