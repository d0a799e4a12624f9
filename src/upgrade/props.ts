/** What the major upgrade Job does when `postgresVersion` is above the major the cluster runs. */
export enum MajorUpgradeMode {
  /**
   * Upgrade in place: a pre-check, a fresh base backup, Spilo's in-place upgrade (pg_upgrade --link). Needs
   * `backup` on S3 or GCS, and a cluster that is not a standby of another one.
   */
  IN_PLACE = 'in-place',
  /**
   * Never upgrade: the Job fails at once, naming the running and the declared major, so that a raised
   * `postgresVersion` is never silently ignored. Upgrade by other means (restore or clone into a new cluster of
   * the new major), then the next sync's Job passes.
   */
  REFUSE = 'refuse',
}

/**
 * The declarative major version upgrade (`majorUpgrade` of a cluster): raising `postgresVersion` creates a Job
 * (its name carries the target major) that upgrades the running cluster in place, or refuses loudly.
 */
export interface MajorUpgradeOptions {
  /**
   * Upgrade in place, or refuse a raised `postgresVersion` (the explicit opt-out).
   * @default MajorUpgradeMode.IN_PLACE
   */
  readonly mode?: MajorUpgradeMode;
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
