// Internal: not part of the jsii API (do not re-export from src/index.ts).
import { k8s } from 'cdk8s-plus-27';
import { ValidationErrors } from '../private/validation';

/** Environment, volumes and ServiceAccount annotations that give one container access to a storage. */
export interface StorageAccess {
  readonly env: k8s.EnvVar[];
  readonly volumes: k8s.Volume[];
  readonly volumeMounts: k8s.VolumeMount[];
  readonly serviceAccountAnnotations: Record<string, string>;
}

/** Spilo's prefixes of the same variables for the cluster's own archive, a clone source and a standby source. */
export type SpiloEnvPrefix = '' | 'CLONE_' | 'STANDBY_';

/** The cluster whose Spilo environment is computed. */
export interface SpiloClusterIdentity {
  /** Cluster name (Patroni scope). */
  readonly clusterName: string;
  /** Kubernetes namespace of the cluster. */
  readonly namespace: string;
  /** PostgreSQL major version the cluster runs. */
  readonly postgresVersion: number;
  /**
   * Number of members, to check options that need replicas.
   * @default - not checked
   */
  readonly instances?: number;
}

/** Access through environment variables alone. */
export function envAccess(env: k8s.EnvVar[]): StorageAccess {
  return { env, volumes: [], volumeMounts: [], serviceAccountAnnotations: {} };
}

/** Merges accesses; two values for one ServiceAccount annotation are reported through `conflict`. */
export function mergeAccess(parts: StorageAccess[], conflict: (key: string, values: string[]) => void): StorageAccess {
  const annotations: Record<string, string> = {};
  for (const part of parts) {
    for (const [key, value] of Object.entries(part.serviceAccountAnnotations)) {
      if (key in annotations && annotations[key] !== value) conflict(key, [annotations[key], value]);
      else annotations[key] = value;
    }
  }
  return {
    env: parts.flatMap((p) => p.env),
    volumes: parts.flatMap((p) => p.volumes),
    volumeMounts: parts.flatMap((p) => p.volumeMounts),
    serviceAccountAnnotations: annotations,
  };
}

/** A storage prefix: path segments of letters, digits, '.', '_' and '-'. */
const PREFIX_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function validatePrefix(errors: ValidationErrors, prefix: string | undefined): void {
  if (prefix === undefined) return;
  const segments = normalizePrefix(prefix).split('/');
  if (normalizePrefix(prefix) === '' || segments.some((s) => !PREFIX_SEGMENT.test(s) || s === '..' || s === '.')) {
    errors.add('prefix', prefix, 'must be a path of segments made of letters, digits, \'.\', \'_\' and \'-\' separated by \'/\' (each starting with a letter or digit)');
  }
}

export function normalizePrefix(prefix: string | undefined): string {
  return (prefix ?? '').replace(/^\/+|\/+$/g, '');
}
