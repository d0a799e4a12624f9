import { Chart, Testing } from 'cdk8s';
import { PatroniRbac } from '../../../src';
import { built as validatedTree, findObject, synth, testChart } from '../../harness/synth';

describe('PatroniRbac', () => {
  test('least privilege in ConfigMaps mode: no endpoints, services, secrets or deletes', () => {
    const chart = testChart('db');
    const rbac = new PatroniRbac(chart, 'rbac', { name: 'patroni' });
    rbac.addCluster('orders-db');
    const role = findObject(synth(chart), 'Role');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'list', 'watch'] },
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['orders-db-leader', 'orders-db-config', 'orders-db-failover', 'orders-db-sync'], verbs: ['get', 'patch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'patch'] },
      { apiGroups: ['apps'], resources: ['statefulsets'], resourceNames: ['orders-db'], verbs: ['get'] },
    ]);
    const verbs = role.rules.flatMap((r: any) => r.verbs);
    expect(verbs).not.toContain('delete');
    expect(verbs).not.toContain('update');
    expect(role.rules.flatMap((r: any) => r.resources)).not.toContain('endpoints');
  });

  test('namespace-scoped binding to its own ServiceAccount, token not mounted by default', () => {
    const chart = testChart('db');
    new PatroniRbac(chart, 'rbac', { name: 'patroni', serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/x' }, labels: { team: 'a' } });
    const objects = synth(chart);
    expect(objects.map((o) => o.kind).sort()).toEqual(['Role', 'RoleBinding', 'ServiceAccount']);
    const binding = findObject(objects, 'RoleBinding');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'patroni' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'patroni', namespace: 'db' }]);
    const sa = findObject(objects, 'ServiceAccount');
    expect(sa.automountServiceAccountToken).toBe(false);
    expect(sa.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/x' });
    for (const o of objects) expect(o.metadata.labels).toEqual({ 'team': 'a', 'app.kubernetes.io/name': 'postgresql', 'app.kubernetes.io/managed-by': 'cdk8s-pgaas' });
  });

  test('without any cluster, no name-restricted rule is emitted', () => {
    const chart = testChart('db');
    new PatroniRbac(chart, 'rbac', { name: 'patroni' });
    expect(findObject(synth(chart), 'Role').rules.some((r: any) => r.resourceNames)).toBe(false);
  });

  test('validation: name, labels, annotations and the namespace', () => {
    expect(() => validatedTree(new PatroniRbac(testChart(), 'r', { name: 'Patroni_SA' }))).toThrow(/name: "Patroni_SA" is invalid: must be a DNS-1123 subdomain/);
    expect(() => validatedTree(new PatroniRbac(testChart(), 'r', { name: 'p', labels: { a: 'b c' } }))).toThrow(/labels\["a"\]: "b c" is invalid/);
    expect(() => validatedTree(new PatroniRbac(testChart(), 'r', { name: 'p', serviceAccountAnnotations: { '/x': 'y' } }))).toThrow(/serviceAccountAnnotations key/);
    expect(() => validatedTree(new PatroniRbac(new Chart(Testing.app(), 'c'), 'r', { name: 'p' }))).toThrow(/namespace \(of the Chart\): undefined is invalid: must be set/);
  });
});
