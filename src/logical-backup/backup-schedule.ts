import { ApiObject, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { LogicalBackupScripts } from './logical-backup-scripts';
import { BACKUP_SCHEDULE_SCHEMA } from './prop-types';
import { BackupScheduleProps } from './props';
import { DEFAULT_BACKUP_USER, resolveBackupSchedule } from './validate-props';
import { EXEMPTION_REASONS, exemptionAnnotations } from '../audit/exemptions';
import { PolicyCheck } from '../audit/policy-rules';
import { Credentials } from '../credentials/credentials';
import type { RoleProps } from '../database/roles';
import { registerOwned } from '../private/app-collisions';
import { contentHash, hashedName } from '../private/hash';
import { RESTRICTED_CONTAINER, restrictedJobPod, SPILO_GID } from '../private/job-pod';
import { KubeConfigMap, KubeCronJob, KubePersistentVolumeClaim, written } from '../private/kube';
import { libpqEnv } from '../private/libpq-env';
import { NETWORK_GROUP_LABEL } from '../private/names';
import { orderAfter, orderAfterInChart } from '../private/ordering';
import { sizeQuantity } from '../private/quantities';
import { requirePropTypes } from '../private/runtime-types';
import { reportResolved } from '../private/tree-report';
import { ValidationErrors } from '../private/validation';


/** Directory of the scripts inside the backup container. */
const SCRIPTS_DIR = '/opt/pgaas/backup';
const SCRATCH_PATH = '/tmp';

/**
 * Scheduled logical backups of a cluster: a CronJob runs the library's backup scripts from a ConfigMap (dump each
 * database with the client of the server's major, verify by restoring into scratch databases, apply retention)
 * to a volume or object storage. One Job at a time, Pod Security "restricted", credentials only through
 * secretKeyRefs.
 *
 * @example
 * new BackupSchedule(chart, 'nightly', {
 *   cluster: db,                       // any IPostgresCluster, also PostgresCluster.fromClusterAttributes(...)
 *   schedule: '30 1 * * *',
 *   storage: BackupTarget.newPersistentVolumeClaim({ size: Size.gibibytes(100) }),
 *   retention: 7,
 *   verify: true,
 * });
 */
export class BackupSchedule extends Construct {
  /** The default backup role. */
  public static readonly DEFAULT_USER = DEFAULT_BACKUP_USER;

  /**
   * The role declaration a cluster needs for {@link BackupSchedule} with a non-superuser: LOGIN, CREATEDB (verify's
   * scratch databases), BYPASSRLS (pg_dump refuses tables whose rows row-level security would hide) and
   * membership in `pg_read_all_data` (PostgreSQL 14+).
   */
  public static backupRole(name: string = BackupSchedule.DEFAULT_USER): RoleProps {
    return { name, login: true, createDb: true, bypassRls: true, memberOf: ['pg_read_all_data'] };
  }

  /** The backup CronJob. */
  public readonly cronJob: k8s.KubeCronJob;
  /** The NetworkPolicy of the backup pods, when the cluster has NetworkPolicies. */
  public readonly networkPolicy?: k8s.KubeNetworkPolicy;
  /** The verify CronJob, when `verifySchedule` is set. */
  public readonly verifyCronJob?: k8s.KubeCronJob;
  /** The ConfigMap holding the scripts (its name carries a hash of their content). */
  public readonly configMap: k8s.KubeConfigMap;
  /** The PersistentVolumeClaim, for `BackupTarget.newPersistentVolumeClaim`. */
  public readonly persistentVolumeClaim?: k8s.KubePersistentVolumeClaim;
  /** Where backups go: a directory in the container or an object storage URL (PGAAS_BACKUP_ROOT). */
  public readonly backupRoot: string;
  /** Name of the backup CronJob. */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: BackupScheduleProps) {
    super(scope, id);
    registerOwned(this);
    const errors = new ValidationErrors(`BackupSchedule ${this.node.path}`);
    requirePropTypes(this, errors.subject, props, BACKUP_SCHEDULE_SCHEMA);
    const cluster = props.cluster;
    const resolved = resolveBackupSchedule(props, { namespace: Chart.of(this).namespace, id });
    reportResolved(this, errors, resolved);
    const { name, databases, activeDeadline, startingDeadline, target, serviceAccountName } = resolved.value;
    // Unknown only when the user is not a login user of the cluster: that is in the report, and nothing is synthesized.
    const credentials = resolved.value.credentials ?? Credentials.generated().resolve(`${name}-credentials`);

    this.name = name;
    this.backupRoot = target.backupRoot;
    const labels = {
      ...props.labels,
      'app.kubernetes.io/name': 'postgresql-backup',
      // Not app.kubernetes.io/instance: Argo CD's label tracking owns that label.
      [NETWORK_GROUP_LABEL]: name,
      'app.kubernetes.io/part-of': cluster.name,
      'app.kubernetes.io/managed-by': 'cdk8s-pgaas',
    };
    if (target.newClaim) {
      this.persistentVolumeClaim = new KubePersistentVolumeClaim(this, 'Volume', {
        metadata: {
          name: target.newClaim.name,
          labels,
          // The backups must outlive a manifest change: GitOps tools leave the claim alone when it disappears.
          annotations: { 'argocd.argoproj.io/sync-options': 'Prune=false', 'kustomize.toolkit.fluxcd.io/prune': 'disabled' },
        },
        spec: written(k8s.toJson_PersistentVolumeClaimSpec)(target.newClaim.spec),
      });
    }

    const files = LogicalBackupScripts.files();
    const configMapName = hashedName(`${name}-scripts`, contentHash(files));
    this.configMap = new KubeConfigMap(this, 'Scripts', { metadata: { name: configMapName, labels }, data: files });

    const scratch: k8s.Volume = props.scratchStorageClassName
      ? {
        name: 'scratch',
        ephemeral: {
          volumeClaimTemplate: {
            metadata: { labels },
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: props.scratchStorageClassName,
              resources: { requests: { storage: k8s.Quantity.fromString(sizeQuantity(props.scratchSize!)) } },
            },
          },
        },
      }
      : { name: 'scratch', emptyDir: props.scratchSize ? { sizeLimit: k8s.Quantity.fromString(sizeQuantity(props.scratchSize)) } : {} };
    const volumes: k8s.Volume[] = [{ name: 'scripts', configMap: { name: configMapName, defaultMode: 0o444 } }, scratch, ...target.volumes];
    const mounts: k8s.VolumeMount[] = [{ name: 'scripts', mountPath: SCRIPTS_DIR, readOnly: true }, { name: 'scratch', mountPath: SCRATCH_PATH }, ...target.volumeMounts];

    const env: k8s.EnvVar[] = [
      // The primary: verify creates and drops scratch databases. Spilo rejects non-TLS connections from the network.
      ...libpqEnv({ host: cluster.primaryHost, port: cluster.port, credentials, sslMode: 'require' }),
      { name: 'PGAAS_CLUSTER', value: cluster.name },
      { name: 'PGAAS_STORAGE', value: target.storageKind },
      { name: 'PGAAS_BACKUP_ROOT', value: this.backupRoot },
      { name: 'PGAAS_RETENTION', value: String(props.retention) },
      // The scripts take flags as exactly 1 or 0.
      { name: 'PGAAS_VERIFY', value: props.verify ?? true ? '1' : '0' },
      { name: 'PGAAS_GLOBALS', value: props.globals ?? true ? '1' : '0' },
      ...databases.length > 0 ? [{ name: 'PGAAS_DATABASES', value: databases.join(' ') }] : [],
      { name: 'TMPDIR', value: SCRATCH_PATH },
      // The root filesystem is read-only: psql and wal-g find their (absent) dotfiles in the scratch space.
      { name: 'HOME', value: SCRATCH_PATH },
      ...target.env,
    ];

    const image = props.image ?? cluster.image;
    const pullSecrets = props.imagePullSecrets ?? cluster.imagePullSecrets;
    const pod = (container: string, script: string): k8s.PodSpec => {
      const spec = restrictedJobPod({
        serviceAccountName,
        automountToken: false,
        imagePullSecrets: pullSecrets.length > 0 ? pullSecrets : undefined,
        volumes,
        containers: [{
          name: container,
          image,
          imagePullPolicy: 'IfNotPresent',
          command: ['bash', `${SCRIPTS_DIR}/${script}`],
          env,
          resources: props.resources ? written(k8s.toJson_ResourceRequirements)(props.resources) : {
            requests: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('256Mi') },
            // Throttling a dump only makes it slower.
            limits: { cpu: k8s.Quantity.fromString('1'), memory: k8s.Quantity.fromString('1Gi') },
          },
          securityContext: RESTRICTED_CONTAINER,
          volumeMounts: mounts,
        }],
      });
      // fsGroup: the backup volume and the scratch space are writable by Spilo's postgres group.
      return { ...spec, securityContext: { ...spec.securityContext, fsGroup: SPILO_GID, fsGroupChangePolicy: 'OnRootMismatch' } };
    };
    // One label of their own, so the NetworkPolicy selects exactly the backup pods.
    const podLabels = { ...labels, [NETWORK_GROUP_LABEL]: name };
    const exemptions: Array<[PolicyCheck, string]> = [
      [PolicyCheck.IMAGE_PULL_POLICY, EXEMPTION_REASONS.imagePull],
      [PolicyCheck.HIGH_UID, EXEMPTION_REASONS.spiloUid],
      [PolicyCheck.EPHEMERAL_STORAGE, 'dumps are staged in scratch space whose size follows the database; a limit would evict a backup mid-run (scratchSize gives it a volume of its own)'],
      ...(cluster.networkPolicy ? [[PolicyCheck.NETWORK_POLICY_RULES, EXEMPTION_REASONS.jobNoIngress] as [PolicyCheck, string]] : []),
    ];
    const cronJob = (cronId: string, cronName: string, schedule: string, container: string, script: string) => new KubeCronJob(this, cronId, {
      metadata: { name: cronName, labels, annotations: exemptionAnnotations(exemptions) },
      spec: {
        schedule,
        timeZone: props.timeZone,
        // Never two runs at once: a backup still running when the next is due makes the next one skip.
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: startingDeadline,
        successfulJobsHistoryLimit: props.successfulJobsHistoryLimit ?? 3,
        failedJobsHistoryLimit: props.failedJobsHistoryLimit ?? 3,
        suspend: props.suspend,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: props.backoffLimit ?? 1,
            activeDeadlineSeconds: activeDeadline,
            template: { metadata: { labels: podLabels }, spec: pod(container, script) },
          },
        },
      },
    });
    this.cronJob = cronJob('CronJob', name, props.schedule, 'backup', LogicalBackupScripts.BACKUP_FILE);
    if (cluster.networkPolicy) {
      // The backup pods reach only DNS, the members and (for object storage) HTTPS; the members accept them.
      const suffix = name.startsWith(`${cluster.name}-`) ? name.slice(cluster.name.length + 1) : name;
      this.networkPolicy = cluster.networkPolicy.addDatabaseClientJob(`BackupSchedule-${this.node.addr}`, suffix, { [NETWORK_GROUP_LABEL]: name }, target.storageEndpoint);
    }
    orderAfter(this.cronJob, this.configMap, ...this.persistentVolumeClaim ? [this.persistentVolumeClaim] : []);
    // After the cluster's objects (its Services, the Secret of the backup role), when they are in the same chart.
    orderAfterInChart(this.cronJob, cluster);
    if (props.verifySchedule !== undefined) {
      this.verifyCronJob = cronJob('VerifyCronJob', `${name}-verify`.slice(0, 52), props.verifySchedule, 'verify', LogicalBackupScripts.VERIFY_FILE);
      orderAfter(this.verifyCronJob, this.configMap);
      orderAfterInChart(this.verifyCronJob, cluster);
    }
  }

  /** Every object of the schedule. */
  public get apiObjects(): ApiObject[] {
    return this.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
  }
}
