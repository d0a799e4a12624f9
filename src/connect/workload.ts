import { IConstruct } from 'constructs';

// The connection helpers take workloads and containers of any cdk8s-plus version (27 ... 33): the
// classes of two cdk8s-plus versions are never assignable to each other (private members make them
// nominal), so the helpers name only the members they use, which every version has.

/** The environment of a container (`container.env` of cdk8s-plus). */
export interface IContainerEnvironment {
  /** The variables set so far, by name. */
  readonly variables: { [name: string]: any };
  /**
   * Sets a variable. The value is a cdk8s-plus `EnvValue` (every cdk8s-plus version renders it from
   * its `value` and `valueFrom`).
   */
  addVariable(name: string, value: any): void;
}

/** A container the connection helpers add variables and the CA certificate to (`kplus.Container`). */
export interface IConnectableContainer {
  /** The container's environment. */
  readonly env: IContainerEnvironment;
  /**
   * Mounts a volume (a cdk8s-plus `Volume`) into the container.
   * @param path where to mount it
   * @param storage the volume
   * @param options cdk8s-plus `MountOptions`
   */
  mount(path: string, storage: any, options?: any): void;
}

/**
 * The pods of a cdk8s-plus workload (`Deployment`, `StatefulSet`, `Job`, `DaemonSet`) of any
 * cdk8s-plus version, selected by `matchLabels` (the labels its own selector uses) in the namespace
 * of its Chart.
 */
export interface IWorkloadPods extends IConstruct {
  /** Labels selecting the workload's pods (its own selector). */
  readonly matchLabels: { [key: string]: string };
}

/** A workload whose pods connect to a cluster (see {@link IWorkloadPods}). */
export interface IConnectableWorkload extends IWorkloadPods {
  /** The workload's containers: each gets the connection variables. */
  readonly containers: IConnectableContainer[];
}
