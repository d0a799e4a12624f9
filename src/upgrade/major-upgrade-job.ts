import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { MajorUpgradeMode, MajorUpgradeOptions } from './props';
import { MAJOR_UPGRADE_SCRIPT } from './upgrade-script';
import { SPILO_MAXIMUM_UPGRADE_LAG } from './validate-upgrade';
import { GitOpsOrdering, orderingAnnotations } from '../credentials/secret-generator';
import { SecretKeyReference } from '../database/database-bootstrap';
import { contentHash, hashedName } from '../private/hash';
import { spiloJobProps, superuserPsqlEnv } from '../private/job-pod';
import { KubeJob } from '../private/kube';

/** Properties of {@link MajorUpgradeJob}. */
export interface MajorUpgradeJobProps {
  /** Base name of the Job (`-<hash>` is appended; the hash covers the target major). */
  readonly name: string;
  /** The cluster's Spilo image (psql; the upgrade itself runs in the members). */
  readonly image: string;
  /** Host and port of the primary. */
  readonly host: string;
  readonly port: number;
  /** Superuser name and password. */
  readonly superuserUsername: SecretKeyReference;
  readonly superuserPassword: SecretKeyReference;
  /** The declared major: the upgrade's target. */
  readonly targetMajor: number;
  /** The declared number of members (Spilo's in-place upgrade checks that all of them run). */
  readonly instances: number;
  /** `host:port` of every member (the headless Service's names), to check that each runs the declared pod template. */
  readonly memberHosts: string[];
  /** The envdir file where Spilo keeps the archive location (WALG_S3_PREFIX, WALG_GS_PREFIX). */
  readonly archivePrefixVariable: string;
  readonly options: MajorUpgradeOptions;
  /** @default - none */
  readonly labels?: Record<string, string>;
  /** @default GitOpsOrdering.NONE */
  readonly ordering?: GitOpsOrdering;
  /** @default - none */
  readonly imagePullSecrets?: string[];
  /** @default false */
  readonly networkIsolated?: boolean;
}

/** Where Spilo keeps things inside a member (configure_spilo.py, inplace_upgrade.py, postgres_backup.sh). */
const SPILO_WALE_ENV_DIR = '/run/etc/wal-e.d/env';
const SPILO_PATRONI_URL = 'http://127.0.0.1:8008';
/** The environment the member container was started with (PID 1 of the container runs as the same user). */
const POD_ENV_COMMAND = "tr '\\000' '\\n' < /proc/1/environ";
/** A base backup as Spilo's postgres_backup.sh takes one, but on the primary whatever WALG_BACKUP_FROM_REPLICA says. */
const SPILO_BACKUP_COMMAND = `PGHOST=/var/run/postgresql envdir ${SPILO_WALE_ENV_DIR} wal-g backup-push`;
/** Spilo's in-place upgrade on the leader (what postgres-operator runs with kubectl exec); its argument is the member count. */
const SPILO_UPGRADE_COMMAND = 'python3 /scripts/inplace_upgrade.py';
/** The Job's exit code for a refusal that retrying cannot fix (a downgrade). */
export const REFUSED_EXIT_CODE = 3;

/**
 * The major version upgrade: a Job keyed on the target major (its name carries a hash of it), so raising
 * `postgresVersion` creates a new Job on the next GitOps sync and nothing else ever re-runs it. When the cluster
 * already runs the target it exits at once. Otherwise it checks that the cluster can be upgraded (all members
 * running, replicas streaming within the lag limit, Patroni not paused, no prepared transactions, the old major
 * archiving into its own path), takes a fresh base backup, starts Spilo's in-place upgrade on the leader and
 * waits until the new major runs and archives into its own path. With `MajorUpgradeMode.REFUSE` it fails at
 * once instead (exit 3), naming the running and the declared major.
 */
export class MajorUpgradeJob extends Construct {
  public readonly job: k8s.KubeJob;

  constructor(scope: Construct, id: string, props: MajorUpgradeJobProps) {
    super(scope, id);
    const env: k8s.EnvVar[] = [
      ...superuserPsqlEnv({ host: props.host, port: props.port, username: props.superuserUsername, password: props.superuserPassword }),
      { name: 'PGAAS_TARGET_MAJOR', value: String(props.targetMajor) },
      { name: 'PGAAS_UPGRADE_MODE', value: props.options.mode ?? MajorUpgradeMode.IN_PLACE },
      { name: 'PGAAS_INSTANCES', value: String(props.instances) },
      { name: 'PGAAS_MAX_LAG_BYTES', value: String(props.options.maximumLagBytes ?? SPILO_MAXIMUM_UPGRADE_LAG) },
      { name: 'PGAAS_MEMBER_HOSTS', value: props.memberHosts.join(' ') },
      { name: 'PGAAS_POD_ENV_COMMAND', value: POD_ENV_COMMAND },
      { name: 'PGAAS_PATRONI_URL', value: SPILO_PATRONI_URL },
      { name: 'PGAAS_WALE_ENV_DIR', value: SPILO_WALE_ENV_DIR },
      { name: 'PGAAS_ARCHIVE_PREFIX_VAR', value: props.archivePrefixVariable },
      { name: 'PGAAS_BACKUP_COMMAND', value: SPILO_BACKUP_COMMAND },
      { name: 'PGAAS_UPGRADE_COMMAND', value: SPILO_UPGRADE_COMMAND },
      { name: 'PGAAS_UPGRADE_TIMEOUT_SECONDS', value: '3600' },
    ];
    const command = ['bash', '-c', MAJOR_UPGRADE_SCRIPT, 'major-upgrade'];
    // The pod's labels too: a Job's template is immutable, so a Job moved to another network group needs a new name.
    const name = hashedName(`${props.name}-upgrade`, contentHash(props.targetMajor, env, command, props.image, props.labels ?? {}, props.imagePullSecrets ?? []));
    this.job = new KubeJob(this, 'Job', spiloJobProps({
      name,
      labels: props.labels,
      annotations: orderingAnnotations(props.ordering ?? GitOpsOrdering.NONE, 'bootstrap'),
      networkIsolated: props.networkIsolated ?? false,
      image: props.image,
      imagePullSecrets: props.imagePullSecrets,
      containerName: 'upgrade',
      command,
      env,
      // A failed pre-check is retried (a rollout in progress, a lagging replica); a refusal is not.
      backoffLimit: 6,
      podFailurePolicy: {
        rules: [{ action: 'FailJob', onPodConditions: [], onExitCodes: { containerName: 'upgrade', operator: 'In', values: [REFUSED_EXIT_CODE] } }],
      },
      // The base backup of a large cluster and pg_upgrade --link of many relations take their time.
      activeDeadlineSeconds: 6 * 3600,
    }));
  }

  public get apiObjects(): ApiObject[] {
    return [this.job];
  }
}
