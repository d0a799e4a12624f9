import { MajorUpgradeOptions } from './props';
import { Problem } from '../private/validation';

/** What the upgrade rules need to know about the cluster. */
export interface MajorUpgradeContext {
  readonly postgresVersion: number;
  /** PostgreSQL majors the image ships; undefined when unknown (reported elsewhere). */
  readonly imageVersions?: number[];
  /** Whether the cluster archives WAL (a fresh base backup is taken first). */
  readonly archiving: boolean;
  /** Whether Spilo derives the archive path from the running data directory's major. */
  readonly archiveFollowsDataDirectory: boolean;
}

/** Spilo's inplace_upgrade.py refuses to start above this lag (bytes). */
export const SPILO_MAXIMUM_UPGRADE_LAG = 16 * 1024 * 1024;

/** Every problem of `majorUpgrade` (properties relative to the cluster's props). */
export function majorUpgradeProblems(options: MajorUpgradeOptions | undefined, context: MajorUpgradeContext): Problem[] {
  if (options === undefined) return [];
  const problems: Problem[] = [];
  const add = (property: string, value: unknown, rule: string) => problems.push({ property: `majorUpgrade.${property}`, value, rule });
  if (!context.archiving) {
    problems.push({ property: 'majorUpgrade', value: options, rule: 'needs `backup`: the upgrade takes a fresh base backup first, and there is no way back from pg_upgrade without one' });
  } else if (!context.archiveFollowsDataDirectory) {
    problems.push({
      property: 'majorUpgrade',
      value: options,
      rule: 'is not possible with Azure backup storage: Spilo cannot derive the archive path from the running major there, so after postgresVersion is raised the old major would archive into the new major\'s path',
    });
  }
  const from = options.fromVersion;
  if (from !== undefined) {
    if (!Number.isInteger(from)) {
      add('fromVersion', from, 'must be a PostgreSQL major version (an integer)');
    } else if (from > context.postgresVersion) {
      add('fromVersion', from, `is above postgresVersion ${context.postgresVersion}: a downgrade is impossible (pg_upgrade only goes up); restore a backup into a new cluster instead`);
    } else if (from < context.postgresVersion && context.imageVersions && !context.imageVersions.includes(from)) {
      add('fromVersion', from, `must be shipped by the image for pg_upgrade to read the old data directory (it ships ${context.imageVersions.join(', ')}): upgrade in steps with an image of each`);
    }
  }
  const lag = options.maximumLagBytes;
  if (lag !== undefined && (!Number.isInteger(lag) || lag < 0 || lag > SPILO_MAXIMUM_UPGRADE_LAG)) {
    add('maximumLagBytes', lag, `must be an integer from 0 to ${SPILO_MAXIMUM_UPGRADE_LAG} (Spilo's own limit, which applies anyway)`);
  }
  return problems;
}
