import { Testing } from 'cdk8s';
import { EXAMPLES } from '../../../examples';
import { PolicyRules } from '../../../src/audit/policy-rules';
import { unexpectedViolations, writtenExemptions } from '../../harness/bundle-exemptions';

// The library's objects: the user's own workloads in an example (the quickstart's client) are not held to the rule set.
describe.each(EXAMPLES.map((e) => [e.name, e.build, e.userWorkloads ?? []] as const))('example %s', (_name, build, userWorkloads) => {
  const objects = Testing.synth(build(Testing.app())).filter((o) => !userWorkloads.includes(o.metadata.name));

  test('passes the rule set, with the exemptions written into its YAML (only the pending items remain)', () => {
    expect(unexpectedViolations(objects)).toEqual([]);
  });

  test('every exemption in the YAML has a reason and is needed: without it, its check fails', () => {
    const exemptions = writtenExemptions(objects);
    expect(exemptions.length).toBeGreaterThan(0);
    for (const [object, check, reason] of exemptions) {
      expect(reason.length).toBeGreaterThan(20);
      const stripped = JSON.parse(JSON.stringify(object));
      for (const key of Object.keys(stripped.metadata.annotations)) {
        if (key.includes(check) || key === 'kube-score/ignore' || key.startsWith('polaris.fairwinds.com/')) delete stripped.metadata.annotations[key];
      }
      const name = `${object.kind}/${object.metadata.name}`;
      expect(PolicyRules.check([stripped]).filter((v) => v.object === name).map((v) => v.check)).toContain(check);
    }
  });
});
