import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ConnectionEnvOptions, IPostgresCluster, PostgresClusterAttributes } from './cluster-ref';
import { clusterConnectionEnv, connectToCluster } from './connection-env';
import { Spilo } from './spilo-contract';
import { DEFAULT_SPILO_IMAGE } from './spilo-image';
import { IConnectableWorkload } from '../connect/workload';
import { Credentials, ResolvedCredentials } from '../credentials/credentials';
import { ClusterNames } from '../private/names';
import { PropSchema, requirePropTypes } from '../private/runtime-types';
import { reportErrors } from '../private/tree-report';
import { Rules, ValidationErrors } from '../private/validation';

/**
 * A cluster synthesized elsewhere (another app or repository), known by its name and the
 * library's naming conventions: its Services, its Secrets (postgres-operator's pattern unless
 * given) and its Patroni ServiceAccount.
 */
export class ImportedPostgresCluster extends Construct implements IPostgresCluster {
  public readonly name: string;
  public readonly namespace: string;
  public readonly port: number = Spilo.POSTGRES_PORT;
  public readonly instances: number;
  public readonly postgresVersion: number;
  public readonly image: string;
  public readonly imagePullSecrets: string[];
  public readonly parameters: Record<string, string>;
  public readonly primaryServiceName: string;
  public readonly replicaServiceName: string;
  public readonly serviceAccountName: string;
  public readonly tlsSecretName?: string;
  public readonly tlsCaKey?: string;
  private readonly credentials = new Map<string, ResolvedCredentials>();

  constructor(scope: Construct, id: string, attributes: PostgresClusterAttributes) {
    super(scope, id);
    const errors = new ValidationErrors(`PostgresCluster.fromClusterAttributes ${this.node.path}`);
    requirePropTypes(this, errors.subject, attributes, CLUSTER_ATTRIBUTES_SCHEMA);
    errors.check('name', attributes.name, Rules.dns1035Label(attributes.name, ClusterNames.MAX_LENGTH));
    const namespace = attributes.namespace ?? Chart.of(this).namespace;
    if (!namespace) errors.add('namespace', namespace, 'must be set, or the scope\'s Chart must have a namespace');
    else errors.check('namespace', namespace, Rules.dns1123Label(namespace));
    const instances = attributes.instances ?? 1;
    errors.check('instances', instances, Number.isInteger(instances) && instances >= 1 ? undefined : 'must be an integer >= 1');
    reportErrors(this, errors);

    const names = new ClusterNames(attributes.name);
    this.name = attributes.name;
    this.namespace = namespace!;
    this.instances = instances;
    this.postgresVersion = attributes.postgresVersion ?? 17;
    this.image = attributes.image ?? DEFAULT_SPILO_IMAGE;
    this.imagePullSecrets = attributes.imagePullSecrets ?? [];
    this.parameters = { ...attributes.parameters };
    this.primaryServiceName = names.primaryService;
    this.replicaServiceName = names.replicaService;
    this.serviceAccountName = attributes.serviceAccountName ?? names.patroniRbac;
    this.tlsSecretName = attributes.tlsSecretName;
    this.tlsCaKey = attributes.tlsSecretName === undefined ? undefined : attributes.tlsCaKey ?? 'ca.crt';
    const users: Array<[string, Credentials | undefined]> = [
      [Spilo.SUPERUSER, undefined], [Spilo.REPLICATION_USER, undefined], ...Object.entries(attributes.userCredentials ?? {}),
    ];
    for (const [user, credentials] of users) {
      this.credentials.set(user, (credentials ?? Credentials.fromSecret(names.credentialsSecret(user))).resolve(names.credentialsSecret(user)));
    }
  }

  public get primaryHost(): string {
    return `${this.primaryServiceName}.${this.namespace}.svc`;
  }

  public get replicaHost(): string {
    return `${this.replicaServiceName}.${this.namespace}.svc`;
  }

  public get users(): string[] {
    return [...this.credentials.keys()];
  }

  public userCredentials(user: string): ResolvedCredentials {
    const credentials = this.credentials.get(user);
    if (!credentials) throw new Error(`PostgresCluster ${this.node.path}: "${user}" is not a login user of this cluster (known: ${this.users.join(', ')}); list it in userCredentials`);
    return credentials;
  }

  public connectionEnvVars(options: ConnectionEnvOptions): k8s.EnvVar[] {
    return clusterConnectionEnv(this, options);
  }

  public addConnectionEnv(workload: IConnectableWorkload, options: ConnectionEnvOptions): void {
    connectToCluster(this, workload, options);
  }
}

/** {@link PostgresClusterAttributes} at run time (test/unit/private/construct-prop-types.test.ts compares the two). */
export const CLUSTER_ATTRIBUTES_SCHEMA: PropSchema = {
  required: ['name'],
  types: {
    name: 'string',
    namespace: 'string',
    postgresVersion: 'integer',
    instances: 'integer',
    image: 'string',
    imagePullSecrets: 'string[]',
    parameters: 'record',
    userCredentials: 'object',
    serviceAccountName: 'string',
    tlsSecretName: 'string',
    tlsCaKey: 'string',
  },
};
