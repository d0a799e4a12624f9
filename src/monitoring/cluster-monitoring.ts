import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { AlertTarget, clusterAlerts } from './alert-rules';
import { exporterQueriesFile } from './exporter-queries';
import { EXPORTER } from './exporter-sidecar';
import { GRAFANA_DASHBOARD_LABEL, grafanaDashboard } from './grafana-dashboard';
import { PodMonitor } from './pod-monitor';
import { PrometheusRule } from './prometheus-rule';
import { ResolvedMonitoring } from './validate-props';
import { POOLER_EXPORTER } from '../pooler/pooler-exporter';
import { contentHash } from '../private/hash';
import { KubeConfigMap } from '../private/kube';

/** The queries ConfigMap's name (stable: apps and reviewers see one object; the pod annotation below rolls the members). */
export function exporterQueriesConfigMapName(clusterName: string): string {
  return `${clusterName}-exporter-queries`;
}

/** The members' pod annotation with the queries' hash: changed queries roll the members (the exporter reads them at start). */
export function exporterQueriesAnnotation(): Record<string, string> {
  return { 'cdk8s-pgaas.io/exporter-queries': contentHash(exporterQueriesFile()) };
}

export interface ClusterMonitoringProps {
  readonly monitoring: ResolvedMonitoring;
  readonly target: Omit<AlertTarget, 'thresholds'>;
  readonly labels: Record<string, string>;
  readonly memberSelector: Record<string, string>;
  readonly clusterNameLabel: string;
  readonly patroniPortName: string;
  /** Labels selecting the pooler's pods, when the cluster has a pooler (its exporter is scraped and alerted on). */
  readonly poolerSelector?: Record<string, string>;
}

/** The monitoring objects of a cluster: the exporter's queries, and the PodMonitor and PrometheusRule when asked for. */
export class ClusterMonitoring extends Construct {
  public readonly queries: k8s.KubeConfigMap;
  public readonly podMonitor?: PodMonitor;
  /** The pooler's PodMonitor (`<name>-pooler`), with `podMonitor` and a pooler. */
  public readonly poolerPodMonitor?: PodMonitor;
  public readonly prometheusRule?: PrometheusRule;
  public readonly dashboard?: k8s.KubeConfigMap;

  constructor(scope: Construct, id: string, props: ClusterMonitoringProps) {
    super(scope, id);
    const name = props.target.name;
    this.queries = new KubeConfigMap(this, 'Queries', {
      metadata: { name: exporterQueriesConfigMapName(name), labels: props.labels },
      data: { [EXPORTER.QUERIES_FILE]: exporterQueriesFile() },
    });
    const labels = { ...props.labels, ...props.monitoring.labels };
    if (props.monitoring.podMonitor) {
      this.podMonitor = new PodMonitor(this, 'PodMonitor', {
        name,
        labels,
        selector: props.memberSelector,
        clusterNameLabel: props.clusterNameLabel,
        portNames: [EXPORTER.PORT_NAME, props.patroniPortName],
        scrapeInterval: props.monitoring.scrapeInterval,
      });
      if (props.poolerSelector) {
        this.poolerPodMonitor = new PodMonitor(this, 'PoolerPodMonitor', {
          name: `${name}-pooler`,
          labels,
          selector: props.poolerSelector,
          clusterNameLabel: props.clusterNameLabel,
          // The tier (`<name>-pooler` or `<name>-pooler-repl`) becomes `connection_pooler`.
          extraTargetLabels: ['connection-pooler'],
          portNames: [POOLER_EXPORTER.PORT_NAME],
          scrapeInterval: props.monitoring.scrapeInterval,
        });
      }
    }
    if (props.monitoring.grafanaDashboard) {
      this.dashboard = new KubeConfigMap(this, 'Dashboard', {
        metadata: { name: `${name}-dashboard`, labels: { ...props.labels, ...GRAFANA_DASHBOARD_LABEL } },
        data: { [`${props.target.namespace}-${name}.json`]: JSON.stringify(grafanaDashboard(name, props.target.namespace, props.poolerSelector !== undefined), undefined, 2) },
      });
    }
    if (props.monitoring.prometheusRule) {
      this.prometheusRule = new PrometheusRule(this, 'PrometheusRule', {
        name,
        labels,
        groupName: `postgresql.${props.target.namespace}.${name}`,
        rules: clusterAlerts({ ...props.target, pooler: props.poolerSelector !== undefined, thresholds: props.monitoring.thresholds }),
      });
    }
  }
}
