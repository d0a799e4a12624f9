import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { Certificate, CertificateIssuerKind, CertificateProps, PrivateKeyAlgorithm } from './certificate';
import { identifierProblem } from '../database/identifiers';
import { ClusterNames, SPILO_REPLICATION_USER, SPILO_SUPERUSER } from '../private/names';
import { check, problem, Problem, Rules, Validated } from '../private/validation';

/** Options of {@link ServerTls.certManager}. */
export interface CertManagerTlsOptions {
  /** Name of the cert-manager Issuer or ClusterIssuer. */
  readonly issuerName: string;
  /**
   * Kind of the issuer.
   * @default CertificateIssuerKind.ISSUER
   */
  readonly issuerKind?: CertificateIssuerKind;
  /**
   * API group of the issuer.
   * @default "cert-manager.io"
   */
  readonly issuerGroup?: string;
  /**
   * Certificate validity.
   * @default Duration.days(90)
   */
  readonly duration?: Duration;
  /**
   * Renew this long before expiry.
   * @default Duration.days(30)
   */
  readonly renewBefore?: Duration;
  /**
   * Private key algorithm.
   * @default PrivateKeyAlgorithm.ECDSA
   */
  readonly privateKeyAlgorithm?: PrivateKeyAlgorithm;
  /**
   * Name of the Secret cert-manager writes.
   * @default "<cluster>-tls"
   */
  readonly secretName?: string;
  /**
   * More DNS names (an external load balancer's name, say).
   * @default - none
   */
  readonly extraDnsNames?: string[];
}

/** Options of {@link ServerTls.fromSecret}. */
export interface SecretTlsOptions {
  /**
   * Key of the certificate (chain) in the Secret.
   * @default "tls.crt"
   */
  readonly certificateKey?: string;
  /**
   * Key of the private key in the Secret.
   * @default "tls.key"
   */
  readonly privateKeyKey?: string;
  /**
   * Key of the CA certificate in the Secret, used to verify client certificates when
   * `clientCertificates` names no Secret of its own.
   * @default "ca.crt"
   */
  readonly caKey?: string;
}

/** How PostgreSQL gets its server certificate. */
export class ServerTls {
  /** cert-manager issues (and renews) the certificate; the bundle contains a `Certificate`. */
  public static certManager(options: CertManagerTlsOptions): ServerTls {
    return new ServerTls(undefined, options, {});
  }

  /** An existing `kubernetes.io/tls` Secret (created and rotated by other means). */
  public static fromSecret(secretName: string, options: SecretTlsOptions = {}): ServerTls {
    return new ServerTls(secretName, undefined, options);
  }

  private constructor(
    private readonly secretName: string | undefined,
    /** Set for cert-manager. */
    private readonly certManagerOptions: CertManagerTlsOptions | undefined,
    /** cert-manager writes the default keys (`ca.crt` included), so only a Secret source names others. */
    private readonly keys: SecretTlsOptions,
  ) {}

  /**
   * Problems of the options, with cert-manager's and Kubernetes' rules (property paths under `tls`).
   * @internal
   */
  public _problems(): Problem[] {
    const problems: Problem[] = [];
    for (const [key, value] of Object.entries(this.keys)) if (value !== undefined) problems.push(...check(`tls.${key}`, value, Rules.secretKey(value)));
    const o = this.certManagerOptions;
    if (!o) return problems;
    problems.push(...check('tls.issuerName', o.issuerName, typeof o.issuerName === 'string' ? Rules.dns1123Subdomain(o.issuerName) : 'is required'));
    if (o.issuerGroup === undefined || o.issuerGroup === 'cert-manager.io') {
      const kinds: string[] = Object.values(CertificateIssuerKind);
      if (o.issuerKind !== undefined && !kinds.includes(o.issuerKind)) problems.push(problem('tls.issuerKind', o.issuerKind, `must be one of ${kinds.join(', ')} for cert-manager.io issuers`));
    } else {
      problems.push(...check('tls.issuerGroup', o.issuerGroup, Rules.dns1123Subdomain(o.issuerGroup)));
    }
    const algorithms: string[] = Object.values(PrivateKeyAlgorithm);
    if (o.privateKeyAlgorithm !== undefined && !algorithms.includes(o.privateKeyAlgorithm)) {
      problems.push(problem('tls.privateKeyAlgorithm', o.privateKeyAlgorithm, `must be one of ${algorithms.join(', ')}`));
    }
    // cert-manager's webhook: duration >= 1h, renewBefore >= 5m and shorter than duration.
    const duration = (o.duration ?? Duration.days(90)).toSeconds({ integral: false });
    const renewBefore = (o.renewBefore ?? Duration.days(30)).toSeconds({ integral: false });
    if (duration < 3600) problems.push(problem('tls.duration', `${duration}s`, 'must be at least 1h (cert-manager\'s minimum)'));
    if (renewBefore < 300) problems.push(problem('tls.renewBefore', `${renewBefore}s`, 'must be at least 5m (cert-manager\'s minimum)'));
    if (renewBefore >= duration) problems.push(problem('tls.renewBefore', `${renewBefore}s`, `must be shorter than duration (${duration}s): the certificate would be renewed continuously`));
    for (const name of o.extraDnsNames ?? []) problems.push(...check('tls.extraDnsNames', name, Rules.dns1123Subdomain(name.replace(/^\*\./, ''))));
    return problems;
  }

  /**
   * The Secret holding the certificate and key for a cluster.
   * @internal
   */
  public _secretName(clusterName: string): string {
    return this.secretName ?? this.certManagerOptions?.secretName ?? new ClusterNames(clusterName).tlsSecret;
  }

  /**
   * Keys of the certificate, the private key and the CA certificate in the Secret.
   * @internal
   */
  public get _keys(): Required<SecretTlsOptions> {
    return {
      certificateKey: this.keys.certificateKey ?? 'tls.crt',
      privateKeyKey: this.keys.privateKeyKey ?? 'tls.key',
      caKey: this.keys.caKey ?? 'ca.crt',
    };
  }

  /**
   * The cert-manager Certificate of a cluster (undefined when the Secret comes from elsewhere).
   * @internal
   */
  public _certificateProps(clusterName: string, dnsNames: string[], labels?: Record<string, string>): CertificateProps | undefined {
    const o = this.certManagerOptions;
    if (!o) return undefined;
    const hours = (d: Duration) => `${d.toHours({ integral: false })}h`;
    const secretName = this._secretName(clusterName);
    return {
      metadata: { name: secretName, labels },
      secretName,
      issuerRef: { name: o.issuerName, kind: o.issuerKind ?? CertificateIssuerKind.ISSUER, group: o.issuerGroup },
      dnsNames: [...dnsNames, ...o.extraDnsNames ?? []],
      duration: hours(o.duration ?? Duration.days(90)),
      renewBefore: hours(o.renewBefore ?? Duration.days(30)),
      privateKey: { algorithm: o.privateKeyAlgorithm ?? PrivateKeyAlgorithm.ECDSA },
      secretLabels: labels,
    };
  }
}

/** Client certificate verification: clients must present a certificate signed by this CA. */
export interface ClientCertificateOptions {
  /**
   * Secret holding the CA certificate that signs client certificates.
   * @default - the server certificate's Secret (`tls`)
   */
  readonly caSecretName?: string;
  /**
   * Key of the CA certificate in that Secret.
   * @default - in the server certificate's Secret, the `caKey` given to `ServerTls.fromSecret`
   * ("ca.crt" for cert-manager, which writes it there); in another Secret, "ca.crt"
   */
  readonly caKey?: string;
}

/** Input of {@link SpiloTls.resolve}. */
export interface SpiloTlsOptions {
  /** The cluster name (default Secret name, Certificate name). */
  readonly clusterName: string;
  /**
   * The server certificate.
   * @default - Spilo's self-signed certificate (encrypts, but clients cannot verify the server)
   */
  readonly tls?: ServerTls;
  /**
   * Require client certificates (`clientcert=verify-full`: signed by the CA and with the user name as
   * common name) in addition to the password.
   * @default - passwords only
   */
  readonly clientCertificates?: ClientCertificateOptions;
  /**
   * Users that authenticate with a password only even when client certificates are required: Spilo
   * and Patroni give the members no client certificate for replication and pg_rewind, and the bundle's
   * Jobs and the pooler connect as these users. Keep them few; the NetworkPolicy limits where they can
   * connect from.
   * @default ["postgres", "standby"]
   */
  readonly passwordOnlyUsers?: string[];
  /**
   * The replication user.
   * @default "standby"
   */
  readonly replicationUser?: string;
}

/** What the Spilo container needs for TLS. */
export interface SpiloTlsConfig {
  /** Volumes of the member pods. */
  readonly volumes: k8s.Volume[];
  /** Mounts of the Spilo container. */
  readonly volumeMounts: k8s.VolumeMount[];
  /** Environment of the Spilo container (Spilo writes them into ssl_* parameters). */
  readonly env: k8s.EnvVar[];
  /** The complete `postgresql.pg_hba` of SPILO_CONFIGURATION. */
  readonly pgHba: string[];
  /** The Secret with the server certificate, when one is mounted. */
  readonly secretName?: string;
}

/** Inputs of {@link SpiloTls.dnsNames}. */
export interface TlsDnsNamesOptions {
  readonly namespace: string;
  /** Names of the Services with a ClusterIP (primary, replicas, pooler). */
  readonly serviceNames: string[];
  /** Name of the headless Service governing the StatefulSet (members are `<pod>.<headless>...`). */
  readonly headlessServiceName: string;
  /**
   * The cluster's DNS domain.
   * @default "cluster.local"
   */
  readonly clusterDomain?: string;
}

/** Where the server certificate Secret is mounted: the whole Secret, so rotations reach the files. */
const TLS_DIR = '/tls';
const CA_DIR = '/tlsca';
/**
 * 0640: Spilo runs as uid 101 with gid 103 = fsGroup, so the key is readable through its group.
 * PostgreSQL accepts a group-readable key only when root owns it, which a Secret volume guarantees.
 */
const SECRET_MODE = 0o640;

/** The TLS part of the Spilo container (pure functions of the options). */
export class SpiloTls {
  /**
   * Volumes, mounts, environment and pg_hba for the Spilo container, and every problem of the
   * options (property paths as the cluster props name them: `tls...`, `clientCertificates...`).
   * Off is absent: no variable is ever emitted as "false" (Spilo treats any non-empty value as true).
   */
  public static resolve(options: SpiloTlsOptions): Validated<SpiloTlsConfig> {
    const replicationUser = options.replicationUser ?? SPILO_REPLICATION_USER;
    const passwordOnly = options.passwordOnlyUsers ?? [SPILO_SUPERUSER, replicationUser];
    const tls = options.tls;
    const secretName = tls?._secretName(options.clusterName);
    const client = options.clientCertificates;
    const problems = [
      ...check('replicationUser', replicationUser, identifierProblem(replicationUser)),
      ...passwordOnly.flatMap((user, i) => check(`passwordOnlyUsers[${i}]`, user, identifierProblem(user))),
      ...secretName === undefined ? [] : check('tls.secretName', secretName, Rules.dns1123Subdomain(secretName)),
      ...tls?._problems() ?? [],
      ...client?.caSecretName === undefined ? [] : check('clientCertificates.caSecretName', client.caSecretName, Rules.dns1123Subdomain(client.caSecretName)),
      // A conflict of two props, named as the cluster names such conflicts (`roles/databases`).
      ...check('tls/clientCertificates', client, client && !tls ? 'clientCertificates needs tls: clients verify the server with the same CA' : undefined),
    ];

    const volumes: k8s.Volume[] = [];
    const volumeMounts: k8s.VolumeMount[] = [];
    const env: k8s.EnvVar[] = [];
    if (tls && secretName) {
      volumes.push({ name: 'tls', secret: { secretName, defaultMode: SECRET_MODE } });
      volumeMounts.push({ name: 'tls', mountPath: TLS_DIR, readOnly: true });
      // With these set and the key file present, Spilo keeps the files as they are (no self-signed
      // certificate) and its cron job reloads PostgreSQL when the files change (SSL_TEST_RELOAD).
      env.push(
        { name: 'SSL_CERTIFICATE_FILE', value: `${TLS_DIR}/${tls._keys.certificateKey}` },
        { name: 'SSL_PRIVATE_KEY_FILE', value: `${TLS_DIR}/${tls._keys.privateKeyKey}` },
      );
    }
    if (client && tls) {
      const caSecretName = client.caSecretName ?? secretName;
      if (caSecretName === secretName) {
        env.push({ name: 'SSL_CA_FILE', value: `${TLS_DIR}/${client.caKey ?? tls._keys.caKey}` });
      } else {
        volumes.push({ name: 'tls-ca', secret: { secretName: caSecretName, defaultMode: SECRET_MODE } });
        volumeMounts.push({ name: 'tls-ca', mountPath: CA_DIR, readOnly: true });
        env.push({ name: 'SSL_CA_FILE', value: `${CA_DIR}/${client.caKey ?? 'ca.crt'}` });
      }
    }

    const clientCert = client ? ' clientcert=verify-full' : '';
    const pgHba = [
      // trust only on the pod's Unix socket: Spilo's own scripts and Patroni connect there.
      'local all all trust',
      `local replication ${replicationUser} trust`,
      'host all all 127.0.0.1/32 scram-sha-256',
      'host all all ::1/128 scram-sha-256',
      `hostssl replication ${replicationUser} all scram-sha-256`,
      ...client ? [`hostssl all ${[...new Set(passwordOnly)].join(',')} all scram-sha-256`] : [],
      `hostssl all all all scram-sha-256${clientCert}`,
      'hostnossl all all all reject',
    ];
    return { value: { volumes, volumeMounts, env, pgHba, secretName }, problems };
  }

  /**
   * Every name clients and members use: each Service as `<svc>`, `<svc>.<ns>`, `<svc>.<ns>.svc` and
   * `<svc>.<ns>.svc.<domain>`, the headless Service likewise, and `*.<headless>.<ns>.svc[.<domain>]`
   * for the member pods.
   */
  public static dnsNames(options: TlsDnsNamesOptions): string[] {
    const domain = options.clusterDomain ?? 'cluster.local';
    const forms = (name: string) => [name, `${name}.${options.namespace}`, `${name}.${options.namespace}.svc`, `${name}.${options.namespace}.svc.${domain}`];
    const names = [
      ...options.serviceNames.flatMap(forms),
      ...forms(options.headlessServiceName),
      `*.${options.headlessServiceName}.${options.namespace}.svc`,
      `*.${options.headlessServiceName}.${options.namespace}.svc.${domain}`,
    ];
    return [...new Set(names)];
  }

  /**
   * The cert-manager Certificate for a cluster, when `tls` is {@link ServerTls.certManager}
   * (undefined for other sources).
   */
  public static certificate(
    scope: Construct, id: string, tls: ServerTls, clusterName: string, dnsNames: string[], labels?: Record<string, string>,
  ): Certificate | undefined {
    const props = tls._certificateProps(clusterName, dnsNames, labels);
    return props && new Certificate(scope, id, props);
  }

  private constructor() {}
}
