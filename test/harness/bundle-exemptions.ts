import { PolicyCheck, PolicyRules, PolicyViolation } from '../../src/audit/policy-rules';

/**
 * Checks that still fail on purpose until a later change: none may be added without a reason and
 * a plan. Everything else must pass, with the exemptions the constructs write into the YAML.
 */
export const PENDING: Array<{ readonly check: PolicyCheck; readonly kinds: string[]; readonly todo: string }> = [];

/** Violations that are neither exempted in the YAML nor on the pending list. */
export function unexpectedViolations(objects: any[]): PolicyViolation[] {
  return PolicyRules.check(objects).filter((v) => !PENDING.some((p) => p.check === v.check && p.kinds.includes(v.object.split('/')[0])));
}

/** The exemptions written into the objects' annotations, as [object, check, reason]. */
export function writtenExemptions(objects: any[]): Array<[any, PolicyCheck, string]> {
  const result: Array<[any, PolicyCheck, string]> = [];
  for (const object of objects) {
    for (const [key, reason] of Object.entries<string>(object.metadata?.annotations ?? {})) {
      const match = /^exemptions\.cdk8s-pgaas\.io\/(.+)$/.exec(key);
      if (match) result.push([object, match[1] as PolicyCheck, reason]);
    }
  }
  return result;
}
