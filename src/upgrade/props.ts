/**
 * A declarative major version upgrade (`majorUpgrade` of a cluster): raising `postgresVersion` then upgrades
 * the running cluster in place with Spilo's own upgrade, started by a Job whose name carries the target major.
 */
export interface MajorUpgradeOptions {
  /**
   * The major the cluster runs before this change, to check at synth time that the change is an upgrade the
   * image can do: no downgrade, and the old major's binaries (which pg_upgrade needs) shipped in the image.
   * Keep it equal to the previous `postgresVersion` in the commit that raises it.
   * @default - checked only when the Job runs (it refuses a downgrade)
   */
  readonly fromVersion?: number;
  /**
   * Replication lag (bytes) above which the pre-check refuses to start: every replica must have caught up.
   * @default 16777216 (16 MiB, the limit of Spilo's inplace_upgrade.py)
   */
  readonly maximumLagBytes?: number;
}
