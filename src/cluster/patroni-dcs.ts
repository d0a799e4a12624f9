import { PatroniProfile, PatroniSettings, ResolvedPatroniSettings, SynchronousMode } from './patroni-settings';
import { problem, Problem } from '../private/validation';

const PROFILE_TIMINGS: Record<PatroniProfile, { ttl: number; loopWait: number; retryTimeout: number }> = {
  [PatroniProfile.DEFAULT]: { ttl: 30, loopWait: 10, retryTimeout: 10 },
  [PatroniProfile.FAST_FAILOVER]: { ttl: 20, loopWait: 5, retryTimeout: 5 },
};

export const PATRONI_DEFAULTS: ResolvedPatroniSettings = {
  ttl: 30,
  loopWait: 10,
  retryTimeout: 10,
  maximumLagOnFailoverBytes: 32 * 1024 * 1024,
  synchronousMode: SynchronousMode.OFF,
  synchronousNodeCount: 1,
  failsafeMode: true,
};

export function resolvePatroniSettings(settings: PatroniSettings = {}): ResolvedPatroniSettings {
  const timings = PROFILE_TIMINGS[settings.profile ?? PatroniProfile.DEFAULT];
  return {
    ttl: settings.ttl?.toSeconds({ integral: false }) ?? timings.ttl,
    loopWait: settings.loopWait?.toSeconds({ integral: false }) ?? timings.loopWait,
    retryTimeout: settings.retryTimeout?.toSeconds({ integral: false }) ?? timings.retryTimeout,
    maximumLagOnFailoverBytes: settings.maximumLagOnFailover
      ? settings.maximumLagOnFailover.toKibibytes() * 1024
      : PATRONI_DEFAULTS.maximumLagOnFailoverBytes,
    synchronousMode: settings.synchronousMode ?? PATRONI_DEFAULTS.synchronousMode,
    synchronousNodeCount: settings.synchronousNodeCount ?? PATRONI_DEFAULTS.synchronousNodeCount,
    failsafeMode: settings.failsafeMode ?? PATRONI_DEFAULTS.failsafeMode,
  };
}

/** Patroni's validator rules (patroni/validator.py) plus the ones that depend on the cluster size. */
export function validatePatroniSettings(s: ResolvedPatroniSettings, instances: number): Problem[] {
  const problems: Problem[] = [];
  const whole = (property: string, value: number, min: number) => {
    if (!Number.isInteger(value)) problems.push(problem(property, value, 'must be a whole number of seconds (Patroni takes integers)'));
    else if (value < min) problems.push(problem(property, value, `must be at least ${min} seconds (Patroni's minimum)`));
  };
  whole('patroni.ttl', s.ttl, 20);
  whole('patroni.loopWait', s.loopWait, 1);
  whole('patroni.retryTimeout', s.retryTimeout, 3);
  if (s.loopWait + 2 * s.retryTimeout > s.ttl) {
    problems.push(problem('patroni', { ttl: s.ttl, loopWait: s.loopWait, retryTimeout: s.retryTimeout },
      `must satisfy loopWait + 2 * retryTimeout <= ttl (${s.loopWait} + 2 * ${s.retryTimeout} = ${s.loopWait + 2 * s.retryTimeout} > ${s.ttl}); otherwise the leader lock expires while Patroni is still retrying`));
  }
  if (!Number.isInteger(s.maximumLagOnFailoverBytes) || s.maximumLagOnFailoverBytes < 0) {
    problems.push(problem('patroni.maximumLagOnFailover', s.maximumLagOnFailoverBytes, 'must be a whole, non-negative number of bytes'));
  }
  if (!Number.isInteger(s.synchronousNodeCount) || s.synchronousNodeCount < 1) {
    problems.push(problem('patroni.synchronousNodeCount', s.synchronousNodeCount, 'must be an integer >= 1 (Patroni\'s minimum)'));
  }
  if (s.synchronousMode !== SynchronousMode.OFF) {
    if (instances < 2) {
      problems.push(problem('patroni.synchronousMode', s.synchronousMode, `needs at least 2 instances (instances is ${instances}); a single instance has no standby to confirm commits`));
    } else if (s.synchronousNodeCount > instances - 1) {
      problems.push(problem('patroni.synchronousNodeCount', s.synchronousNodeCount, `must be at most instances - 1 = ${instances - 1}: only replicas can be synchronous standbys`));
    }
  } else if (s.synchronousNodeCount !== 1) {
    problems.push(problem('patroni.synchronousNodeCount', s.synchronousNodeCount, 'has no effect unless synchronousMode is ON or STRICT'));
  }
  return problems;
}

/** The `bootstrap.dcs` section Spilo passes to Patroni (applied when the cluster is first initialised). */
export function bootstrapDcs(s: ResolvedPatroniSettings, dcsParameters: Record<string, string>): Record<string, unknown> {
  return {
    ttl: s.ttl,
    loop_wait: s.loopWait,
    retry_timeout: s.retryTimeout,
    maximum_lag_on_failover: s.maximumLagOnFailoverBytes,
    ...s.synchronousMode === SynchronousMode.OFF ? {} : {
      synchronous_mode: true,
      synchronous_mode_strict: s.synchronousMode === SynchronousMode.STRICT,
      synchronous_node_count: s.synchronousNodeCount,
    },
    failsafe_mode: s.failsafeMode,
    postgresql: {
      use_pg_rewind: true,
      use_slots: true,
      parameters: dcsParameters,
    },
  };
}
