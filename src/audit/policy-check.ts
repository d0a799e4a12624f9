/**
 * The checks of {@link PolicyRules} and the shapes of its reports and exemptions (see policy-rules.ts
 * for the checker and policy-exemptions.ts for the annotation conventions).
 */

/** The checks of {@link PolicyRules}. Values are the check IDs used in annotations and reports. */
export enum PolicyCheck {
  /** Containers request CPU (kube-linter unset-cpu-requirements, kube-score container-resources, Polaris cpuRequestsMissing). */
  CPU_REQUEST = 'cpu-request',
  /** Containers request memory (kube-score container-resources, Polaris memoryRequestsMissing). */
  MEMORY_REQUEST = 'memory-request',
  /** Containers have a memory limit (kube-linter unset-memory-requirements, kube-score container-resources, Polaris memoryLimitsMissing). */
  MEMORY_LIMIT = 'memory-limit',
  /** Containers have a CPU limit (kube-score container-resources, Polaris cpuLimitsMissing). */
  CPU_LIMIT = 'cpu-limit',
  /** Containers request and limit ephemeral storage (kube-score container-ephemeral-storage-request-and-limit). */
  EPHEMERAL_STORAGE = 'ephemeral-storage',
  /** Long-running containers have a readiness probe (kube-linter no-readiness-probe, kube-score pod-probes, Polaris readinessProbeMissing). */
  READINESS_PROBE = 'readiness-probe',
  /** Long-running containers have a liveness probe (kube-linter no-liveness-probe, kube-score pod-probes, Polaris livenessProbeMissing). */
  LIVENESS_PROBE = 'liveness-probe',
  /** Readiness and liveness probes differ (kube-score pod-probes-identical). */
  PROBES_IDENTICAL = 'probes-identical',
  /** Probes use ports the container declares (kube-linter liveness-port, readiness-port, startup-port). */
  PROBE_PORT = 'probe-port',
  /** Images name a tag other than latest, or a digest (kube-linter latest-tag, kube-score container-image-tag, Polaris tagNotSpecified). */
  IMAGE_TAG = 'image-tag',
  /** imagePullPolicy is Always (kube-score container-image-pull-policy, Polaris pullPolicyNotAlways). */
  IMAGE_PULL_POLICY = 'image-pull-policy',
  /** No privileged container (kube-linter privileged-container, kube-score container-security-context-privileged, Polaris runAsPrivileged). */
  PRIVILEGED = 'privileged',
  /** No hostNetwork (kube-linter host-network, Polaris hostNetworkSet). */
  HOST_NETWORK = 'host-network',
  /** No hostPID (kube-linter host-pid, Polaris hostPIDSet). */
  HOST_PID = 'host-pid',
  /** No hostIPC (kube-linter host-ipc, Polaris hostIPCSet). */
  HOST_IPC = 'host-ipc',
  /** No hostPath volume (kube-linter sensitive-host-mounts, Polaris hostPathSet). */
  HOST_PATH = 'host-path',
  /** No hostPort (Polaris hostPortSet). */
  HOST_PORT = 'host-port',
  /** Containers cannot run as root (kube-linter run-as-non-root, Polaris runAsRootAllowed). */
  RUN_AS_NON_ROOT = 'run-as-non-root',
  /** runAsUser and runAsGroup set and >= 10000 (kube-score container-security-context-user-group-id). */
  HIGH_UID = 'high-uid',
  /** readOnlyRootFilesystem: true (kube-linter no-read-only-root-fs, kube-score container-security-context-readonlyrootfilesystem, Polaris notReadOnlyRootFilesystem). */
  READ_ONLY_ROOT_FS = 'read-only-root-fs',
  /** allowPrivilegeEscalation: false, no SYS_ADMIN (kube-linter privilege-escalation-container, Polaris privilegeEscalationAllowed). */
  PRIVILEGE_ESCALATION = 'privilege-escalation',
  /** capabilities.drop contains ALL, nothing dangerous added (kube-linter drop-net-raw-capability, Polaris insecureCapabilities, dangerousCapabilities). */
  DROP_ALL_CAPABILITIES = 'drop-all-capabilities',
  /** seccomp RuntimeDefault or Localhost (kube-score container-seccomp-profile, Polaris linuxHardening). */
  SECCOMP_PROFILE = 'seccomp-profile',
  /** The pod sets automountServiceAccountToken: false explicitly (Polaris automountServiceAccountToken). */
  SERVICE_ACCOUNT_TOKEN = 'service-account-token',
  /** A named ServiceAccount exists in the bundle; the default one is not used with a token (kube-linter non-existent-service-account, default-service-account). */
  SERVICE_ACCOUNT_EXISTS = 'service-account-exists',
  /** No literal value in an env var whose name looks secret (kube-linter env-var-secret, Polaris sensitiveContainerEnvVar). */
  ENV_SECRET_LITERAL = 'env-secret-literal',
  /** No duplicate env var names (kube-linter duplicate-env-var, kube-score environment-variable-key-duplication). */
  DUPLICATE_ENV = 'duplicate-env',
  /** Multi-replica workloads spread with pod anti-affinity (kube-linter no-anti-affinity, kube-score *-has-host-podantiaffinity). */
  ANTI_AFFINITY = 'anti-affinity',
  /** Multi-replica workloads have a PodDisruptionBudget (kube-score *-has-poddisruptionbudget, Polaris missingPodDisruptionBudget). */
  POD_DISRUPTION_BUDGET = 'pod-disruption-budget',
  /** A PodDisruptionBudget allows disruptions and sets unhealthyPodEvictionPolicy (kube-linter pdb-*, kube-score poddisruptionbudget-has-policy, Polaris pdbDisruptionsIsZero). */
  PDB_POLICY = 'pdb-policy',
  /** A StatefulSet's serviceName is a headless Service selecting its pods (kube-score statefulset-has-servicename). */
  STATEFULSET_SERVICE_NAME = 'statefulset-service-name',
  /** A Service's selector matches some pod template (kube-linter dangling-service, kube-score service-targets-pod). */
  SERVICE_TARGETS_POD = 'service-targets-pod',
  /** A workload's selector matches its pod template (kube-linter mismatching-selector, kube-score *-pod-selector-labels-match-template-metadata-labels). */
  SELECTOR_MATCHES_TEMPLATE = 'selector-matches-template',
  /** A Service or PodDisruptionBudget selects the pods of one workload only (cdk8s-pgaas). */
  SELECTOR_OVERLAP = 'selector-overlap',
  /** Required labels are present and label values are valid (kube-score label-values, plus cdk8s-pgaas required labels). */
  LABELS = 'labels',
  /** Every pod is isolated by NetworkPolicies for ingress and egress (kube-linter non-isolated-pod, kube-score pod-networkpolicy). */
  NETWORK_POLICY = 'network-policy',
  /** Polaris' form of the above: a policy matching one pod label with non-empty ingress and egress rules (Polaris missingNetworkPolicy). */
  NETWORK_POLICY_RULES = 'network-policy-rules',
  /** A NetworkPolicy selects some pod (kube-linter dangling-networkpolicy, kube-score networkpolicy-targets-pod). */
  NETWORK_POLICY_TARGETS_POD = 'network-policy-targets-pod',
  /** Jobs set ttlSecondsAfterFinished, CronJob job templates do not (kube-linter job-ttl-seconds-after-finished). */
  JOB_TTL = 'job-ttl',
  /** CronJobs set startingDeadlineSeconds and a valid restartPolicy (kube-score cronjob-has-deadline, cronjob-restartpolicy). */
  CRONJOB_DEADLINE = 'cronjob-deadline',
  /** Deployments run at least 2 replicas (kube-score deployment-replicas, Polaris deploymentMissingReplicas). */
  DEPLOYMENT_REPLICAS = 'deployment-replicas',
  /** No wildcard in RBAC rules (kube-linter wildcard-in-rules). */
  RBAC_WILDCARD = 'rbac-wildcard',
  /** No RBAC access to Secrets (kube-linter access-to-secrets). */
  RBAC_SECRETS = 'rbac-secrets',
  /** No NodePort Service (kube-score service-type). */
  SERVICE_TYPE = 'service-type',
}

/** One failed check on one object. */
export interface PolicyViolation {
  /** The check. */
  readonly check: PolicyCheck;
  /** The object as 'Kind/name'. */
  readonly object: string;
  /** Path of the offending field, e.g. 'spec.template.spec.containers[0].resources.limits.cpu'. */
  readonly path: string;
  /** What is wrong and how to fix it (or exempt it). */
  readonly message: string;
  /** The upstream checks this stands for, as 'tool:check' (e.g. 'kube-linter:no-read-only-root-fs'). */
  readonly upstream: string[];
}

/** A deliberate, reviewed exception to one check on one object. */
export interface PolicyExemption {
  /** The check to exempt. */
  readonly check: PolicyCheck;
  /** Why the object may not satisfy the check; written into the YAML next to the exemption. */
  readonly reason: string;
}

/** Options of {@link PolicyRules.check}. */
export interface PolicyRulesOptions {
  /**
   * Labels every object must carry.
   * @default ['app.kubernetes.io/name']
   */
  readonly requiredLabels?: string[];
  /**
   * Checks not to run at all (for checks a deployment does not care about, e.g. NETWORK_POLICY where
   * the CNI enforces none). Prefer per-object exemptions: they are visible in the YAML.
   * @default - every check runs
   */
  readonly skip?: PolicyCheck[];
}
