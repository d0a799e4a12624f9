import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { IConnectableContainer, IConnectableWorkload } from './workload';
import { NetworkPeer } from '../network/network-peer';
import { IDatabaseNetworkPolicy } from '../network/network-policy';
import { plusEnv, secretHandle } from '../private/libpq-env';
import { ValidationErrors } from '../private/validation';

/** Where the CA certificate that verifies a cluster's server certificate is, and where it is mounted. */
export interface ServerCa {
  /** The Secret holding the CA certificate (the server certificate's Secret). */
  readonly secretName: string;
  /** Its key in the Secret. */
  readonly key: string;
  /** The file the clients read (PGSSLROOTCERT): `<directory>/ca.crt`. */
  readonly file: string;
  /** Name of the pod volume. */
  readonly volumeName: string;
}

/** The CA of a cluster with a verifiable certificate, mounted under /etc/pgaas/<cluster>/. */
export function serverCa(clusterName: string, secretName: string | undefined, key: string | undefined): ServerCa | undefined {
  if (secretName === undefined) return undefined;
  return { secretName, key: key ?? 'ca.crt', file: `/etc/pgaas/${clusterName}/ca.crt`, volumeName: `pgaas-ca-${clusterName}`.slice(0, 63) };
}

/** What a connection helper connects a workload to. */
export interface ConnectionTarget {
  /** The helper's owner, for messages ("PostgresCluster orders/orders"). */
  readonly subject: string;
  /** Namespace of the cluster, its Secrets and its Services. */
  readonly namespace: string;
  /** The cluster's NetworkPolicies, when this app defines them. */
  readonly networkPolicy?: IDatabaseNetworkPolicy;
  /** The CA to mount, with TLS. */
  readonly ca?: ServerCa;
}

/** The rule of an environment variable prefix. */
export function prefixProblem(prefix: string | undefined): string | undefined {
  if (prefix === undefined || prefix === '') return undefined;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(prefix) ? undefined : 'must be letters, digits and "_", not starting with a digit (for example "ORDERS_")';
}

/** Checks the options every connection helper shares, for typed and untyped callers alike. */
export function checkConnectionOptions(subject: string, options: { readonly user?: unknown; readonly prefix?: unknown } | undefined): void {
  const errors = new ValidationErrors(subject);
  if (typeof options?.user !== 'string' || options.user === '') {
    errors.add('user', options?.user, 'must name the login role to connect as (a declared role, for example "orders_app"); the superuser is never chosen for you');
  }
  if (options?.prefix !== undefined && typeof options.prefix !== 'string') errors.add('prefix', options.prefix, 'must be a string');
  else errors.check('prefix', options?.prefix, prefixProblem(options?.prefix as string | undefined));
  errors.throwIfAny();
}

const admitted = new WeakMap<IDatabaseNetworkPolicy, Set<string>>();
const mounted = new WeakMap<IConnectableContainer, Set<string>>();

/**
 * Connects a workload: sets the variables on each of its containers, mounts the CA with TLS, and
 * admits its pods through the cluster's NetworkPolicy. Fails (before changing anything) when the
 * workload is in another namespace (Secrets are namespaced) or a container has a connection with
 * the same prefix already (the second would silently replace the first).
 */
export function connectWorkload(scope: Construct, target: ConnectionTarget, workload: IConnectableWorkload, env: k8s.EnvVar[], prefix: string): void {
  const errors = new ValidationErrors(target.subject);
  if (!workload || !Array.isArray(workload.containers) || typeof workload.matchLabels !== 'object') {
    errors.add('workload', workload?.node?.path ?? workload, 'must be a cdk8s-plus workload (Deployment, StatefulSet, Job, DaemonSet) with containers and a selector');
    errors.throwIfAny();
  }
  const workloadNamespace = Chart.of(workload).namespace;
  if (workloadNamespace !== target.namespace) {
    errors.add('workload', workload.node.path, `must be in the cluster's namespace "${target.namespace}" (it is in ${workloadNamespace ? `"${workloadNamespace}"` : 'no namespace'}): `
      + 'the password Secrets cannot be referenced from another namespace. Put the workload in a Chart of that namespace, or copy the '
      + 'credentials into its namespace (External Secrets, a replicator) and set its environment from connectionEnvVars yourself');
  }
  if (Object.keys(workload.matchLabels).length === 0) {
    errors.add('workload', workload.node.path, 'must select its pods by labels (cdk8s-plus `select: true`, the default): the NetworkPolicy admits them by these labels');
  }
  workload.containers.forEach((container, i) => {
    if (`${prefix}PGHOST` in container.env.variables) {
      errors.add('prefix', prefix, `must differ from an earlier connection of container ${i} of ${workload.node.path} (${prefix}PGHOST is set already): give each database its own prefix, for example "ORDERS_"`);
    }
  });
  errors.throwIfAny();

  const values = plusEnv(scope, env);
  for (const container of workload.containers) {
    for (const [name, value] of Object.entries(values)) container.env.addVariable(name, value);
  }
  if (target.ca) mountCa(scope, target.ca, workload.containers);
  admit(target.networkPolicy, workload);
}

function mountCa(scope: Construct, ca: ServerCa, containers: IConnectableContainer[]): void {
  const id = `CaVolume-${ca.volumeName}`;
  const volume = (scope.node.tryFindChild(id) as kplus.Volume | undefined)
    ?? kplus.Volume.fromSecret(scope, id, secretHandle(scope, ca.secretName), { name: ca.volumeName, items: { [ca.key]: { path: 'ca.crt' } } });
  for (const container of containers) {
    const done = mounted.get(container) ?? new Set<string>();
    if (done.has(ca.file)) continue;
    container.mount(ca.file.replace(/\/ca\.crt$/, ''), volume, { readOnly: true });
    done.add(ca.file);
    mounted.set(container, done);
  }
}

function admit(policy: IDatabaseNetworkPolicy | undefined, workload: IConnectableWorkload): void {
  // A cluster defined elsewhere (fromClusterAttributes), or with its NetworkPolicy off: nothing here to admit to.
  if (!policy) return;
  const key = JSON.stringify(Object.entries(workload.matchLabels).sort());
  const done = admitted.get(policy) ?? new Set<string>();
  if (done.has(key)) return;
  policy.allowConnectionsFrom(NetworkPeer.fromWorkload(workload));
  done.add(key);
  admitted.set(policy, done);
}
