import { CIDR_RULE, isCidr, NetworkPeer } from './network-peer';
import { ClusterNames } from '../private/names';
import { Problem, Rules, ValidationErrors, validateLabels } from '../private/validation';

/** Where the members reach the Kubernetes API server (Patroni's DCS, the secret generator). */
export interface ApiServerEndpoint {
  /**
   * CIDRs of the API server **endpoints** (not the `kubernetes` Service's ClusterIP: most CNIs evaluate
   * egress after the Service address is translated). Find them with
   * `kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes`.
   */
  readonly cidrs: string[];
  /**
   * Port of the endpoints (6443 on kubeadm, 443 on most managed clusters).
   * @default 443
   */
  readonly port?: number;
  /**
   * More ports of the endpoints, when the port differs between environments.
   * @default - none
   */
  readonly additionalPorts?: number[];
}

/** DNS egress of every policy. */
export interface DnsEgress {
  /**
   * Where DNS is allowed to. The default selects CoreDNS/kube-dns pods; NodeLocal DNSCache listens
   * on a link-local address that no selector matches: use `[NetworkPeer.ipBlock('169.254.20.10/32')]`,
   * or an empty list for "any destination on port 53".
   * @default [NetworkPeer.pods({ 'k8s-app': 'kube-dns' }, 'kube-system')]
   */
  readonly peers?: NetworkPeer[];
  /**
   * DNS port.
   * @default 53 (UDP and TCP)
   */
  readonly port?: number;
}

/** Object storage (or a proxy) the backups write to. */
export interface BackupEndpoint {
  /**
   * CIDRs of the storage endpoints. Public object storage has no stable addresses: it usually needs
   * "0.0.0.0/0" (minus private ranges in `except`), unless traffic goes through an egress proxy or a
   * VPC/private endpoint with a known range.
   */
  readonly cidrs: string[];
  /**
   * CIDRs to exclude from `cidrs`, e.g. the cluster's pod and service ranges.
   * @default - none
   */
  readonly except?: string[];
  /**
   * Port of the endpoints.
   * @default 443
   */
  readonly port?: number;
}

/** The connection pooler's pods, when the cluster has one. */
export interface PoolerNetworkOptions {
  /** Labels that select the pooler's pods (and only them). */
  readonly podLabels: Record<string, string>;
  /**
   * Port the pooler listens on.
   * @default 5432
   */
  readonly port?: number;
  /**
   * Who may connect to the pooler.
   * @default - the peers allowed to the database (`allowFrom`)
   */
  readonly allowFrom?: NetworkPeer[];
  /**
   * Port of the pooler pods' metrics sidecar, opened to `metricsFrom`.
   * @default 9127 (the PgBouncer exporter's)
   */
  readonly metricsPort?: number;
}

/** Properties of {@link DatabaseNetworkPolicy}. */
export interface DatabaseNetworkPolicyProps {
  /** Base name of the policies: `<name>-database`, `-pooler`, `-secrets`, `-bootstrap`. */
  readonly name: string;
  /**
   * Labels that select the database member pods and nothing else (not the Jobs of the bundle).
   * Polaris accepts a policy only when its podSelector matches exactly one pod label, so a single
   * dedicated label is best.
   */
  readonly databasePodLabels: Record<string, string>;
  /**
   * PostgreSQL port.
   * @default 5432
   */
  readonly postgresPort?: number;
  /**
   * Patroni REST API port.
   * @default 8008
   */
  readonly patroniPort?: number;
  /** The Kubernetes API server: Patroni keeps its leader lock there (egress is mandatory). */
  readonly apiServer: ApiServerEndpoint;
  /**
   * DNS egress.
   * @default - kube-dns pods in kube-system, port 53 UDP and TCP
   */
  readonly dns?: DnsEgress;
  /**
   * Application pods allowed to connect to PostgreSQL (port 5432). Add more with {@link allowConnectionsFrom}.
   * @default - none
   */
  readonly allowFrom?: NetworkPeer[];
  /**
   * Peers allowed to the Patroni REST API (8008) besides the members, e.g. a Prometheus scraping
   * `/metrics`. The API's unsafe endpoints need authentication; its GET endpoints do not.
   * @default - the members only
   */
  readonly patroniApiFrom?: NetworkPeer[];
  /**
   * The connection pooler: its pods may connect to the database, and get their own policy.
   * @default - no pooler
   */
  /**
   * Prometheus pods allowed to scrape the members' metrics ports (the exporter's and Patroni's).
   * @default none
   */
  readonly metricsFrom?: NetworkPeer[];
  /**
   * The exporter's port on the members.
   * @default 9187
   */
  readonly metricsPort?: number;
  readonly pooler?: PoolerNetworkOptions;
  /**
   * Labels of the bootstrap Job's pods: they may connect to the database (and get their own policy).
   * @default - no bootstrap Job
   */
  readonly bootstrapJobPodLabels?: Record<string, string>;
  /**
   * Labels of the secret generator Job's pods: they get egress to the API server only.
   * @default - no secret generator
   */
  readonly secretGeneratorPodLabels?: Record<string, string>;
  /**
   * Backup storage the members (WAL archiving) write to; Jobs that write there too (logical backups)
   * get their own egress with `addDatabaseClientJob`.
   * @default - no backup egress
   */
  readonly backupEndpoints?: BackupEndpoint;
  /**
   * Labels of the policies.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/** The ports of the policies, defaults applied. */
export interface NetworkPolicyPorts {
  readonly postgres: number;
  readonly patroni: number;
  readonly apiServer: number[];
  readonly dns: number;
  readonly pooler: number;
  readonly backup: number;
  readonly metrics: number;
  readonly poolerMetrics: number;
}

export function networkPolicyPorts(props: DatabaseNetworkPolicyProps): NetworkPolicyPorts {
  return {
    postgres: props.postgresPort ?? 5432,
    patroni: props.patroniPort ?? 8008,
    apiServer: [props.apiServer.port ?? 443, ...props.apiServer.additionalPorts ?? []],
    dns: props.dns?.port ?? 53,
    pooler: props.pooler?.port ?? 5432,
    backup: props.backupEndpoints?.port ?? 443,
    metrics: props.metricsPort ?? 9187,
    poolerMetrics: props.pooler?.metricsPort ?? 9127,
  };
}

const EMPTY_SELECTOR = 'must not be empty: an empty selector would select every pod of the namespace';

/**
 * Every problem of the props (names, labels, ports, CIDRs, peers), property paths relative to the
 * props. The Chart's namespace, which the policies need too, is the construct's to check.
 */
export function validateDatabaseNetworkPolicy(props: DatabaseNetworkPolicyProps): Problem[] {
  const errors = new ValidationErrors('DatabaseNetworkPolicy');
  const names = new ClusterNames(props.name);
  // The longest policy name the props derive.
  errors.check('name', props.name, Rules.dns1123Subdomain(names.bootstrap));
  if (Object.keys(props.databasePodLabels).length === 0) errors.add('databasePodLabels', props.databasePodLabels, EMPTY_SELECTOR);
  validateLabels(errors, 'databasePodLabels', props.databasePodLabels);
  validateLabels(errors, 'labels', props.labels);
  const groups = [['pooler.podLabels', props.pooler?.podLabels], ['bootstrapJobPodLabels', props.bootstrapJobPodLabels],
    ['secretGeneratorPodLabels', props.secretGeneratorPodLabels]] as const;
  for (const [property, labels] of groups) {
    if (labels === undefined) continue;
    validateLabels(errors, property, labels);
    if (Object.keys(labels).length === 0) {
      errors.add(property, labels, EMPTY_SELECTOR);
    } else if (Object.entries(labels).every(([k, v]) => props.databasePodLabels[k] === v)) {
      errors.add(property, labels, 'must not also select the database pods: give each group a label of its own');
    }
  }
  const ports = networkPolicyPorts(props);
  const portProblems: Array<[string, number]> = [['postgresPort', ports.postgres], ['patroniPort', ports.patroni], ['apiServer.port', ports.apiServer[0]],
    ...(props.apiServer.additionalPorts ?? []).map((p, i): [string, number] => [`apiServer.additionalPorts[${i}]`, p]),
    ['dns.port', ports.dns], ['pooler.port', ports.pooler], ['backupEndpoints.port', ports.backup], ['metricsPort', ports.metrics], ['pooler.metricsPort', ports.poolerMetrics]];
  for (const [property, port] of portProblems) errors.check(property, port, portProblem(port));
  if (props.apiServer.cidrs.length === 0) errors.add('apiServer.cidrs', props.apiServer.cidrs, 'must name at least one CIDR: Patroni cannot hold its leader lock without the API server');
  for (const cidr of props.apiServer.cidrs) if (!isCidr(cidr)) errors.add('apiServer.cidrs', cidr, CIDR_RULE);
  for (const cidr of [...props.backupEndpoints?.cidrs ?? [], ...props.backupEndpoints?.except ?? []]) if (!isCidr(cidr)) errors.add('backupEndpoints.cidrs', cidr, CIDR_RULE);
  if (props.backupEndpoints && props.backupEndpoints.cidrs.length === 0) errors.add('backupEndpoints.cidrs', [], 'must name at least one CIDR (0.0.0.0/0 for public object storage)');
  const peerGroups: Array<[string, NetworkPeer[] | undefined]> = [['allowFrom', props.allowFrom], ['patroniApiFrom', props.patroniApiFrom],
    ['pooler.allowFrom', props.pooler?.allowFrom], ['dns.peers', props.dns?.peers], ['metricsFrom', props.metricsFrom]];
  for (const [property, peers] of peerGroups) (peers ?? []).forEach((peer, i) => errors.addProblems(peer._validate(), `${property}[${i}]`));
  return [...errors.problems];
}

function portProblem(port: number): string | undefined {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? undefined : 'must be a port number 1..65535';
}
