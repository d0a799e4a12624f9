/**
 * The kube-linter, kube-score and Polaris checks that apply to a cdk8s-pgaas bundle, evaluated
 * offline on synthesized manifests (none of the three tools is installable from npm or Debian).
 * The checks and report shapes are in policy-check.ts, their implementations in policy-checks.ts,
 * and the annotation conventions of exemptions in policy-exemptions.ts.
 */
import { isObject, objectName } from './manifest';
import { PolicyCheck, PolicyRulesOptions, PolicyViolation } from './policy-check';
import { CHECKS } from './policy-checks';
import { Context } from './policy-context';
import { PolicyExemptions } from './policy-exemptions';

// Users and the bundle's constructs import the checker, its checks and its exemptions from here.
export * from './policy-check';
export * from './policy-exemptions';

/** Evaluates {@link PolicyCheck}s on synthesized manifests. */
export class PolicyRules {
  /** Every check, in report order. */
  public static readonly ALL_CHECKS: PolicyCheck[] = Object.values(PolicyCheck) as PolicyCheck[];

  /**
   * Runs every check on the manifests (plain objects, e.g. `Testing.synth(chart)`), honouring
   * complete exemptions (see {@link PolicyExemptions.annotations}). Cross-object checks (Services,
   * PodDisruptionBudgets, NetworkPolicies, ServiceAccounts) only see the manifests given, so pass a
   * whole bundle.
   */
  public static check(manifests: any[], options: PolicyRulesOptions = {}): PolicyViolation[] {
    const ctx = new Context(manifests.filter(isObject), options);
    const skip = new Set(options.skip ?? []);
    const violations: PolicyViolation[] = [];
    for (const [check, run] of CHECKS) {
      if (skip.has(check)) continue;
      for (const finding of run(ctx)) {
        const status = PolicyExemptions._status(finding.manifest, check);
        if (status.exempt) continue;
        const partial = status.missing.length > 0 ? ` (incomplete exemption: missing ${status.missing.join(', ')})` : '';
        violations.push({
          check,
          object: objectName(finding.manifest),
          path: finding.path,
          message: `${finding.message}${partial}`,
          upstream: PolicyExemptions.upstreamChecks(check),
        });
      }
    }
    return violations;
  }

  private constructor() {}
}

