import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { AlertRule } from './alert-rules';

export interface PrometheusRuleProps {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly groupName: string;
  readonly rules: AlertRule[];
}

/** A Prometheus Operator PrometheusRule (monitoring.coreos.com/v1): one group with the cluster's alerts. */
export class PrometheusRule extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: PrometheusRuleProps) {
    super(scope, id);
    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: props.name, labels: props.labels },
      spec: { groups: [{ name: props.groupName, rules: props.rules }] },
    });
  }
}

/** The rules file promtool and Prometheus read (the PrometheusRule's spec). */
export function rulesFile(groupName: string, rules: AlertRule[]): { groups: Array<{ name: string; rules: AlertRule[] }> } {
  return { groups: [{ name: groupName, rules }] };
}
