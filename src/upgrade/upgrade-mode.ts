import { MajorUpgradeMode, MajorUpgradeOptions } from './props';
import { Problem } from '../private/validation';

/** What decides whether a cluster can be upgraded in place. */
export interface UpgradeModeContext {
  /** Whether the cluster archives WAL (the upgrade takes a fresh base backup first). */
  readonly archiving: boolean;
  /** Whether Spilo derives the archive path from the running data directory's major (S3, GCS; not Azure). */
  readonly archiveFollowsDataDirectory: boolean;
  /** Whether the cluster is a standby of another one (read-only: it follows its source's major). */
  readonly standby: boolean;
}

/**
 * The mode of the cluster's upgrade Job. Every cluster has one, so that a raised `postgresVersion` is never
 * silently ignored: declared options ask for an upgrade in place unless they opt out; without options the Job
 * upgrades where it safely can (a backup to take first, an archive path that follows the major, a primary
 * cluster) and otherwise refuses, naming both majors.
 */
export function majorUpgradeMode(options: MajorUpgradeOptions | undefined, context: UpgradeModeContext): MajorUpgradeMode {
  if (options !== undefined) return options.mode ?? MajorUpgradeMode.IN_PLACE;
  return context.archiving && context.archiveFollowsDataDirectory && !context.standby ? MajorUpgradeMode.IN_PLACE : MajorUpgradeMode.REFUSE;
}

/** Problems of an upgrade in place the user asked for (the default never asks for one it cannot do). */
export function upgradeModeProblems(options: MajorUpgradeOptions | undefined, context: UpgradeModeContext): Problem[] {
  if (options === undefined || majorUpgradeMode(options, context) !== MajorUpgradeMode.IN_PLACE) return [];
  const rule = (text: string): Problem => ({ property: 'majorUpgrade', value: options, rule: text });
  if (!context.archiving) {
    return [rule('needs `backup`: the upgrade takes a fresh base backup first, and there is no way back from pg_upgrade without one (or set mode: MajorUpgradeMode.REFUSE)')];
  }
  if (!context.archiveFollowsDataDirectory) {
    return [rule('is not possible with Azure backup storage: Spilo cannot derive the archive path from the running major there, so after postgresVersion is raised the old major would archive into the new major\'s path (set mode: MajorUpgradeMode.REFUSE)')];
  }
  if (context.standby) {
    return [rule('is not possible on a standby cluster: it replays its source\'s WAL and follows its major; upgrade the source, then re-create the standby (or set mode: MajorUpgradeMode.REFUSE)')];
  }
  return [];
}

/** What a resolved backup tells about archiving. */
interface ArchiveFacts {
  readonly archivePrefix?: string;
  readonly archiveFollowsDataDirectory?: boolean;
  readonly env: ReadonlyArray<{ readonly name: string }>;
}

/** The context of a resolved backup (a standby source sets STANDBY_* variables of Spilo). */
export function upgradeModeContext(backup: ArchiveFacts, hasSource: boolean): UpgradeModeContext {
  return {
    archiving: backup.archivePrefix !== undefined,
    archiveFollowsDataDirectory: backup.archiveFollowsDataDirectory ?? false,
    standby: hasSource && backup.env.some((e) => e.name.startsWith('STANDBY_')),
  };
}
