import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { CLUSTER_LABEL } from './alert-rules';

export interface PodMonitorProps {
  readonly name: string;
  readonly labels: Record<string, string>;
  /** Labels selecting the members. */
  readonly selector: Record<string, string>;
  /** The members' label carrying the cluster name; Prometheus sees it as `cluster_name`. */
  readonly clusterNameLabel: string;
  /** Named container ports serving `/metrics`. */
  readonly portNames: string[];
  /** Pod labels copied onto every series besides the cluster name (`-` becomes `_` in Prometheus). */
  readonly extraTargetLabels?: string[];
  readonly scrapeInterval: string;
}

/**
 * A Prometheus Operator PodMonitor (monitoring.coreos.com/v1) scraping named ports of the selected pods (the members'
 * exporter and Patroni's `/metrics`, or the pooler's exporter), with the cluster name on every series (the alerts
 * select on it).
 */
export class PodMonitor extends Construct {
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: PodMonitorProps) {
    super(scope, id);
    if (props.clusterNameLabel.replace(/[^a-zA-Z0-9_]/g, '_') !== CLUSTER_LABEL) {
      throw new Error(`PodMonitor: the label ${props.clusterNameLabel} does not become ${CLUSTER_LABEL} in Prometheus`);
    }
    const endpoint = (port: string) => ({ port, path: '/metrics', interval: props.scrapeInterval, scheme: 'http' });
    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name: props.name, labels: props.labels },
      spec: {
        selector: { matchLabels: props.selector },
        podTargetLabels: [props.clusterNameLabel, ...props.extraTargetLabels ?? []],
        podMetricsEndpoints: props.portNames.map(endpoint),
      },
    });
  }
}
