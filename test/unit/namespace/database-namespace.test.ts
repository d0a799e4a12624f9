import { Chart, Testing } from 'cdk8s';
import { DatabaseNamespace, PodSecurityLevel } from '../../../src';
import { schemaErrors } from '../../harness/schema';
import { built as validatedTree } from '../../harness/synth';

test('the Chart\'s namespace, Pod Security labels pinned to a version, no namespace on the cluster-scoped object', () => {
  const chart = new Chart(Testing.app(), 'hello', { namespace: 'hello' });
  new DatabaseNamespace(chart, 'ns', { enforce: PodSecurityLevel.BASELINE, podSecurityVersion: 'v1.30', labels: { team: 'data' } });
  const [namespace] = Testing.synth(chart);
  expect(namespace).toEqual({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: 'hello',
      labels: {
        'app.kubernetes.io/name': 'postgresql',
        'app.kubernetes.io/managed-by': 'cdk8s-pgaas',
        'team': 'data',
        'pod-security.kubernetes.io/enforce': 'baseline',
        'pod-security.kubernetes.io/enforce-version': 'v1.30',
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/warn-version': 'v1.30',
        'pod-security.kubernetes.io/audit': 'restricted',
        'pod-security.kubernetes.io/audit-version': 'v1.30',
      },
    },
  });
  expect(schemaErrors(namespace)).toEqual([]);
});

test('restricted by default; every problem in one report, for untyped callers too', () => {
  const chart = new Chart(Testing.app(), 'hello', { namespace: 'hello' });
  expect(new DatabaseNamespace(chart, 'ns').apiObject.metadata.getLabel('pod-security.kubernetes.io/enforce')).toBe('restricted');
  const bare = new Chart(Testing.app(), 'bare');
  expect(() => validatedTree(new DatabaseNamespace(bare, 'ns', { enforce: 'strict' as any, podSecurityVersion: '1.30' }))).toThrow(
    /DatabaseNamespace bare\/ns has 3 invalid properties:\n {2}- name: undefined is invalid: must be set.*\n {2}- enforce: "strict" is invalid: must be one of baseline, restricted\n {2}- podSecurityVersion: "1.30" is invalid/,
  );
});
