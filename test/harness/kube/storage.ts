import { KubeClient } from './client';
import { SyncLoop } from './sync-loop';

/*
 * Stand-ins for the storage side of a cluster, for a control plane that runs no volume controllers
 * and has no CSI driver. Everything the API server decides (the StatefulSet controller creating the
 * claims from volumeClaimTemplates, validation of claim updates, the PersistentVolumeClaimResize
 * admission plugin reading the StorageClass's allowVolumeExpansion, RBAC) stays real:
 *
 *   what                          | real cluster                                   | harness
 *   ------------------------------+------------------------------------------------+-----------------------------------------------
 *   provisioning and binding      | external-provisioner creates a PV; the PV      | FakeStorage: a PV with the requested capacity,
 *                                 | controller binds it (spec.volumeName, status   | claimRef and class (CSI driver
 *                                 | Bound, capacity)                               | harness.example.com); spec.volumeName set once;
 *                                 |                                                | claim and PV status Bound
 *   controller expansion          | external-resizer: ControllerExpandVolume, then | the PV's capacity set to the request,
 *                                 | the PV's capacity                              | status.allocatedResources set
 *   file system expansion         | kubelet: NodeExpandVolume while mounted        | 'online': the claim's status.capacity set to
 *                                 | (online) or at the next mount (offline:        | the request; 'offline': condition
 *                                 | FileSystemResizePending until the pod restarts)| FileSystemResizePending, capacity unchanged
 */

export type ExpansionMode = 'online' | 'offline';

export class FakeStorage extends SyncLoop {
  /** How the stand-in expands a file system; tests switch it between revisions. */
  public expansion: ExpansionMode = 'online';

  constructor(private readonly client: KubeClient, public readonly namespace: string) {
    super();
  }

  /** A StorageClass served by the stand-in (cluster-scoped; the name is the test's). */
  public async createStorageClass(name: string, allowVolumeExpansion: boolean): Promise<void> {
    await this.client.expect('POST', '/apis/storage.k8s.io/v1/storageclasses', {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name },
      provisioner: 'harness.example.com',
      allowVolumeExpansion,
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'Immediate',
    }, { accept: [409] });
  }

  /** One round: bind Pending claims, expand Bound claims that request more than their capacity. */
  public async sync(): Promise<void> {
    const claims = (await this.client.get(`/api/v1/namespaces/${this.namespace}/persistentvolumeclaims`)).items as any[];
    for (const claim of claims) {
      if (claim.status?.phase !== 'Bound') await this.bind(claim);
      else await this.expand(claim);
    }
  }

  private async bind(claim: any): Promise<void> {
    const name = claim.metadata.name;
    const request = claim.spec.resources.requests.storage;
    const pv = `pv-${this.namespace}-${name}`;
    await this.client.expect('POST', '/api/v1/persistentvolumes', {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: pv, annotations: { 'pv.kubernetes.io/provisioned-by': 'harness.example.com' } },
      spec: {
        capacity: { storage: request },
        accessModes: claim.spec.accessModes,
        storageClassName: claim.spec.storageClassName,
        persistentVolumeReclaimPolicy: 'Delete',
        volumeMode: 'Filesystem',
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: this.namespace, name, uid: claim.metadata.uid },
        csi: { driver: 'harness.example.com', volumeHandle: pv },
      },
    }, { accept: [409] });
    await this.client.mergePatch(`/api/v1/persistentvolumes/${pv}/status`, { status: { phase: 'Bound' } });
    const path = `/api/v1/namespaces/${this.namespace}/persistentvolumeclaims/${name}`;
    if (!claim.spec.volumeName) await this.client.mergePatch(path, { spec: { volumeName: pv } });
    await this.client.mergePatch(`${path}/status`, { status: { phase: 'Bound', accessModes: claim.spec.accessModes, capacity: { storage: request } } });
  }

  private async expand(claim: any): Promise<void> {
    const request: string = claim.spec.resources.requests.storage;
    const capacity: string | undefined = claim.status?.capacity?.storage;
    if (capacity === request || claim.status?.allocatedResources?.storage === request && this.expansion === 'offline') return;
    const path = `/api/v1/namespaces/${this.namespace}/persistentvolumeclaims/${claim.metadata.name}`;
    await this.client.mergePatch(`/api/v1/persistentvolumes/${claim.spec.volumeName}`, { spec: { capacity: { storage: request } } });
    const now = new Date().toISOString();
    await this.client.mergePatch(`${path}/status`, {
      status: this.expansion === 'online'
        ? { capacity: { storage: request }, allocatedResources: { storage: request }, allocatedResourceStatuses: null, conditions: null }
        : {
          allocatedResources: { storage: request },
          allocatedResourceStatuses: { storage: 'NodeResizePending' },
          conditions: [{ type: 'FileSystemResizePending', status: 'True', lastTransitionTime: now, message: 'Waiting for user to (re-)start a pod to finish file system resize of volume on node.' }],
        },
    });
  }
}
