import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { resolveClusterCredentials, rotationProblems, withAlternatingLogins } from './cluster-credentials';
import { libraryOwnedProblems } from './library-owned';
import { parameterConflicts } from './parameter-rules';
import { defaultParameters, validateParameters } from './parameters';
import { resolvePatroniSettings, validatePatroniSettings } from './patroni-dcs';
import { PatroniRestApi } from './patroni-rest-api';
import { ResolvedPatroniSettings } from './patroni-settings';
import { CLUSTER_PROPS_SCHEMA } from './prop-types';
import { PostgresClusterProps } from './props';
import { MANAGED_ENV, RESERVED_MEMBER_LABELS, Spilo } from './spilo-contract';
import { DEFAULT_SPILO_IMAGE, spiloImageVersions, validateImageReference } from './spilo-image';
import { storageProblems } from './storage-rules';
import { resolveSpiloBackup, SpiloBackupEnvironment } from '../backup/spilo-backup';
import { Credentials, CredentialsBinding, ResolvedCredentials } from '../credentials/credentials';
import { GitOpsOrdering } from '../credentials/secret-generator';
import { BootstrapSql } from '../database/bootstrap-sql';
import { DatabaseBootstrapSpec } from '../database/roles';
import { exporterQueriesConfigMapName } from '../monitoring/cluster-monitoring';
import { EXPORTER } from '../monitoring/exporter-sidecar';
import { resolveClusterMonitoring, ResolvedMonitoring } from '../monitoring/validate-props';
import { DatabaseNetworkPolicyProps, validateDatabaseNetworkPolicy } from '../network/network-policy-props';
import { ConnectionPoolerOptions } from '../pooler/props';
import { resolveConnectionPooler } from '../pooler/validate-props';
import { CATALOG_MAJORS, predefinedRoles } from '../postgres/catalog';
import { ClusterNames, NETWORK_GROUP_LABEL } from '../private/names';
import { ResolvedPodPlacement, resolvePodPlacement } from '../private/placement';
import { parseQuantity, sizeQuantity } from '../private/quantities';
import { resolveContainerResources } from '../private/resources';
import { checkPropTypes } from '../private/runtime-types';
import { Problem, Rules, Validated, ValidationErrors, validateAnnotationKeys, validateLabels } from '../private/validation';
import { Placement } from '../scheduling/pod-placement';
import { SpiloTls, SpiloTlsConfig } from '../tls/server-tls';
import { upgradeModeContext } from '../upgrade/upgrade-mode';
import { majorUpgradeProblems } from '../upgrade/validate-upgrade';

/** Where the cluster is being defined: facts of the construct tree the props are checked against. */
export interface ClusterContext {
  /** The namespace of the cluster's Chart. */
  readonly namespace?: string;
  /** The namespace of the Chart of `props.secretGenerator`, when one is passed. */
  readonly secretGeneratorNamespace?: string;
  /** The namespace of the Chart of `props.rbac`, when one is passed. */
  readonly rbacNamespace?: string;
}

/** The database container's resources and what PostgreSQL's defaults are computed from. */
export interface ResolvedResources {
  readonly requirements: k8s.ResourceRequirements;
  readonly memoryBytes: number;
  readonly cpuMillis: number;
}

/** {@link PostgresClusterProps} with every default applied: everything the pod renderer and the construct need. */
export interface ResolvedCluster {
  readonly props: PostgresClusterProps;
  readonly name: string;
  readonly namespace: string;
  readonly names: ClusterNames;
  readonly instances: number;
  readonly postgresVersion: number;
  readonly image: string;
  readonly imagePullSecrets: string[];
  readonly storage: string;
  readonly resources: ResolvedResources;
  /** Computed defaults merged with `parameters`. */
  readonly parameters: Record<string, string>;
  readonly patroni: ResolvedPatroniSettings;
  readonly placement: ResolvedPodPlacement;
  /** Login users and their credentials: superuser, replication user, declared login roles. */
  readonly credentials: Map<string, ResolvedCredentials>;
  readonly apiCredentials: ResolvedCredentials;
  /** What the cluster provisions for every user's Secret, the REST API's included. */
  readonly bindings: CredentialsBinding[];
  readonly bootstrapSpec: DatabaseBootstrapSpec;
  /** The pooler's login role, when there is a pooler. */
  readonly poolerRole?: string;
  readonly backup: SpiloBackupEnvironment;
  readonly tls: SpiloTlsConfig;
  /** The pooler's options as the cluster passes them (databases, TLS and labels filled in), when there is a pooler. */
  readonly connectionPooler?: ConnectionPoolerOptions;
  /** The NetworkPolicy's props, unless turned off. */
  readonly networkPolicy?: DatabaseNetworkPolicyProps;
  readonly ordering: GitOpsOrdering;
  /** Monitoring with defaults applied, and its queries ConfigMap, when `monitoring` is set. */
  readonly monitoring?: ResolvedMonitoring & { readonly queriesConfigMap: string };
}

const MIN_MEMORY_BYTES = 250 * 1024 ** 2;

const NO_BACKUP: SpiloBackupEnvironment = { env: [], volumes: [], volumeMounts: [], serviceAccountAnnotations: {} };

/**
 * Validates every prop of a cluster (its children's included: credentials, roles and databases,
 * backups, TLS) and applies the defaults; the construct creates nothing unless there is no problem.
 */
export function resolveClusterProps(props: PostgresClusterProps, context: ClusterContext): Validated<ResolvedCluster> {
  // Untyped callers (JavaScript, jsii languages): wrong types would fail deep inside with a TypeError.
  const typeProblems = checkPropTypes(props, CLUSTER_PROPS_SCHEMA);
  if (typeProblems.length > 0) return { problems: typeProblems, value: undefined as unknown as ResolvedCluster };
  const errors = new ValidationErrors('');
  const namespace = context.namespace;
  if (!namespace) {
    errors.add('namespace (of the Chart)', namespace, 'must be set: Patroni, the RoleBinding and the service DNS names need it');
  } else {
    errors.check('namespace (of the Chart)', namespace, Rules.dns1123Label(namespace));
  }
  const nameProblem = Rules.dns1035Label(props.name, ClusterNames.MAX_LENGTH);
  if (nameProblem) {
    errors.add('name', props.name, `${nameProblem}; every derived name must stay valid (pod names fit the controller-revision-hash label, Service names up to "-pooler-repl" fit 63 characters)`);
  }
  const instances = props.instances ?? 1;
  const instancesValid = errors.check('instances', instances, Number.isInteger(instances) && instances >= 1 ? undefined : 'must be an integer >= 1');

  const image = props.image ?? DEFAULT_SPILO_IMAGE;
  errors.check('image', image, validateImageReference(image));
  const postgresVersion = props.postgresVersion ?? 17;
  const supported = props.imagePostgresVersions ?? spiloImageVersions(image);
  if (!supported) {
    errors.add('image', image, 'is not a Spilo release the library knows (spilo-<major>:<3.0..4.1>-p<n>); set imagePostgresVersions to the PostgreSQL majors it ships');
  } else if (!supported.includes(postgresVersion)) {
    errors.add('postgresVersion', postgresVersion, `must be one of the versions ${image} ships: ${supported.join(', ')}`);
  }
  for (const secret of props.imagePullSecrets ?? []) errors.check('imagePullSecrets', secret, Rules.dns1123Subdomain(secret));

  const storage = sizeQuantity(props.storage ?? Size.gibibytes(10));
  errors.addProblems(storageProblems(props, storage));

  const resources = resolveResources(props.resources, errors);
  if (resources.memoryBytes > 0 && resources.memoryBytes < MIN_MEMORY_BYTES) {
    errors.add('resources.memory', `${Math.round(resources.memoryBytes / 1024 / 1024)}Mi`, 'must be at least 250Mi (postgres-operator\'s min_memory_limit): Patroni, PostgreSQL and bg_mon are OOM-killed below it');
  }
  const userParameters = props.parameters ?? {};
  errors.addProblems(validateParameters(userParameters, postgresVersion));
  // The exporter connects as a generated login role with pg_monitor's privileges only.
  const monitoring = resolveClusterMonitoring(props.monitoring, postgresVersion, userParameters, errors);
  const parameters = {
    ...defaultParameters({
      memoryBytes: resources.memoryBytes,
      cpuMillis: resources.cpuMillis,
      storageBytes: Rules.quantity(storage) ? 0 : parseQuantity(storage),
    }),
    ...monitoring?.value.logsToStdout ? { log_destination: 'jsonlog' } : {},
    ...userParameters,
  };
  const patroni = resolvePatroniSettings(props.patroni);
  errors.addProblems(validatePatroniSettings(patroni, instances));
  const ruleContext = { major: postgresVersion, instances, archiving: props.backup !== undefined, synchronousMode: patroni.synchronousMode };
  errors.addProblems(parameterConflicts(parameters, Object.keys(userParameters), { ...ruleContext, memoryBytes: resources.memoryBytes }));

  const requestedPlacement = resolvePodPlacement(props, {
    hostAntiAffinity: Placement.REQUIRED,
    terminationGracePeriodSeconds: 300,
    minGraceSeconds: 30,
    minGraceReason: 'PostgreSQL needs time for a shutdown checkpoint',
  }, errors);
  // A single member has nobody to be kept apart from, and a budget it could never meet would block drains.
  const placement = instances > 1 ? requestedPlacement
    : { ...requestedPlacement, hostAntiAffinity: Placement.DISABLED, podDisruptionBudget: false };

  const names = new ClusterNames(props.name);
  // The pooler authenticates clients through a lookup function owned by its own login role.
  const poolerRole = props.connectionPooler ? (props.connectionPooler.poolerRole ?? BootstrapSql.DEFAULT_POOLER_ROLE) : undefined;
  const monitoringRoles = monitoring ? [{ name: monitoring.value.monitoringRole, memberOf: ['pg_monitor'] }] : [];
  const roles = props.roles || monitoring ? [...props.roles ?? [], ...monitoringRoles] : undefined;
  const bootstrapSpec: DatabaseBootstrapSpec = withAlternatingLogins({ roles, databases: props.databases, poolerRole }, props);
  const credentials = resolveClusterCredentials({
    names,
    superuser: props.superuserCredentials,
    replication: props.replicationCredentials,
    spec: bootstrapSpec,
    overrides: props.roleCredentials ?? {},
    clusterNameValid: nameProblem === undefined,
  });
  errors.addProblems([...credentials.problems, ...rotationProblems(props, poolerRole, monitoring?.value.monitoringRole)]);
  const api = (props.patroniApiCredentials ?? Credentials.generated())._bind(PatroniRestApi.DEFAULT_USERNAME, PatroniRestApi.secretName(props.name));
  errors.addProblems(api.problems, 'patroniApiCredentials');
  // Every Secret the cluster provisions (generated or from an external store): its users' and the REST API's.
  const bindings = [...credentials.value.values(), api.value];
  if (props.secretGenerator && context.secretGeneratorNamespace !== namespace) {
    errors.add('secretGenerator', props.secretGenerator.node.path, `must be in the cluster's namespace (${namespace}): Secrets are namespaced`);
  }
  if (props.rbac && context.rbacNamespace !== namespace) {
    errors.add('rbac', props.rbac.node.path, `must be in the cluster's namespace (${namespace}): a ServiceAccount serves only pods of its own namespace`);
  }

  validateLabels(errors, 'labels', props.labels);
  validateLabels(errors, 'podLabels', props.podLabels);
  validateAnnotationKeys(errors, 'annotations', props.annotations);
  validateAnnotationKeys(errors, 'podAnnotations', props.podAnnotations);
  for (const [property, labels] of [['labels', props.labels], ['podLabels', props.podLabels]] as const) {
    for (const key of Object.keys(labels ?? {})) {
      if (RESERVED_MEMBER_LABELS.includes(key)) errors.add(`${property} key`, key, 'is reserved: Patroni and the Services select member pods by it');
    }
  }

  // Only with backups or a source, and on a valid name and size (already reported otherwise).
  let backup = NO_BACKUP;
  if ((props.backup || props.source) && !nameProblem && instancesValid) {
    const resolved = resolveBackup(props, namespace ?? 'default', postgresVersion, instances);
    backup = resolved.value;
    errors.addProblems(resolved.problems);
  }
  if (props.rbac && Object.keys(backup.serviceAccountAnnotations).length > 0) {
    errors.add('backup.storage.credentials', 'workloadIdentity', 'needs the annotations on the ServiceAccount: pass them as serviceAccountAnnotations of the shared PatroniRbac, or let the cluster create its own');
  }
  const upgradeContext = upgradeModeContext(backup, props.source !== undefined);
  errors.addProblems(majorUpgradeProblems(props.majorUpgrade, { postgresVersion, imageVersions: supported, ...upgradeContext }));
  const tls = resolveTls(props, poolerRole);
  errors.addProblems(tls.problems);

  const standby = upgradeContext.standby;
  if (standby && monitoring) {
    errors.add('monitoring', 'set', 'cannot create its monitoring role on a standby cluster (read-only until promoted); monitor the source cluster, or add the exporter after promotion');
  }
  if (standby && ((props.roles ?? []).length > 0 || (props.databases ?? []).length > 0)) {
    errors.add('roles/databases', 'declared', 'cannot be applied to a standby cluster: it is read-only until promoted; declare them on the primary cluster');
  }
  for (const group of (props.roles ?? []).flatMap((r) => r.memberOf ?? [])) {
    const since = CATALOG_MAJORS.find((m) => predefinedRoles(m).includes(group));
    if (since !== undefined && CATALOG_MAJORS.includes(postgresVersion) && !predefinedRoles(postgresVersion).includes(group)) {
      errors.add('roles[].memberOf', group, `needs PostgreSQL ${since} or later: it is not a predefined role of PostgreSQL ${postgresVersion}`);
    }
  }

  errors.addProblems(escapeHatchProblems(props, backup));
  errors.addProblems(libraryOwnedProblems(props, [...backup.volumeMounts, ...tls.value.volumeMounts]));

  const credentialsGenerated = bindings.some((b) => b.generatedSecret !== undefined);
  const bootstrapped = bootstrapSpec.roles?.length || bootstrapSpec.databases?.length || poolerRole !== undefined;
  const jobs = { secretGenerator: credentialsGenerated && !props.secretGenerator, bootstrap: !!bootstrapped };
  const networkPolicy = (props.networkPolicy?.enabled ?? true) ? clusterNetworkPolicy(props, names, jobs, monitoring?.value) : undefined;
  // Checked once the names it derives from are valid (a problem of the cluster name otherwise).
  if (networkPolicy && !nameProblem) errors.addProblems(validateDatabaseNetworkPolicy(networkPolicy), 'networkPolicy');

  const connectionPooler = props.connectionPooler ? clusterPoolerOptions(props, names, tls.value) : undefined;
  if (connectionPooler && !nameProblem && instancesValid && namespace) {
    // The pooler's own rules, against the cluster as it will be: one report for the cluster and its pooler.
    const upstream = {
      name: props.name,
      namespace,
      instances,
      port: Spilo.POSTGRES_PORT,
      primaryHost: `${names.primaryService}.${namespace}.svc`,
      replicaHost: `${names.replicaService}.${namespace}.svc`,
      parameters,
      imagePullSecrets: props.imagePullSecrets ?? [],
      users: [...credentials.value.keys()],
      userCredentials: (user: string) => credentials.value.get(user)!.credentials,
    };
    errors.addProblems(resolveConnectionPooler(connectionPooler, upstream).problems, 'connectionPooler');
  }

  return {
    problems: errors.problems,
    value: {
      props,
      name: props.name,
      namespace: namespace ?? '',
      names,
      // With problems nothing is written, and the objects are built best-effort: from a count that cannot exhaust memory.
      instances: errors.problems.length > 0 ? Math.min(instancesValid ? instances : 1, 16) : instances,
      postgresVersion,
      image,
      imagePullSecrets: props.imagePullSecrets ?? [],
      storage,
      resources,
      parameters,
      patroni,
      placement,
      credentials: new Map([...credentials.value].map(([user, b]) => [user, b.credentials])),
      apiCredentials: api.value.credentials,
      bindings,
      bootstrapSpec,
      poolerRole,
      backup,
      tls: tls.value,
      connectionPooler,
      networkPolicy,
      ordering: props.gitOpsOrdering ?? GitOpsOrdering.NONE,
      monitoring: monitoring ? { ...monitoring.value, queriesConfigMap: exporterQueriesConfigMapName(props.name) } : undefined,
    },
  };
}

function resolveBackup(
  props: PostgresClusterProps, namespace: string, postgresVersion: number, instances: number,
): Validated<SpiloBackupEnvironment> {
  const cluster = { clusterName: props.name, namespace, postgresVersion, instances };
  return resolveSpiloBackup({ cluster, backup: props.backup, bootstrap: props.source });
}

/** The pooler's options with what the cluster decides for it. */
function clusterPoolerOptions(props: PostgresClusterProps, names: ClusterNames, tls: SpiloTlsConfig): ConnectionPoolerOptions {
  const pooler = props.connectionPooler!;
  return {
    // Serving only the declared databases makes the connection bound hold for the whole server.
    databases: props.databases?.length ? props.databases.map((d) => d.name) : undefined,
    ...pooler,
    // The cluster's certificate names the pooler Services too: with server TLS, the pooler speaks TLS on both sides.
    clientTlsSecretName: pooler.clientTlsSecretName ?? tls.secretName,
    labels: { ...props.labels, ...pooler.labels, [NETWORK_GROUP_LABEL]: names.networkGroup('pooler') },
  };
}

/** The NetworkPolicy of a cluster: its own pods by group, the user's peers, and egress defaults. */
function clusterNetworkPolicy(
  props: PostgresClusterProps, names: ClusterNames, jobs: { secretGenerator: boolean; bootstrap: boolean }, monitoring?: ResolvedMonitoring,
): DatabaseNetworkPolicyProps {
  const network = props.networkPolicy ?? {};
  const group = (name: 'database' | 'secrets' | 'bootstrap' | 'pooler') => ({ [NETWORK_GROUP_LABEL]: names.networkGroup(name) });
  return {
    name: props.name,
    databasePodLabels: group('database'),
    // A generator from another chart brings its own policy.
    secretGeneratorPodLabels: jobs.secretGenerator ? group('secrets') : undefined,
    bootstrapJobPodLabels: jobs.bootstrap ? group('bootstrap') : undefined,
    pooler: props.connectionPooler ? { podLabels: group('pooler') } : undefined,
    apiServer: network.apiServer ?? { cidrs: ['0.0.0.0/0', '::/0'], port: 443, additionalPorts: [6443] },
    dns: network.dns,
    allowFrom: network.allowFrom,
    patroniApiFrom: network.patroniApiFrom,
    metricsFrom: monitoring?.prometheusPeers.length ? monitoring.prometheusPeers : undefined,
    metricsPort: monitoring ? EXPORTER.PORT : undefined,
    // Object storage has no stable addresses: with archiving on, HTTPS anywhere unless narrowed.
    backupEndpoints: network.backupEndpoints ?? (props.backup ? { cidrs: ['0.0.0.0/0', '::/0'], port: 443 } : undefined),
  };
}

function resolveTls(props: PostgresClusterProps, poolerRole: string | undefined): Validated<SpiloTlsConfig> {
  const resolved = SpiloTls.resolve({
    clusterName: props.name,
    tls: props.tls,
    clientCertificates: props.clientCertificates,
    // PgBouncer connects with the client's SCRAM keys and its own role; it holds no client certificate.
    passwordOnlyUsers: [Spilo.SUPERUSER, Spilo.REPLICATION_USER, ...poolerRole ? [poolerRole] : []],
  });
  // The user lists are built here from names checked elsewhere (the pooler role with the roles): report those once.
  const ownInputs = (p: Problem) => p.property === 'replicationUser' || p.property.startsWith('passwordOnlyUsers');
  return { value: resolved.value, problems: resolved.problems.filter((p) => !ownInputs(p)) };
}

function resolveResources(resources: kplus.ContainerResources | undefined, errors: ValidationErrors): ResolvedResources {
  const resolved = resolveContainerResources(resources, {
    cpu: { request: kplus.Cpu.millis(500) },
    memory: { request: Size.gibibytes(1), limit: Size.gibibytes(1) },
  }, errors);
  const memoryBytes = resolved.memoryLimit ?? resolved.memoryRequest;
  if (memoryBytes === undefined && !resolved.requirements.limits?.memory && !resolved.requirements.requests?.memory) {
    errors.add('resources.memory', resources?.memory, 'must set a request or a limit: PostgreSQL\'s memory settings are computed from it');
  }
  return {
    requirements: resolved.requirements,
    memoryBytes: memoryBytes ?? 0,
    cpuMillis: ((resolved.cpuLimit ?? resolved.cpuRequest) ?? 1) * 1000,
  };
}

/** What the escape hatches (extra env, containers, volumes, mounts) may not shadow or repeat. */
function escapeHatchProblems(props: PostgresClusterProps, backup: SpiloBackupEnvironment): Problem[] {
  const errors = new ValidationErrors('');
  const seenEnv = new Set<string>();
  for (const variable of props.extraEnv ?? []) {
    errors.check('extraEnv[].name', variable.name, Rules.envVarName(variable.name));
    if (MANAGED_ENV.includes(variable.name)) errors.add('extraEnv[].name', variable.name, 'is set by the library; use the matching property instead');
    if (variable.name.startsWith('PATRONI_')) errors.add('extraEnv[].name', variable.name, 'never reaches Patroni: Spilo starts Patroni with a cleared environment; use the patroni property or SPILO_CONFIGURATION settings');
    if (seenEnv.has(variable.name)) errors.add('extraEnv[].name', variable.name, 'is set twice');
    seenEnv.add(variable.name);
  }
  const containerNames = new Set<string>([Spilo.CONTAINER]);
  for (const container of props.extraContainers ?? []) {
    errors.check('extraContainers[].name', container.name, Rules.dns1123Label(container.name));
    if (containerNames.has(container.name)) errors.add('extraContainers[].name', container.name, 'must be unique and not "postgres" (the Spilo container)');
    containerNames.add(container.name);
    errors.check(`extraContainers[${container.name}].image`, container.image, container.image ? validateImageReference(container.image) : 'must be set');
    for (const port of container.ports ?? []) {
      if (port.name !== undefined) errors.check(`extraContainers[${container.name}].ports[].name`, port.name, Rules.portName(port.name));
    }
    for (const variable of container.env ?? []) errors.check(`extraContainers[${container.name}].env[].name`, variable.name, Rules.envVarName(variable.name));
  }
  const volumeNames = new Set<string>([Spilo.PGDATA_VOLUME, Spilo.SHM_VOLUME, 'tls', 'tls-ca', ...backup.volumes.map((v) => v.name)]);
  for (const volume of props.extraVolumes ?? []) {
    errors.check('extraVolumes[].name', volume.name, Rules.dns1123Label(volume.name));
    if (volumeNames.has(volume.name)) errors.add('extraVolumes[].name', volume.name, 'must be unique and not one of the library\'s volumes (pgdata, dshm)');
    volumeNames.add(volume.name);
  }
  for (const mount of props.extraVolumeMounts ?? []) {
    if (!volumeNames.has(mount.name)) errors.add('extraVolumeMounts[].name', mount.name, 'must name a volume of extraVolumes');
    if (mount.mountPath === Spilo.PGDATA_MOUNT || mount.mountPath === Spilo.SHM_MOUNT) {
      errors.add('extraVolumeMounts[].mountPath', mount.mountPath, 'is used by the library (data volume or shared memory)');
    }
  }
  return [...errors.problems];
}
