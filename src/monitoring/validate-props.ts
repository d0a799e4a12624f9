import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { DEFAULT_THRESHOLDS, ResolvedThresholds } from './alert-rules';
import { EXPORTER } from './exporter-sidecar';
import { ClusterMonitoringOptions } from './props';
import { NetworkPeer } from '../network/network-peer';
import { POOLER_EXPORTER } from '../pooler/pooler-exporter';
import { resolveContainerResources } from '../private/resources';
import { Validated, ValidationErrors, validateLabels } from '../private/validation';

/** The monitoring role's default name. */
export const DEFAULT_MONITORING_ROLE = 'pgaas_monitor';

/** {@link ClusterMonitoringOptions} with every default applied. */
export interface ResolvedMonitoring {
  readonly exporterImage: string;
  readonly poolerExporterImage: string;
  readonly exporterResources: k8s.ResourceRequirements;
  readonly monitoringRole: string;
  readonly podMonitor: boolean;
  readonly prometheusRule: boolean;
  readonly grafanaDashboard: boolean;
  readonly logsToStdout: boolean;
  readonly labels: Record<string, string>;
  readonly prometheusPeers: NetworkPeer[];
  readonly scrapeInterval: string;
  readonly thresholds: ResolvedThresholds;
}

const DURATION = /^([0-9]+(ms|s|m|h))+$/;

/**
 * A cluster's monitoring: the options resolved, their problems added to the cluster's report under
 * `monitoring`, and what JSON logs to stdout need of the cluster (PostgreSQL 15+, jsonlog kept).
 */
export function resolveClusterMonitoring(
  options: ClusterMonitoringOptions | undefined, postgresVersion: number, parameters: Record<string, string>, errors: ValidationErrors,
): Validated<ResolvedMonitoring> | undefined {
  if (!options) return undefined;
  const monitoring = resolveMonitoring(options);
  errors.addProblems(monitoring.problems, 'monitoring');
  if (monitoring.value.logsToStdout && postgresVersion < 15) {
    errors.add('monitoring.logsToStdout', true, `needs PostgreSQL 15 or later for jsonlog (postgresVersion is ${postgresVersion})`);
  }
  if (monitoring.value.logsToStdout && parameters.log_destination !== undefined && !/\bjsonlog\b/.test(parameters.log_destination)) {
    errors.add('parameters.log_destination', parameters.log_destination, 'must include jsonlog with monitoring.logsToStdout (the sidecar follows the jsonlog file)');
  }
  return monitoring;
}

/** Resolves the options, every problem collected (property paths relative to `monitoring`). */
export function resolveMonitoring(options: ClusterMonitoringOptions): Validated<ResolvedMonitoring> {
  const errors = new ValidationErrors('monitoring');
  const resourceErrors = new ValidationErrors('monitoring');
  const resources = resolveContainerResources(options.exporterResources, {
    cpu: { request: kplus.Cpu.millis(10), limit: kplus.Cpu.millis(100) },
    memory: { request: Size.mebibytes(64), limit: Size.mebibytes(64) },
  }, resourceErrors, { requests: { 'ephemeral-storage': '8Mi' }, limits: { 'ephemeral-storage': '32Mi' } });
  errors.addProblems(resourceErrors.problems.map((p) => ({ ...p, property: p.property.replace(/^resources\./, 'exporterResources.') })));
  const thresholds: ResolvedThresholds = { ...DEFAULT_THRESHOLDS, ...definedOnly(options.alerts ?? {}) };
  const fractions = new Set(['connectionSaturation', 'volumeUsage', 'poolerClientSaturation']);
  for (const [key, value] of Object.entries(thresholds)) {
    const property = `alerts.${key}`;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      errors.add(property, value, 'must be a number greater than zero');
    } else if (fractions.has(key) && value > 1) {
      errors.add(property, value, 'must be a share between 0 and 1 (0.9 is 90 %)');
    }
  }
  const scrapeInterval = options.scrapeInterval ?? '30s';
  if (!DURATION.test(scrapeInterval)) errors.add('scrapeInterval', scrapeInterval, 'must be a Prometheus duration such as 30s or 1m');
  validateLabels(errors, 'labels', options.labels);
  const peers = options.prometheusPeers ?? [];
  peers.forEach((peer, i) => errors.addProblems(peer._validate(), `prometheusPeers[${i}]`));
  return {
    problems: errors.problems,
    value: {
      exporterImage: options.exporterImage ?? EXPORTER.IMAGE,
      poolerExporterImage: options.poolerExporterImage ?? POOLER_EXPORTER.IMAGE,
      exporterResources: resources.requirements,
      monitoringRole: options.monitoringRole ?? DEFAULT_MONITORING_ROLE,
      podMonitor: options.podMonitor ?? false,
      prometheusRule: options.prometheusRule ?? false,
      grafanaDashboard: options.grafanaDashboard ?? true,
      logsToStdout: options.logsToStdout ?? false,
      labels: options.labels ?? {},
      prometheusPeers: peers,
      scrapeInterval,
      thresholds,
    },
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
