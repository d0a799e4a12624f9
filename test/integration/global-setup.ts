import { ensureDebianPackages } from '../harness/debian';

/** Jest global setup: the integration tests run real PostgreSQL, Patroni, etcd and PgBouncer. */
export default function globalSetup(): void {
  ensureDebianPackages();
}
