import { Chart, Testing } from 'cdk8s';
import * as cdk8s from 'cdk8s';
import * as lib from '../../../src';
import { CLUSTER_ATTRIBUTES_SCHEMA } from '../../../src/cluster/imported-cluster';
import { PATRONI_RBAC_SCHEMA } from '../../../src/cluster/patroni-rbac';
import { EXTERNAL_SECRET_SCHEMA } from '../../../src/credentials/external-secret';
import { SECRET_GENERATOR_SCHEMA } from '../../../src/credentials/secret-generator';
import { DATABASE_BOOTSTRAP_SCHEMA } from '../../../src/database/database-bootstrap';
import { BACKUP_SCHEDULE_SCHEMA } from '../../../src/logical-backup/prop-types';
import { DATABASE_NAMESPACE_SCHEMA } from '../../../src/namespace/database-namespace';
import { API_SERVER_SCHEMA, BACKUP_ENDPOINT_SCHEMA, DNS_EGRESS_SCHEMA, NETWORK_POLICY_SCHEMA, POOLER_NETWORK_SCHEMA } from '../../../src/network/prop-types';
import { POOLER_OPTIONS_SCHEMA } from '../../../src/pooler/prop-types';
import { PropSchema } from '../../../src/private/runtime-types';
import { validateTree } from '../../../src/private/tree-report';
import { ValidationError } from '../../../src/private/validation';
import { CERTIFICATE_SCHEMA } from '../../../src/tls/certificate';
import { interfaceMembers } from '../../harness/interfaces';

// The calls are written in plain JavaScript (no type checking at all), as an untyped caller writes them.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const untypedCalls: (library: typeof lib, c: typeof cdk8s) => Array<[string, string, (chart: Chart) => unknown, RegExp]> = require('./untyped-callers.js');

/** The error of building and validating the tree (a construction-time throw or the report at synth), or undefined. */
function errorOf(build: (chart: Chart) => unknown): unknown {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'db' });
  try {
    build(chart);
    validateTree(chart);
    return undefined;
  } catch (e) {
    return e;
  }
}

describe('plain JavaScript callers of every public construct get the rule-style report, never a TypeError or a silent default', () => {
  const cases = untypedCalls(lib, cdk8s);
  test('every public construct is covered', () => {
    expect([...new Set(cases.map(([construct]) => construct))].sort()).toEqual([
      'BackupSchedule', 'Certificate', 'DatabaseBootstrap', 'DatabaseNamespace', 'DatabaseNetworkPolicy', 'ExternalSecret', 'PatroniRbac',
      'PostgresCluster', 'SecretGenerator',
    ]);
  });
  test.each(cases)('%s: %s', (construct, _mistake, build, expected) => {
    const error = errorOf(build);
    expect(error).toBeInstanceOf(ValidationError);
    const message = (error as Error).message;
    expect(message).toMatch(new RegExp(`${construct}(\\.fromClusterAttributes)? c/`));
    expect(message).toMatch(expected);
  });
});

describe('the run-time schemas match the interfaces', () => {
  const SCHEMAS: Array<[PropSchema, string, string]> = [
    [PATRONI_RBAC_SCHEMA, 'cluster/patroni-rbac.ts', 'PatroniRbacProps'],
    [CLUSTER_ATTRIBUTES_SCHEMA, 'cluster/cluster-ref.ts', 'PostgresClusterAttributes'],
    [DATABASE_NAMESPACE_SCHEMA, 'namespace/database-namespace.ts', 'DatabaseNamespaceProps'],
    [SECRET_GENERATOR_SCHEMA, 'credentials/secret-generator.ts', 'SecretGeneratorProps'],
    [EXTERNAL_SECRET_SCHEMA, 'credentials/external-secret.ts', 'ExternalSecretProps'],
    [DATABASE_BOOTSTRAP_SCHEMA, 'database/database-bootstrap.ts', 'DatabaseBootstrapProps'],
    [BACKUP_SCHEDULE_SCHEMA, 'logical-backup/props.ts', 'BackupScheduleProps'],
    [NETWORK_POLICY_SCHEMA, 'network/network-policy-props.ts', 'DatabaseNetworkPolicyProps'],
    [API_SERVER_SCHEMA, 'network/network-policy-props.ts', 'ApiServerEndpoint'],
    [DNS_EGRESS_SCHEMA, 'network/network-policy-props.ts', 'DnsEgress'],
    [BACKUP_ENDPOINT_SCHEMA, 'network/network-policy-props.ts', 'BackupEndpoint'],
    [POOLER_NETWORK_SCHEMA, 'network/network-policy-props.ts', 'PoolerNetworkOptions'],
    [POOLER_OPTIONS_SCHEMA, 'pooler/props.ts', 'ConnectionPoolerOptions'],
    [CERTIFICATE_SCHEMA, 'tls/certificate.ts', 'CertificateProps'],
  ];
  test.each(SCHEMAS)('%#: %s %s', (schema, file, name) => {
    expect(Object.keys(schema.types).sort()).toEqual(interfaceMembers(file, name));
  });
});
