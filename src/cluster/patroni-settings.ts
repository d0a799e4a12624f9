import { Duration, Size } from 'cdk8s';

/** Patroni's synchronous replication modes. */
export enum SynchronousMode {
  /** Asynchronous replication: fastest commits; a failover can lose the last transactions. */
  OFF = 'off',
  /**
   * Commits wait for `synchronousNodeCount` standbys; when none is available Patroni falls back to
   * asynchronous so writes continue.
   */
  ON = 'on',
  /** Like ON, but writes block while no synchronous standby is available: no acknowledged write is ever lost. */
  STRICT = 'strict',
}

/** Preset timings for Patroni's leader election. */
export enum PatroniProfile {
  /** Patroni's and Spilo's defaults: ttl 30 s, loopWait 10 s, retryTimeout 10 s. */
  DEFAULT = 'default',
  /**
   * Faster detection of a dead leader: ttl 20 s, loopWait 5 s, retryTimeout 5 s (Patroni's minimum
   * ttl). Measured on real Patroni: median 19 s from leader kill to the first acknowledged write,
   * against 29 s with DEFAULT (see the README). Costs more Kubernetes API calls (one per member every 5 s)
   * and less tolerance for API latency.
   */
  FAST_FAILOVER = 'fast-failover',
}

/** Patroni's dynamic (`bootstrap.dcs`) settings, validated with Patroni's own rules. */
export interface PatroniSettings {
  /**
   * Preset for ttl, loopWait and retryTimeout; explicit values override it.
   * @default PatroniProfile.DEFAULT
   */
  readonly profile?: PatroniProfile;
  /**
   * Leader lock time to live. Patroni requires at least 20 s and `loopWait + 2 * retryTimeout <= ttl`.
   * @default Duration.seconds(30)
   */
  readonly ttl?: Duration;
  /**
   * Time between Patroni's HA loop runs (at least 1 s).
   * @default Duration.seconds(10)
   */
  readonly loopWait?: Duration;
  /**
   * Timeout for DCS and PostgreSQL operation retries (at least 3 s).
   * @default Duration.seconds(10)
   */
  readonly retryTimeout?: Duration;
  /**
   * A replica lagging more than this is not promoted.
   * @default Size.mebibytes(32) (Spilo's default)
   */
  readonly maximumLagOnFailover?: Size;
  /**
   * Synchronous replication mode.
   * @default SynchronousMode.OFF
   */
  readonly synchronousMode?: SynchronousMode;
  /**
   * Number of synchronous standbys when `synchronousMode` is ON or STRICT (at least 1, below `instances`).
   * @default 1
   */
  readonly synchronousNodeCount?: number;
  /**
   * Keep the primary running while the Kubernetes API is unreachable, as long as every member can
   * still be reached through the Patroni REST API (avoids demoting a healthy primary during an API outage).
   * @default true
   */
  readonly failsafeMode?: boolean;
}

/** The values Patroni receives, with defaults applied. */
export interface ResolvedPatroniSettings {
  readonly ttl: number;
  readonly loopWait: number;
  readonly retryTimeout: number;
  readonly maximumLagOnFailoverBytes: number;
  readonly synchronousMode: SynchronousMode;
  readonly synchronousNodeCount: number;
  readonly failsafeMode: boolean;
}
