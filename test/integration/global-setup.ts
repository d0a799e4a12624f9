import { ensureDebianPackages } from '../harness/debian';
import { ensureKubeBinaries } from '../harness/kube/build';
import { ensureCrdFiles } from '../harness/kube/crds';
import { ensurePatroni4 } from '../harness/patroni4';

/**
 * Jest global setup: the integration tests run real PostgreSQL, Patroni (3.0.2 from Debian, 4.0.4 from
 * PyPI), etcd, PgBouncer and a Kubernetes control plane. Installs or builds what is missing once
 * (cached by version; the first Kubernetes build takes about 8 minutes on 2 cores) or names it.
 */
export default function globalSetup(): void {
  ensureDebianPackages();
  ensureKubeBinaries();
  ensureCrdFiles();
  ensurePatroni4();
}
