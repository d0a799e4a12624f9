import { Size } from 'cdk8s';

/**
 * The data volume as the StatefulSet's `volumeClaimTemplates` declare it: what the cluster was created
 * with. The API server refuses every change to a StatefulSet's volumeClaimTemplates (Kubernetes 1.37
 * included), so once a cluster exists they must stay as they are; record them here before changing
 * `storage`.
 */
export interface VolumeClaimTemplate {
  /** The `storage` the cluster was created with. */
  readonly storage: Size;
  /**
   * The `storageClassName` the cluster was created with. A claim's class cannot change either:
   * `storageClassName` must stay equal to it.
   * @default - none (the cluster's default StorageClass)
   */
  readonly storageClassName?: string;
}
