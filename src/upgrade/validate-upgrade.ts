import { MajorUpgradeOptions } from './props';
import { UpgradeModeContext, upgradeModeProblems } from './upgrade-mode';
import { Problem } from '../private/validation';

/** What the upgrade rules need to know about the cluster. */
export interface MajorUpgradeContext extends UpgradeModeContext {
  readonly postgresVersion: number;
  /** PostgreSQL majors the image ships; undefined when unknown (reported elsewhere). */
  readonly imageVersions?: number[];
}

/** Spilo's inplace_upgrade.py refuses to start above this lag (bytes). */
export const SPILO_MAXIMUM_UPGRADE_LAG = 16 * 1024 * 1024;

/** Every problem of `majorUpgrade` (properties relative to the cluster's props). */
export function majorUpgradeProblems(options: MajorUpgradeOptions | undefined, context: MajorUpgradeContext): Problem[] {
  if (options === undefined) return [];
  const problems: Problem[] = [];
  const add = (property: string, value: unknown, rule: string) => problems.push({ property: `majorUpgrade.${property}`, value, rule });
  problems.push(...upgradeModeProblems(options, context));
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
