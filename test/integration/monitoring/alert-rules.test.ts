import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { FIRING, HEALTHY } from './alert-cases';
import { ProductionExample } from '../../../examples/production';
import { BackupStorage, StorageCredentials } from '../../../src';
import { PostgresCluster } from '../../../src/cluster/postgres-cluster';
import { ensureDebianPackages } from '../../harness/debian';

/**
 * promtool (Debian prometheus 2.42) checks the synthesized PrometheusRule's rules and runs unit
 * tests on them: every alert fires on its synthetic series with the labels and the runbook it
 * declares, and none fires on a healthy cluster over 28 hours.
 */

function synthesizedRules(): any[] {
  const chart = new Chart(Testing.app(), 'orders', { namespace: 'orders' });
  const storage = BackupStorage.s3({
    bucket: 'acme-orders-pg',
    region: 'eu-central-1',
    credentials: StorageCredentials.workloadIdentity({ serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/x' } }),
  });
  new PostgresCluster(chart, 'db', { name: 'orders-db', instances: 3, backup: { storage }, connectionPooler: {}, monitoring: { prometheusRule: true } });
  const rule = Testing.synth(chart).find((o) => o.kind === 'PrometheusRule');
  return rule.spec.groups;
}

function promtool(args: string[], cwd: string) {
  const result = spawnSync('/usr/bin/promtool', args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the synthesized alerts under promtool', () => {
  let dir: string;
  const groups = synthesizedRules();
  const rules: any[] = groups[0].rules;

  beforeAll(() => {
    ensureDebianPackages(['prometheus']);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgaas-promtool-'));
    // The PrometheusRule's spec is a rules file as it is; JSON is YAML to promtool.
    fs.writeFileSync(path.join(dir, 'rules.json'), JSON.stringify({ groups }, undefined, 2));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('promtool check rules accepts them (the production example\'s too)', () => {
    const check = promtool(['check', 'rules', 'rules.json'], dir);
    expect(check).toMatchObject({ status: 0 });
    expect(check.output).toContain(`SUCCESS: ${rules.length} rules found`);
    const production = Testing.synth(new ProductionExample(Testing.app(), 'production')).find((o) => o.kind === 'PrometheusRule');
    fs.writeFileSync(path.join(dir, 'production.json'), JSON.stringify({ groups: production.spec.groups }));
    expect(promtool(['check', 'rules', 'production.json'], dir)).toMatchObject({ status: 0 });
  });

  test('every alert has a firing case and a runbook', () => {
    expect(FIRING.map((c) => c.alert).sort()).toEqual(rules.map((r) => r.alert).sort());
    for (const r of rules) expect(r.annotations.runbook.length).toBeGreaterThan(40);
  });

  test('promtool test rules: each alert fires on its series, none on a healthy cluster', () => {
    const byName = new Map(rules.map((r) => [r.alert, r]));
    const expected = (alert: string, extra: Record<string, string>) => ({
      exp_labels: { ...byName.get(alert).labels, ...extra },
      exp_annotations: byName.get(alert).annotations,
    });
    const tests = [
      ...FIRING.map((c) => ({
        name: `${c.alert} fires`,
        interval: '1m',
        input_series: c.series,
        alert_rule_test: [{ eval_time: c.evalTime, alertname: c.alert, exp_alerts: c.firing.map((labels) => expected(c.alert, labels)) }],
      })),
      {
        name: 'PostgresReplicasMissing fires with no replica streaming at all (no pg_stat_replication rows)',
        interval: '1m',
        input_series: [{ series: 'pgaas_recovery_in_recovery{namespace="orders", cluster_name="orders-db", pod="orders-db-0"}', values: '0x20' }],
        alert_rule_test: [{ eval_time: '15m', alertname: 'PostgresReplicasMissing', exp_alerts: [expected('PostgresReplicasMissing', { namespace: 'orders', cluster_name: 'orders-db' })] }],
      },
      {
        name: 'PostgresBaseBackupStale counts from a promotion: a new primary has until its first scheduled backup',
        interval: '1m',
        input_series: [
          // The old primary's backup at 0 is gone with it; orders-db-1 was promoted at 20 h (its timeline history file).
          { series: 'pgaas_base_backup_last_timestamp_seconds{namespace="orders", cluster_name="orders-db", pod="orders-db-1"}', values: '0x2900' },
          { series: 'pgaas_base_backup_timeline_timestamp_seconds{namespace="orders", cluster_name="orders-db", pod="orders-db-1"}', values: '0x1199 72000x1700' },
        ],
        alert_rule_test: [
          { eval_time: '27h', alertname: 'PostgresBaseBackupStale', exp_alerts: [] },
          // 26 hours after the promotion without a backup, it fires.
          { eval_time: '46h40m', alertname: 'PostgresBaseBackupStale', exp_alerts: [expected('PostgresBaseBackupStale', { namespace: 'orders', cluster_name: 'orders-db' })] },
        ],
      },
      ...['5m', '1h', '27h'].map((evalTime) => ({
        name: `a healthy cluster at ${evalTime}: silence`,
        interval: '1m',
        input_series: HEALTHY,
        alert_rule_test: rules.map((r) => ({ eval_time: evalTime, alertname: r.alert, exp_alerts: [] })),
      })),
    ];
    fs.writeFileSync(path.join(dir, 'tests.json'), JSON.stringify({ rule_files: ['rules.json'], evaluation_interval: '1m', tests }, undefined, 2));
    const run = promtool(['test', 'rules', 'tests.json'], dir);
    process.stdout.write(`\npromtool test rules (${tests.length} test groups):\n${run.output}\n`);
    expect(run).toMatchObject({ status: 0 });
    expect(run.output).toContain('SUCCESS');
  });

  test('promtool test rules fails when an alert does not fire as declared (the test can fail)', () => {
    const c = FIRING.find((f) => f.alert === 'PostgresReplicaLagHigh')!;
    const healthy = c.series.map((s) => ({ ...s, values: s.values.replace(/^[0-9]+/, '1') }));
    const tests = [{ interval: '1m', input_series: healthy, alert_rule_test: [{ eval_time: c.evalTime, alertname: c.alert, exp_alerts: [{ exp_labels: c.firing[0] }] }] }];
    fs.writeFileSync(path.join(dir, 'negative.json'), JSON.stringify({ rule_files: ['rules.json'], evaluation_interval: '1m', tests }));
    expect(promtool(['test', 'rules', 'negative.json'], dir).status).not.toBe(0);
  });
});
