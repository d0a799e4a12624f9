import { Chart, Duration, Testing } from 'cdk8s';
import { Credentials, PostgresCluster, ServerTls } from '../../../src';
import { built as validatedTree } from '../../harness/synth';

function problems(props: Record<string, unknown>): string[] {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'db' });
  try {
    validatedTree(new PostgresCluster(chart, 'db', { name: 'orders-db', ...props } as any));
    return [];
  } catch (e) {
    return (e as Error).message.split('\n').slice(1);
  }
}

const certManager = (options: Record<string, unknown>) => ({ tls: ServerTls.certManager({ issuerName: 'ca-issuer', ...options } as any) });

const INVALID: [string, Record<string, unknown>, RegExp][] = [
  ['an issuer name that is no object name', certManager({ issuerName: 'CA Issuer' }), /tls.issuerName: "CA Issuer"/],
  ['an unknown issuer kind', certManager({ issuerKind: 'GlobalIssuer' }), /tls.issuerKind: "GlobalIssuer" is invalid: must be one of Issuer, ClusterIssuer/],
  ['an unknown key algorithm', certManager({ privateKeyAlgorithm: 'DSA' }), /tls.privateKeyAlgorithm: "DSA"/],
  ['a duration under 1h', certManager({ duration: Duration.minutes(30), renewBefore: Duration.minutes(10) }), /tls.duration: "1800s" is invalid: must be at least 1h/],
  ['renewBefore under 5m', certManager({ renewBefore: Duration.minutes(1) }), /tls.renewBefore: "60s" is invalid: must be at least 5m/],
  ['renewBefore not shorter than duration', certManager({ duration: Duration.days(30), renewBefore: Duration.days(30) }), /tls.renewBefore.*shorter than duration/],
  ['an invalid extra DNS name', certManager({ extraDnsNames: ['db_example.com'] }), /tls.extraDnsNames: "db_example.com"/],
  ['a Secret key with a slash', { tls: ServerTls.fromSecret('db-tls', { certificateKey: 'certs/tls.crt' }) }, /tls.certificateKey: "certs\/tls.crt" is invalid: must be a Secret key/],
  ['a Secret key ".."', { superuserCredentials: Credentials.fromSecret('pg', { passwordKey: '..' }) }, /passwordKey: ".." is invalid/],
  ['an unknown ExternalSecret store kind', {
    superuserCredentials: Credentials.fromExternalSecret({ secretStoreName: 'vault', secretStoreKind: 'VaultStore', remoteKey: 'pg/postgres' } as any),
  }, /secretStoreKind: "VaultStore" is invalid: must be one of SecretStore, ClusterSecretStore/],
];

const VALID: [string, Record<string, unknown>][] = [
  ['the defaults (90 days, renew 30 days before)', certManager({})],
  ['exactly cert-manager\'s minimums', certManager({ duration: Duration.hours(1), renewBefore: Duration.minutes(5) })],
  ['a ClusterIssuer with RSA', certManager({ issuerKind: 'ClusterIssuer', privateKeyAlgorithm: 'RSA' })],
  ['an external issuer group with its own kind', certManager({ issuerGroup: 'awspca.cert-manager.io', issuerKind: 'AWSPCAClusterIssuer' })],
  ['a wildcard extra DNS name', certManager({ extraDnsNames: ['*.db.example.com'] })],
  ['a ClusterSecretStore', { superuserCredentials: Credentials.fromExternalSecret({ secretStoreName: 'vault', secretStoreKind: 'ClusterSecretStore', remoteKey: 'pg/postgres' } as any) }],
];

describe('cert-manager Certificate fields, Secret keys and ExternalSecret stores', () => {
  test.each(INVALID)('%s is rejected', (_what, props, expected) => {
    const found = problems(props);
    expect({ found, matches: found.some((p) => expected.test(p)) }).toMatchObject({ matches: true });
  });
  test.each(VALID)('%s is accepted', (_what, props) => expect(problems(props)).toEqual([]));
});
