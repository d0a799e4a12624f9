import * as k8sClient from '@kubernetes/client-node';
import * as models from 'kubernetes-models';

/**
 * Offline validation of synthesized objects against the Kubernetes OpenAPI schema:
 * kubernetes-models (schema v1.33) checks types, required fields and formats; the generated
 * model metadata of @kubernetes/client-node rejects fields the API does not define (kubectl's
 * strict field validation), which the JSON schemas alone would let through.
 */
export function schemaErrors(object: any): string[] {
  const where = `${object.kind}/${object.metadata?.name}`;
  if (object.apiVersion === 'external-secrets.io/v1' && object.kind === 'ExternalSecret') return externalSecretErrors(object).map((e) => `${where}: ${e}`);
  if (object.apiVersion === 'cert-manager.io/v1' && object.kind === 'Certificate') return certificateErrors(object).map((e) => `${where}: ${e}`);
  if (object.apiVersion === 'kustomize.toolkit.fluxcd.io/v1' && object.kind === 'Kustomization') return fluxKustomizationErrors(object).map((e) => `${where}: ${e}`);
  if (object.apiVersion === 'argoproj.io/v1alpha1' && object.kind === 'Application') return argoApplicationErrors(object).map((e) => `${where}: ${e}`);
  if (object.apiVersion === 'monitoring.coreos.com/v1') return monitoringErrors(object).map((e) => `${where}: ${e}`);
  const Model = modelClass(object.apiVersion, object.kind);
  if (!Model) return [`${where}: no schema for ${object.apiVersion} ${object.kind}`];
  const errors: string[] = [];
  try {
    new Model(object).validate();
  } catch (e) {
    errors.push(`${where}: ${(e as Error).message}`);
  }
  const clientType = `${versionPrefix(object.apiVersion)}${object.kind}`;
  unknownFields(object, clientType, '', errors);
  return errors.map((e) => (e.startsWith(where) ? e : `${where}: ${e}`));
}

function modelClass(apiVersion: string, kind: string): (new (data: any) => { validate(): void }) | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(`kubernetes-models/${group ? `${group}/` : ''}${version}/${kind}`);
  void models;
  return module[kind];
}

/** "apps/v1" -> "V1", "policy/v1" -> "V1", "rbac.authorization.k8s.io/v1" -> "V1", "v1" -> "V1". */
function versionPrefix(apiVersion: string): string {
  const version = apiVersion.split('/').pop()!;
  return version.charAt(0).toUpperCase() + version.slice(1);
}

const SCALARS = new Set(['string', 'number', 'boolean', 'Date', 'object', 'any', 'IntOrString', 'RuntimeRawExtension']);

function unknownFields(value: any, type: string, path: string, errors: string[]): void {
  if (value === null || value === undefined || SCALARS.has(type)) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    (value as any[]).forEach((item, i) => unknownFields(item, array[1], `${path}[${i}]`, errors));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    for (const [k, v] of Object.entries(value)) unknownFields(v, map[1], `${path}.${k}`, errors);
    return;
  }
  const model = (k8sClient as any)[type];
  if (!model?.getAttributeTypeMap) return;
  const attributes: Array<{ baseName: string; type: string }> = model.getAttributeTypeMap();
  for (const [key, child] of Object.entries(value)) {
    const attribute = attributes.find((a) => a.baseName === key);
    if (!attribute) errors.push(`unknown field "${path ? `${path.slice(1)}.` : ''}${key}" (not in ${type})`);
    else unknownFields(child, attribute.type, `${path}.${key}`, errors);
  }
}

/**
 * The fields of external-secrets.io/v1 ExternalSecret the library emits, from the operator's CRD
 * (external-secrets/external-secrets, apis/externalsecrets/v1/externalsecret_types.go).
 */
function externalSecretErrors(o: any): string[] {
  const errors: string[] = [];
  const only = unknownFieldsOf(errors);
  only(o, '', ['apiVersion', 'kind', 'metadata', 'spec']);
  only(o.spec, 'spec', ['refreshInterval', 'secretStoreRef', 'target', 'data', 'dataFrom', 'refreshPolicy']);
  only(o.spec?.secretStoreRef, 'spec.secretStoreRef', ['name', 'kind']);
  only(o.spec?.target, 'spec.target', ['name', 'creationPolicy', 'deletionPolicy', 'template', 'immutable']);
  only(o.spec?.target?.template, 'spec.target.template', ['type', 'engineVersion', 'data', 'metadata', 'templateFrom', 'mergePolicy']);
  if (!o.spec?.secretStoreRef?.name) errors.push('spec.secretStoreRef.name is required');
  if (!['SecretStore', 'ClusterSecretStore'].includes(o.spec?.secretStoreRef?.kind)) errors.push('spec.secretStoreRef.kind must be SecretStore or ClusterSecretStore');
  if (!['Owner', 'Orphan', 'Merge', 'None'].includes(o.spec?.target?.creationPolicy)) errors.push('spec.target.creationPolicy is not a known policy');
  if (!/^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$/.test(o.spec?.refreshInterval ?? '')) errors.push('spec.refreshInterval must be a Go duration');
  (o.spec?.data ?? []).forEach((d: any, i: number) => {
    only(d, `spec.data[${i}]`, ['secretKey', 'remoteRef', 'sourceRef']);
    only(d.remoteRef, `spec.data[${i}].remoteRef`, ['key', 'property', 'version', 'conversionStrategy', 'decodingStrategy', 'metadataPolicy']);
    if (!d.secretKey || !d.remoteRef?.key) errors.push(`spec.data[${i}] needs secretKey and remoteRef.key`);
  });
  return errors;
}

/** The fields of cert-manager.io/v1 Certificate the library emits (cert-manager pkg/apis/certmanager/v1/types_certificate.go). */
function certificateErrors(o: any): string[] {
  const errors: string[] = [];
  const only = unknownFieldsOf(errors);
  only(o, '', ['apiVersion', 'kind', 'metadata', 'spec']);
  only(o.spec, 'spec', ['secretName', 'issuerRef', 'dnsNames', 'duration', 'renewBefore', 'privateKey', 'usages', 'commonName', 'secretTemplate', 'isCA', 'ipAddresses', 'subject']);
  only(o.spec?.issuerRef, 'spec.issuerRef', ['name', 'kind', 'group']);
  only(o.spec?.privateKey, 'spec.privateKey', ['algorithm', 'size', 'rotationPolicy', 'encoding']);
  if (!o.spec?.secretName) errors.push('spec.secretName is required');
  if (!o.spec?.issuerRef?.name) errors.push('spec.issuerRef.name is required');
  if (!Array.isArray(o.spec?.dnsNames) || o.spec.dnsNames.length === 0) errors.push('spec.dnsNames must not be empty');
  for (const d of ['duration', 'renewBefore']) if (o.spec?.[d] !== undefined && !/^([0-9]+(\.[0-9]+)?(h|m|s))+$/.test(o.spec[d])) errors.push(`spec.${d} must be a Go duration`);
  return errors;
}

/** The fields of a Flux Kustomization the examples use (fluxcd/kustomize-controller api/v1 kustomization_types.go). */
function fluxKustomizationErrors(o: any): string[] {
  const errors: string[] = [];
  const only = unknownFieldsOf(errors);
  only(o, '', ['apiVersion', 'kind', 'metadata', 'spec']);
  only(o.spec, 'spec', ['interval', 'sourceRef', 'path', 'prune', 'wait', 'timeout', 'dependsOn', 'targetNamespace', 'retryInterval', 'healthChecks', 'force', 'suspend']);
  only(o.spec?.sourceRef, 'spec.sourceRef', ['kind', 'name', 'namespace', 'apiVersion']);
  if (!['GitRepository', 'OCIRepository', 'Bucket'].includes(o.spec?.sourceRef?.kind)) errors.push('spec.sourceRef.kind must be GitRepository, OCIRepository or Bucket');
  if (!o.spec?.sourceRef?.name) errors.push('spec.sourceRef.name is required');
  if (typeof o.spec?.prune !== 'boolean') errors.push('spec.prune is required (boolean)');
  for (const d of ['interval', 'timeout']) if (o.spec?.[d] !== undefined && !/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/.test(o.spec[d])) errors.push(`spec.${d} must be a Go duration`);
  if (!o.spec?.interval) errors.push('spec.interval is required');
  (o.spec?.dependsOn ?? []).forEach((d: any, i: number) => {
    only(d, `spec.dependsOn[${i}]`, ['name', 'namespace']);
    if (!d.name) errors.push(`spec.dependsOn[${i}].name is required`);
  });
  return errors;
}

/** The fields of an Argo CD Application the examples use (argo-cd pkg/apis/application/v1alpha1/types.go). */
function argoApplicationErrors(o: any): string[] {
  const errors: string[] = [];
  const only = unknownFieldsOf(errors);
  only(o, '', ['apiVersion', 'kind', 'metadata', 'spec']);
  only(o.spec, 'spec', ['project', 'source', 'sources', 'destination', 'syncPolicy', 'ignoreDifferences', 'revisionHistoryLimit']);
  only(o.spec?.source, 'spec.source', ['repoURL', 'targetRevision', 'path', 'chart', 'directory', 'kustomize', 'helm', 'plugin', 'ref']);
  only(o.spec?.destination, 'spec.destination', ['server', 'name', 'namespace']);
  only(o.spec?.syncPolicy, 'spec.syncPolicy', ['automated', 'syncOptions', 'retry', 'managedNamespaceMetadata']);
  only(o.spec?.syncPolicy?.automated, 'spec.syncPolicy.automated', ['prune', 'selfHeal', 'allowEmpty', 'enabled']);
  if (!o.spec?.project) errors.push('spec.project is required');
  if (!o.spec?.source?.repoURL) errors.push('spec.source.repoURL is required');
  if (!o.spec?.destination?.server === !o.spec?.destination?.name) errors.push('spec.destination needs exactly one of server and name');
  return errors;
}

/** A check that an object has only the allowed fields, reporting the others into `errors`. */
function unknownFieldsOf(errors: string[]): (value: any, path: string, allowed: string[]) => void {
  return (value, path, allowed) => {
    for (const key of Object.keys(value ?? {})) if (!allowed.includes(key)) errors.push(`unknown field "${path}.${key}"`);
  };
}

/**
 * The Prometheus Operator's PodMonitor and PrometheusRule (monitoring.coreos.com/v1, CRDs of
 * prometheus-operator v0.7x): the fields the library writes, checked against the CRDs' names and
 * required fields. The rules themselves are checked by promtool (integration tests).
 */
function monitoringErrors(o: any): string[] {
  const errors: string[] = [];
  const only = unknownFieldsOf(errors);
  only(o, '', ['apiVersion', 'kind', 'metadata', 'spec']);
  if (!o.metadata?.name) errors.push('metadata.name is required');
  if (o.kind === 'PodMonitor') {
    only(o.spec, 'spec', ['selector', 'podTargetLabels', 'podMetricsEndpoints', 'namespaceSelector', 'jobLabel', 'sampleLimit']);
    if (!o.spec?.selector) errors.push('spec.selector is required');
    (o.spec?.podMetricsEndpoints ?? []).forEach((e: any, i: number) => {
      only(e, `spec.podMetricsEndpoints[${i}]`, ['port', 'path', 'interval', 'scheme', 'scrapeTimeout', 'relabelings', 'metricRelabelings']);
      if (e.scheme !== undefined && !['http', 'https'].includes(e.scheme)) errors.push(`spec.podMetricsEndpoints[${i}].scheme must be http or https`);
      if (e.interval !== undefined && !/^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/.test(e.interval)) {
        errors.push(`spec.podMetricsEndpoints[${i}].interval is not a duration`);
      }
    });
  } else if (o.kind === 'PrometheusRule') {
    only(o.spec, 'spec', ['groups']);
    (o.spec?.groups ?? []).forEach((g: any, i: number) => {
      only(g, `spec.groups[${i}]`, ['name', 'interval', 'rules']);
      if (!g.name) errors.push(`spec.groups[${i}].name is required`);
      (g.rules ?? []).forEach((r: any, j: number) => {
        only(r, `spec.groups[${i}].rules[${j}]`, ['alert', 'record', 'expr', 'for', 'labels', 'annotations']);
        if (!r.expr) errors.push(`spec.groups[${i}].rules[${j}].expr is required`);
      });
    });
  } else {
    errors.push(`no schema for monitoring.coreos.com/v1 ${o.kind}`);
  }
  return errors;
}
