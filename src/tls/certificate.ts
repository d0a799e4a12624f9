import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import { PropSchema, requirePropTypes } from '../private/runtime-types';
import { reportErrors } from '../private/tree-report';
import { check, Problem, ValidationErrors } from '../private/validation';

const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;

/** Kind of a cert-manager issuer. */
export enum CertificateIssuerKind {
  /** An Issuer in the Certificate's namespace. */
  ISSUER = 'Issuer',
  /** A cluster-wide ClusterIssuer. */
  CLUSTER_ISSUER = 'ClusterIssuer',
}

/** Private key algorithm of a cert-manager Certificate. */
export enum PrivateKeyAlgorithm {
  /** ECDSA P-256: small, fast, supported by every libpq with OpenSSL. */
  ECDSA = 'ECDSA',
  /** RSA 2048 (or the given size), for clients that cannot use ECDSA. */
  RSA = 'RSA',
}

/** `spec.issuerRef` of a Certificate. */
export interface CertificateIssuerRef {
  /** Name of the Issuer or ClusterIssuer. */
  readonly name: string;
  /**
   * Kind of the issuer.
   * @default CertificateIssuerKind.ISSUER
   */
  readonly kind?: CertificateIssuerKind;
  /**
   * API group of the issuer (an external issuer's group, e.g. "awspca.cert-manager.io").
   * @default "cert-manager.io"
   */
  readonly group?: string;
}

/** `spec.privateKey` of a Certificate. */
export interface CertificatePrivateKey {
  /**
   * Key algorithm.
   * @default PrivateKeyAlgorithm.ECDSA
   */
  readonly algorithm?: PrivateKeyAlgorithm;
  /**
   * Key size (ECDSA: 256, 384 or 521; RSA: 2048 or more).
   * @default - 256 for ECDSA, 2048 for RSA
   */
  readonly size?: number;
}

/** Properties of {@link Certificate} (cert-manager.io/v1). */
export interface CertificateProps {
  readonly metadata?: ApiObjectMetadata;
  /** The Secret cert-manager writes (`tls.crt`, `tls.key`, and `ca.crt` when the issuer knows its CA). */
  readonly secretName: string;
  /** The issuer that signs the certificate. */
  readonly issuerRef: CertificateIssuerRef;
  /** DNS names (subject alternative names); the first is also the common name. */
  readonly dnsNames: string[];
  /**
   * Validity as a Go duration.
   * @default "2160h" (90 days)
   */
  readonly duration?: string;
  /**
   * How long before expiry cert-manager renews, as a Go duration.
   * @default "720h" (30 days)
   */
  readonly renewBefore?: string;
  /**
   * The private key; it is always rotated on renewal (`rotationPolicy: Always`), so a leaked key ages out.
   * @default - ECDSA P-256
   */
  readonly privateKey?: CertificatePrivateKey;
  /**
   * Key usages.
   * @default - ["server auth", "digital signature"] (+ "key encipherment" for RSA)
   */
  readonly usages?: string[];
  /**
   * Labels and annotations cert-manager puts on the Secret it writes.
   * @default - none
   */
  readonly secretLabels?: Record<string, string>;
}

/**
 * A typed cert-manager `Certificate` (cert-manager.io/v1). cert-manager keeps the Secret it names
 * current; mount that Secret as a whole directory (never with subPath, which would freeze the files).
 */
export class Certificate extends ApiObject {
  public static readonly API_VERSION = 'cert-manager.io/v1';
  public static readonly KIND = 'Certificate';

  constructor(scope: Construct, id: string, props: CertificateProps) {
    const errors = new ValidationErrors(`Certificate ${[scope.node.path, id].filter(Boolean).join('/')}`);
    requirePropTypes(scope, errors.subject, props, CERTIFICATE_SCHEMA);
    errors.addProblems(validateCertificate(props));
    const algorithm = props.privateKey?.algorithm ?? PrivateKeyAlgorithm.ECDSA;
    const size = keySize(props.privateKey);
    super(scope, id, {
      apiVersion: Certificate.API_VERSION,
      kind: Certificate.KIND,
      metadata: props.metadata,
      spec: {
        secretName: props.secretName,
        ...props.secretLabels ? { secretTemplate: { labels: props.secretLabels } } : {},
        issuerRef: { name: props.issuerRef.name, kind: props.issuerRef.kind ?? CertificateIssuerKind.ISSUER, group: props.issuerRef.group ?? 'cert-manager.io' },
        commonName: props.dnsNames[0] !== undefined && props.dnsNames[0].length <= 64 ? props.dnsNames[0] : undefined,
        dnsNames: props.dnsNames,
        duration: props.duration ?? '2160h',
        renewBefore: props.renewBefore ?? '720h',
        privateKey: { algorithm, size, rotationPolicy: 'Always', encoding: 'PKCS1' },
        usages: props.usages ?? ['server auth', 'digital signature', ...algorithm === PrivateKeyAlgorithm.RSA ? ['key encipherment'] : []],
      },
    });
    reportErrors(this, errors);
  }
}

/** {@link CertificateProps} at run time (test/unit/private/construct-prop-types.test.ts compares the two). */
export const CERTIFICATE_SCHEMA: PropSchema = {
  required: ['secretName', 'issuerRef', 'dnsNames'],
  types: {
    metadata: 'object',
    secretName: 'string',
    // Any kind: external issuers (with their group) have their own.
    issuerRef: { fields: { required: ['name'], types: { name: 'string', kind: 'string', group: 'string' } } },
    dnsNames: 'string[]',
    duration: 'string',
    renewBefore: 'string',
    privateKey: { fields: { types: { algorithm: { enumOf: PrivateKeyAlgorithm, name: 'PrivateKeyAlgorithm' }, size: 'integer' } } },
    usages: 'string[]',
    secretLabels: 'record',
  },
};

function keySize(key: CertificatePrivateKey | undefined): number {
  return key?.size ?? ((key?.algorithm ?? PrivateKeyAlgorithm.ECDSA) === PrivateKeyAlgorithm.ECDSA ? 256 : 2048);
}

/** Every problem of the props (weak keys, malformed durations, no name), property paths relative to them. */
export function validateCertificate(props: CertificateProps): Problem[] {
  const algorithm = props.privateKey?.algorithm ?? PrivateKeyAlgorithm.ECDSA;
  const size = keySize(props.privateKey);
  const ecdsaValid = algorithm !== PrivateKeyAlgorithm.ECDSA || [256, 384, 521].includes(size);
  const rsaValid = algorithm !== PrivateKeyAlgorithm.RSA || (Number.isInteger(size) && size >= 2048);
  const durationProblem = (value: string | undefined) => value === undefined || GO_DURATION.test(value) ? undefined : 'must be a Go duration such as 2160h';
  return [
    ...check('dnsNames', props.dnsNames, props.dnsNames.length === 0 ? 'must not be empty' : undefined),
    ...check('privateKey.size', size, ecdsaValid ? undefined : 'must be an ECDSA size: 256, 384 or 521'),
    ...check('privateKey.size', size, rsaValid ? undefined : 'must be an RSA size of at least 2048 bits'),
    ...check('duration', props.duration, durationProblem(props.duration)),
    ...check('renewBefore', props.renewBefore, durationProblem(props.renewBefore)),
  ];
}
