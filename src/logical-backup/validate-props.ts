import { BoundBackupTarget } from './backup-target';
import { BackupScheduleProps } from './props';
import { ResolvedCredentials } from '../credentials/credentials';
import { cronProblem, timeZoneProblem } from '../private/cron';
import { ClusterNames } from '../private/names';
import { check, Problem, Rules, Validated, ValidationErrors, validateLabels } from '../private/validation';

/** The default backup role. */
export const DEFAULT_BACKUP_USER = 'pgaas_backup';

/** A backup schedule's settings with defaults applied (internal). */
export interface ResolvedBackupSchedule {
  /** Name of the backup CronJob (the base of the schedule's object names). */
  readonly name: string;
  /** Where the backup role's user name and password are; undefined only with problems. */
  readonly credentials?: ResolvedCredentials;
  readonly databases: string[];
  /** Seconds. */
  readonly activeDeadline: number;
  /** Seconds. */
  readonly startingDeadline: number;
  readonly target: BoundBackupTarget;
  /** ServiceAccount of the backup pods, if any. */
  readonly serviceAccountName?: string;
}

/** Where the schedule is defined: the namespace of its Chart and its construct id. */
export interface BackupScheduleContext {
  readonly namespace: string | undefined;
  readonly id: string;
}

/** A CronJob name leaves room for the 11-character suffix the controller appends to Job names. */
const MAX_NAME_LENGTH = 52;

/** The schedule's settings with defaults applied, and every problem of the props. Pure; never throws. */
export function resolveBackupSchedule(props: BackupScheduleProps, context: BackupScheduleContext): Validated<ResolvedBackupSchedule> {
  const cluster = props.cluster;
  const errors = new ValidationErrors('');
  if (context.namespace !== cluster.namespace) {
    errors.add('namespace (of the Chart)', context.namespace, `must be the cluster's namespace (${cluster.namespace}): the Job reads the cluster's Secrets`);
  }
  const names = new ClusterNames(cluster.name);
  const name = props.name ?? names.logicalBackup(context.id);
  errors.check('name', name, Rules.dns1123Subdomain(name) ?? (name.length > MAX_NAME_LENGTH
    ? `must be at most ${MAX_NAME_LENGTH} characters (it has ${name.length}): the CronJob controller appends an 11-character suffix to Job names` : undefined));
  for (const [property, schedule] of [['schedule', props.schedule], ['verifySchedule', props.verifySchedule]] as const) {
    if (schedule !== undefined) errors.check(property, schedule, cronProblem(schedule));
  }
  if (props.timeZone !== undefined) errors.check('timeZone', props.timeZone, timeZoneProblem(props.timeZone));
  if (!Number.isInteger(props.retention) || props.retention < 1) errors.add('retention', props.retention, 'must be an integer >= 1');
  const databases = props.databases ?? [];
  errors.addProblems(databaseListProblems(props.databases));
  errors.addProblems(props.storage._problems(), 'storage');
  errors.addProblems(integerProblems('backoffLimit', props.backoffLimit, 0));
  errors.addProblems(integerProblems('successfulJobsHistoryLimit', props.successfulJobsHistoryLimit, 0));
  errors.addProblems(integerProblems('failedJobsHistoryLimit', props.failedJobsHistoryLimit, 1));
  const activeDeadline = props.activeDeadline?.toSeconds() ?? 6 * 3600;
  const startingDeadline = props.startingDeadline?.toSeconds() ?? 3600;
  errors.addProblems(integerProblems('activeDeadline (seconds)', activeDeadline, 60));
  errors.addProblems(integerProblems('startingDeadline (seconds)', startingDeadline, 10));
  if (props.scratchStorageClassName !== undefined && props.scratchSize === undefined) {
    errors.add('scratchSize', undefined, 'must be set with scratchStorageClassName (the size of the ephemeral volume)');
  }
  validateLabels(errors, 'labels', props.labels);
  const user = props.user ?? DEFAULT_BACKUP_USER;
  let credentials: ResolvedCredentials | undefined;
  if (props.credentials) {
    credentials = props.credentials.resolve(names.credentialsSecret(user));
  } else if (!cluster.users.includes(user)) {
    errors.add('user', user, `is not a login user of cluster "${cluster.name}" (login users: ${cluster.users.join(', ')}); declare it in the cluster's roles (BackupSchedule.backupRole()), or pass credentials`);
  } else {
    credentials = cluster.userCredentials(user);
  }
  const target = props.storage._bind(name, cluster.namespace);
  return {
    value: {
      name,
      credentials,
      databases,
      activeDeadline,
      startingDeadline,
      target,
      // Workload identity is the ServiceAccount's: the cluster's carries the annotations.
      serviceAccountName: props.serviceAccountName ?? (target.usesServiceAccountIdentity ? cluster.serviceAccountName : undefined),
    },
    problems: errors.problems,
  };
}

function integerProblems(property: string, value: number | undefined, min: number): Problem[] {
  return value !== undefined && (!Number.isInteger(value) || value < min) ? [{ property, value, rule: `must be an integer >= ${min}` }] : [];
}

/** The scripts take the list space-separated; an empty list would mean "none", not "all". */
function databaseListProblems(databases: string[] | undefined): Problem[] {
  if (databases === undefined) return [];
  return [
    ...databases.flatMap((db) => check('databases[]', db, db === '' || /\s/.test(db) ? 'must be a non-empty name without whitespace (the list is passed space-separated)' : undefined)),
    ...check('databases', databases, databases.length === 0 ? 'must list at least one database, or be left out for all' : undefined),
    ...check('databases', databases, new Set(databases).size !== databases.length ? 'lists a database more than once' : undefined),
  ];
}
