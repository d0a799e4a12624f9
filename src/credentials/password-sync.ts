import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ResolvedCredentials } from './credentials';
import { PASSWORD_SYNC_SOURCE } from './password-sync-python';
import { EXEMPTION_REASONS, exemptionAnnotations } from '../audit/exemptions';
import { PolicyCheck } from '../audit/policy-rules';
import { contentHash } from '../private/hash';
import { RESTRICTED_CONTAINER, restrictedJobPod, SMALL_JOB_RESOURCES, SPILO_GID } from '../private/job-pod';
import { KubeConfigMap, KubeDeployment } from '../private/kube';

/** One role whose PostgreSQL password follows its Secret. */
export interface PasswordSyncRole {
  /** The PostgreSQL role. */
  readonly role: string;
  /** Its Secret and keys. */
  readonly credentials: ResolvedCredentials;
}

/** Properties of {@link PasswordSync}. */
export interface PasswordSyncProps {
  /** Name of the Deployment and its ConfigMap. */
  readonly name: string;
  /** Image with python3 and psql (the cluster's Spilo image). */
  readonly image: string;
  /** Host of the primary (the cluster's primary Service) and its port. */
  readonly primaryHost: string;
  readonly port: number;
  /** The superuser's Secret: the sync logs in with it. */
  readonly superuser: ResolvedCredentials;
  /** The roles to follow. */
  readonly roles: PasswordSyncRole[];
  /** Labels of the Deployment, its pods and the ConfigMap (the pods' must be admitted to the members' 5432). */
  readonly labels: Record<string, string>;
  /** @default Duration.seconds(10) */
  readonly interval?: Duration;
  /** @default - none */
  readonly imagePullSecrets?: string[];
}

const SCRIPT = 'password-sync.py';
const ROLES_DIR = '/pgaas/roles';
const SUPERUSER_DIR = '/pgaas/superuser';
const HEARTBEAT = '/run/pgaas/heartbeat';

/** A probe that fails when the loop has not touched its heartbeat file for `seconds`. */
function heartbeatProbe(seconds: number, periodSeconds: number): k8s.Probe {
  const check = `import os, sys, time; sys.exit(0 if time.time() - os.path.getmtime('${HEARTBEAT}') < ${seconds} else 1)`;
  return { exec: { command: ['python3', '-c', check] }, initialDelaySeconds: 5, periodSeconds, timeoutSeconds: 5, failureThreshold: 3 };
}

const EXEMPTIONS: Array<[PolicyCheck, string]> = [
  [PolicyCheck.IMAGE_PULL_POLICY, EXEMPTION_REASONS.imagePull],
  [PolicyCheck.HIGH_UID, EXEMPTION_REASONS.spiloUid],
  [PolicyCheck.NETWORK_POLICY_RULES, 'the password sync accepts no connections: its NetworkPolicy denies all ingress, which has no rule for Polaris to see'],
  [PolicyCheck.DEPLOYMENT_REPLICAS, 'one idempotent pod is enough: while it restarts, changes wait for its next pass; a second pod would repeat the same work'],
];

/**
 * A one-replica Deployment that makes PostgreSQL follow the passwords of mounted Secrets: whenever a
 * Secret's value changes (a rotation, an ExternalSecret refresh, a new sealed Secret), the kubelet
 * refreshes the mounted file and the script sets the role's password on the primary (a SCRAM
 * verifier computed in the pod, so the password never reaches a log). No RBAC: it reads volumes.
 */
export class PasswordSync extends Construct {
  public static readonly SCRIPT_SOURCE: string = PASSWORD_SYNC_SOURCE;

  public readonly configMap: k8s.KubeConfigMap;
  public readonly deployment: k8s.KubeDeployment;

  constructor(scope: Construct, id: string, props: PasswordSyncProps) {
    super(scope, id);
    const roles = [...props.roles].sort((a, b) => a.role.localeCompare(b.role));
    const volume = (role: string) => `role-${roles.findIndex((r) => r.role === role)}`;
    const metadata = { name: props.name, labels: props.labels };
    this.configMap = new KubeConfigMap(this, 'Script', { metadata, data: { [SCRIPT]: PASSWORD_SYNC_SOURCE } });
    const env: k8s.EnvVar[] = [
      { name: 'PGAAS_SYNC_ROLES', value: JSON.stringify(roles.map((r) => ({ role: r.role, passwordFile: `${ROLES_DIR}/${r.role}/password` }))) },
      { name: 'PGAAS_SYNC_SUPERUSER_DIR', value: SUPERUSER_DIR },
      { name: 'PGAAS_SYNC_INTERVAL_SECONDS', value: String((props.interval ?? Duration.seconds(10)).toSeconds()) },
      { name: 'PGHOST', value: props.primaryHost },
      { name: 'PGPORT', value: String(props.port) },
      { name: 'PGDATABASE', value: 'postgres' },
      { name: 'PGSSLMODE', value: 'require' },
      { name: 'PGAAS_SYNC_HEARTBEAT_FILE', value: HEARTBEAT },
    ];
    // Secret volumes: the kubelet rewrites the files when the Secret changes (environment variables never change).
    const secretVolume = (name: string, secretName: string, items: k8s.KeyToPath[]): k8s.Volume =>
      ({ name, secret: { secretName, items, defaultMode: 0o440 } });
    const volumes: k8s.Volume[] = [
      { name: 'script', configMap: { name: props.name } },
      { name: 'run', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } },
      secretVolume('superuser', props.superuser.secretName, [
        { key: props.superuser.usernameKey, path: 'username' },
        { key: props.superuser.passwordKey, path: 'password' },
      ]),
      ...roles.map((r) => secretVolume(volume(r.role), r.credentials.secretName, [{ key: r.credentials.passwordKey, path: 'password' }])),
    ];
    const mounts: k8s.VolumeMount[] = [
      { name: 'script', mountPath: '/scripts', readOnly: true },
      { name: 'run', mountPath: '/run/pgaas' },
      { name: 'superuser', mountPath: SUPERUSER_DIR, readOnly: true },
      ...roles.map((r) => ({ name: volume(r.role), mountPath: `${ROLES_DIR}/${r.role}`, readOnly: true })),
    ];
    const pod = restrictedJobPod({
      automountToken: false,
      imagePullSecrets: props.imagePullSecrets,
      containers: [{
        name: 'sync',
        image: props.image,
        imagePullPolicy: 'IfNotPresent',
        command: ['python3', `/scripts/${SCRIPT}`],
        env,
        resources: SMALL_JOB_RESOURCES,
        securityContext: RESTRICTED_CONTAINER,
        // Ready once the loop runs; restarted when it hangs (a pass is bounded by psql's 60 s timeouts).
        readinessProbe: heartbeatProbe(30, 10),
        livenessProbe: heartbeatProbe(300, 30),
        volumeMounts: mounts,
      }],
      volumes,
    });
    this.deployment = new KubeDeployment(this, 'Deployment', {
      metadata: { ...metadata, annotations: exemptionAnnotations(EXEMPTIONS) },
      spec: {
        replicas: 1,
        // Never two at once (harmless, the script is idempotent, but pointless).
        strategy: { type: 'Recreate' },
        selector: { matchLabels: props.labels },
        template: {
          // A changed script rolls the pod; Secret values never need a restart.
          metadata: { labels: props.labels, annotations: { 'cdk8s-pgaas/script-hash': contentHash(PASSWORD_SYNC_SOURCE) } },
          spec: { ...pod, restartPolicy: 'Always', securityContext: { ...pod.securityContext, fsGroup: SPILO_GID } },
        },
      },
    });
  }
}
