import { k8s } from 'cdk8s-plus-27';
import { DYNAMIC_CONFIGURATION_ENV, dynamicConfigEnv, splitLocalParameters } from './dynamic-config';
import { PatroniRestApi } from './patroni-rest-api';
import { PreStopHook } from './prestop-hook';
import { Spilo, SpiloLabels } from './spilo-contract';
import { templateStorage } from './storage-rules';
import { ResolvedCluster } from './validate-props';
import { spiloExemptions } from '../audit/exemptions';
import { ResolvedCredentials } from '../credentials/credentials';
import { exporterQueriesAnnotation } from '../monitoring/cluster-monitoring';
import { exporterContainer, exporterQueriesVolume } from '../monitoring/exporter-sidecar';
import { logForwarderContainer } from '../monitoring/log-forwarder';
import { written } from '../private/kube';
import { placementPodSpec } from '../private/placement';

/**
 * The Spilo pod as pure functions of the resolved props: the configuration Patroni runs with, the
 * container's environment, the container, and the StatefulSet spec. Everything computed is written
 * into the manifest (SPILO_CONFIGURATION), so a reviewer sees what PostgreSQL and Patroni run with.
 */

/** Labels that select the cluster's member pods (part of the StatefulSet selector, so stable). */
export function memberSelector(name: string): Record<string, string> {
  return { ...SpiloLabels.PATRONI, [SpiloLabels.SCOPE]: name };
}

/** Labels of every object of the cluster (not selectors). */
export function clusterObjectLabels(cluster: ResolvedCluster): Record<string, string> {
  return {
    ...cluster.props.labels,
    ...memberSelector(cluster.name),
    'app.kubernetes.io/component': 'database',
    'app.kubernetes.io/name': 'postgresql',
    'app.kubernetes.io/managed-by': 'cdk8s-pgaas',
  };
}

/**
 * The configuration Spilo merges over its own: initdb, bootstrap.dcs, local parameters and pg_hba.
 * bootstrap.dcs is a reference to the dynamic configuration ConfigMap (the kubelet expands it when the
 * container starts), so a change of the dynamic configuration never changes the pod template.
 */
export function spiloConfiguration(cluster: ResolvedCluster): Record<string, unknown> {
  const { local } = splitLocalParameters(cluster.parameters);
  return {
    bootstrap: {
      initdb: [{ 'auth-host': 'scram-sha-256' }, { 'auth-local': 'trust' }, 'data-checksums', { encoding: 'UTF8' }, { locale: 'en_US.UTF-8' }],
      dcs: DYNAMIC_CONFIGURATION_SENTINEL,
    },
    postgresql: {
      parameters: local,
      pg_hba: cluster.tls.pgHba,
    },
  };
}

const DYNAMIC_CONFIGURATION_SENTINEL = '@@pgaas-dynamic-configuration@@';
const STREAMING_STANDBY_ENV = ['STANDBY_HOST', 'STANDBY_PORT', 'STANDBY_PRIMARY_SLOT_NAME'];

function passwordRef(credentials: ResolvedCredentials): k8s.EnvVarSource {
  return { secretKeyRef: { name: credentials.secretName, key: credentials.passwordKey } };
}

/** The Spilo container's environment, in the order the kubelet must expand it. */
export function spiloEnv(cluster: ResolvedCluster): k8s.EnvVar[] {
  const superuser = cluster.credentials.get(Spilo.SUPERUSER)!;
  const replication = cluster.credentials.get(Spilo.REPLICATION_USER)!;
  const api = cluster.apiCredentials;
  return [
    { name: 'SCOPE', value: cluster.name },
    { name: 'PGROOT', value: Spilo.PGROOT },
    { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
    { name: 'PGVERSION', value: String(cluster.postgresVersion) },
    { name: 'PGUSER_SUPERUSER', value: Spilo.SUPERUSER },
    { name: 'PGPASSWORD_SUPERUSER', valueFrom: passwordRef(superuser) },
    { name: 'PGUSER_STANDBY', value: Spilo.REPLICATION_USER },
    { name: 'PGPASSWORD_STANDBY', valueFrom: passwordRef(replication) },
    { name: 'DCS_ENABLE_KUBERNETES_API', value: 'true' },
    { name: 'KUBERNETES_USE_CONFIGMAPS', value: 'true' },
    { name: 'KUBERNETES_SCOPE_LABEL', value: SpiloLabels.SCOPE },
    { name: 'KUBERNETES_ROLE_LABEL', value: SpiloLabels.ROLE },
    { name: 'KUBERNETES_LEADER_LABEL_VALUE', value: SpiloLabels.LEADER_VALUE },
    { name: 'KUBERNETES_STANDBY_LEADER_LABEL_VALUE', value: SpiloLabels.LEADER_VALUE },
    { name: 'KUBERNETES_LABELS', value: JSON.stringify(SpiloLabels.PATRONI) },
    // Spilo turns Patroni's bypass_api_service on by default (KUBERNETES_BYPASS_API_SERVICE unset means 'true'); bypassing the Service
    // needs `get` on endpoints/kubernetes in the `default` namespace, which a namespaced Role cannot
    // grant, so Patroni 4 met a 403 at every start (found on a real API server). Any value but 'true'
    // switches it off in Spilo (configure_spilo.py); 'disabled' also keeps the "never 'false'" rule and is no YAML 1.1 boolean (as 'off' would be).
    { name: 'KUBERNETES_BYPASS_API_SERVICE', value: 'disabled' },
    ...cluster.tls.env,
    // Defined before SPILO_CONFIGURATION: the kubelet expands $(PATRONI_RESTAPI_*) in it, so the
    // REST API password reaches Patroni without ever being in the manifest.
    ...PatroniRestApi.env({ secretName: api.secretName, usernameKey: api.usernameKey, passwordKey: api.passwordKey }),
    // The desired dynamic configuration, from its ConfigMap: bootstrap.dcs refers to it.
    dynamicConfigEnv(cluster.name),
    // Indented JSON is valid YAML for Spilo and keeps reviews line-by-line.
    {
      name: 'SPILO_CONFIGURATION',
      value: PatroniRestApi.spiloConfiguration(spiloConfiguration(cluster), true).replace(JSON.stringify(DYNAMIC_CONFIGURATION_SENTINEL), `$(${DYNAMIC_CONFIGURATION_ENV})`),
    },
    // A streaming standby's source is in the dynamic configuration (standby_cluster), so promoting it changes no pod.
    ...cluster.backup.env.filter((e) => !STREAMING_STANDBY_ENV.includes(e.name)),
    ...(cluster.props.extraEnv ?? []).map(written(k8s.toJson_EnvVar)),
  ];
}

/** The Spilo container. */
export function spiloContainer(cluster: ResolvedCluster): k8s.Container {
  const httpGet = (path: string) => ({ path, port: k8s.IntOrString.fromString('patroni'), scheme: 'HTTP' });
  return {
    name: Spilo.CONTAINER,
    image: cluster.image,
    imagePullPolicy: 'IfNotPresent',
    ports: [
      { name: 'postgresql', containerPort: Spilo.POSTGRES_PORT, protocol: 'TCP' },
      { name: 'patroni', containerPort: Spilo.PATRONI_PORT, protocol: 'TCP' },
    ],
    env: spiloEnv(cluster),
    resources: cluster.resources.requirements,
    volumeMounts: [
      { name: Spilo.PGDATA_VOLUME, mountPath: Spilo.PGDATA_MOUNT },
      { name: Spilo.SHM_VOLUME, mountPath: Spilo.SHM_MOUNT },
      ...cluster.backup.volumeMounts,
      ...cluster.tls.volumeMounts,
      ...(cluster.props.extraVolumeMounts ?? []).map(written(k8s.toJson_VolumeMount)),
    ],
    // Patroni answers /readiness when PostgreSQL runs; /liveness when its HA loop runs (within ttl).
    readinessProbe: { httpGet: httpGet('/readiness'), initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
    livenessProbe: { httpGet: httpGet('/liveness'), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
    // Spilo configures itself before Patroni listens; allow 5 minutes before liveness applies.
    startupProbe: { httpGet: httpGet('/liveness'), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 30 },
    // A leader being stopped (rolling update, node drain) first hands over to a healthy replica:
    // a planned switchover (~2 s) instead of a failover (ttl). Bounded well below the grace period;
    // always exits 0 so it never blocks termination.
    lifecycle: { preStop: { exec: { command: PreStopHook.command(PreStopHook.timeoutFor(cluster.placement.terminationGracePeriodSeconds)) } } },
    securityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      runAsNonRoot: true,
      runAsUser: Spilo.UID,
      runAsGroup: Spilo.GID,
      // Spilo writes /etc/passwd, /run and /tmp at start (spilo issue #374); it does not support a read-only root.
      readOnlyRootFilesystem: false,
    },
  };
}

/** The exporter sidecar, with monitoring. */
export function monitoringContainers(cluster: ResolvedCluster): k8s.Container[] {
  const monitoring = cluster.monitoring;
  if (!monitoring) return [];
  const exporter = exporterContainer({
    image: monitoring.exporterImage,
    resources: monitoring.exporterResources,
    // Missing only when the role is invalid: that is in the report, and nothing is synthesized.
    credentials: cluster.credentials.get(monitoring.monitoringRole) ?? cluster.credentials.get(Spilo.SUPERUSER)!,
    queriesConfigMap: monitoring.queriesConfigMap,
    postgresPort: Spilo.POSTGRES_PORT,
  });
  if (!monitoring.logsToStdout) return [exporter];
  // Spilo's PGDATA (its data_dir, configure_spilo.py): PGROOT/pgdata, where PostgreSQL writes current_logfiles.
  const pgdata = `${Spilo.PGROOT}/pgdata`;
  return [exporter, logForwarderContainer({
    image: cluster.image, pgdataVolume: Spilo.PGDATA_VOLUME, pgdataMount: Spilo.PGDATA_MOUNT, pgdata, uid: Spilo.UID, gid: Spilo.GID,
  })];
}

/** The policy exemptions the StatefulSet carries; the CPU one only while no CPU limit is set. */
export function statefulSetExemptions(cluster: ResolvedCluster) {
  return spiloExemptions(cluster.resources.requirements.limits?.cpu !== undefined);
}

/** The StatefulSet spec of the members. */
export function spiloStatefulSetSpec(cluster: ResolvedCluster, serviceAccountName: string, podLabels: Record<string, string>): k8s.StatefulSetSpec {
  const props = cluster.props;
  const selector = memberSelector(cluster.name);
  return {
    replicas: cluster.instances,
    serviceName: cluster.names.headlessService,
    selector: { matchLabels: selector },
    // Parallel: after an outage every member starts at once and Patroni's DCS lock decides the
    // leader; OrderedReady would keep all members down while member 0 cannot start.
    podManagementPolicy: 'Parallel',
    // RollingUpdate: a changed manifest rolls out without an operator, one member at a time from the
    // highest ordinal, each waiting for the previous one to be Ready (Patroni's /readiness).
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    persistentVolumeClaimRetentionPolicy: props.deleteVolumesWithCluster
      ? { whenDeleted: 'Delete', whenScaled: 'Delete' }
      : { whenDeleted: 'Retain', whenScaled: 'Retain' },
    template: {
      metadata: {
        labels: podLabels,
        annotations: cluster.monitoring ? { ...props.podAnnotations, ...exporterQueriesAnnotation() } : props.podAnnotations,
      },
      spec: {
        serviceAccountName,
        // Patroni uses the Kubernetes API as its DCS.
        automountServiceAccountToken: true,
        // Service links would add an environment variable per Service to Spilo's environment.
        enableServiceLinks: false,
        securityContext: {
          runAsNonRoot: true,
          runAsUser: Spilo.UID,
          runAsGroup: Spilo.GID,
          fsGroup: Spilo.GID,
          // Spilo chmods PGDATA itself; a recursive chown at every start would slow large volumes.
          fsGroupChangePolicy: 'OnRootMismatch',
          seccompProfile: { type: 'RuntimeDefault' },
        },
        ...placementPodSpec(cluster.placement, selector),
        imagePullSecrets: props.imagePullSecrets?.map((name) => ({ name })),
        containers: [spiloContainer(cluster), ...monitoringContainers(cluster), ...(props.extraContainers ?? []).map(written(k8s.toJson_Container))],
        volumes: [
          { name: Spilo.SHM_VOLUME, emptyDir: { medium: 'Memory' } },
          ...cluster.backup.volumes,
          ...cluster.tls.volumes,
          ...cluster.monitoring ? [exporterQueriesVolume(cluster.monitoring.queriesConfigMap)] : [],
          ...(props.extraVolumes ?? []).map(written(k8s.toJson_Volume)),
        ],
      },
    },
    volumeClaimTemplates: [{
      // Written in full: the API server adds apiVersion and kind to each template, so GitOps tools would report their
      // absence as drift (the typed template has neither; the library's objects hold Kubernetes JSON, private/kube.ts).
      ...{ apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
      metadata: { name: Spilo.PGDATA_VOLUME, labels: clusterObjectLabels(cluster) },
      spec: {
        accessModes: ['ReadWriteOnce'],
        volumeMode: 'Filesystem',
        storageClassName: props.storageClassName,
        resources: { requests: { storage: k8s.Quantity.fromString(templateStorage(props, cluster.storage)) } },
      },
    }],
  };
}
