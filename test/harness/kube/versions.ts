/*
 * The one place the versions of the real components the integration tests run are pinned.
 * Changing a pin rebuilds or reinstalls that component into a new cache entry.
 */

/**
 * kube-apiserver, kube-controller-manager and kubectl, built from the k8s.io/kubernetes Go module
 * (v1.37.2's go.mod says `go 1.26.0`, which this machine's Go builds without a toolchain download).
 */
export const KUBERNETES_VERSION = '1.37.2';

/**
 * etcd comes from Debian's etcd-server (3.4.23 on bookworm). The API server accepts 3.4 and turns
 * off by itself what needs a newer etcd (consistent reads from cache need 3.4.31+).
 */
export const ETCD_DEBIAN_PACKAGE = 'etcd-server';

/**
 * Patroni as the default Spilo image ships it (ghcr.io/zalando/spilo-17:4.0-p3 has Patroni 4.0.4),
 * from PyPI with psycopg 3's binary wheel, in a project-local virtualenv.
 */
export const PATRONI_VERSION = '4.0.4';
export const PSYCOPG_VERSION = '3.3.9';

/**
 * Upstream CustomResourceDefinitions of what the bundle's typed custom resources target, taken from
 * the Go module archives (the Go module proxy is one of the registries this machine reaches), so the
 * test API server validates Certificates, ExternalSecrets and monitoring objects for real.
 */
export interface CrdSource {
  readonly module: string;
  readonly version: string;
  /** Files inside the module archive, relative to its root. */
  readonly files: readonly string[];
}

export const CRD_SOURCES: readonly CrdSource[] = [
  {
    module: 'github.com/cert-manager/cert-manager',
    version: 'v1.21.2',
    files: ['deploy/crds/cert-manager.io_certificates.yaml', 'deploy/crds/cert-manager.io_issuers.yaml', 'deploy/crds/cert-manager.io_clusterissuers.yaml'],
  },
  {
    module: 'github.com/external-secrets/external-secrets',
    version: 'v0.16.2',
    files: ['deploy/crds/bundle.yaml'],
  },
  {
    module: 'github.com/prometheus-operator/prometheus-operator',
    version: 'v0.85.0',
    files: [
      'example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml',
      'example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml',
      'example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml',
    ],
  },
];
