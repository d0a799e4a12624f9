import { k8s } from 'cdk8s-plus-27';
import { patchedAsWritten } from '../private/kube';

/**
 * A StatefulSet whose volumeClaimTemplates are written out in full. The API server adds
 * apiVersion and kind to each template, so GitOps tools report their absence as drift; the typed
 * L1 mapping drops them, so they are added after it (and before any JSON patch, which sees them).
 */
class StatefulSetWithFullTemplates extends k8s.KubeStatefulSet {
  public toJson(): any {
    const json = super.toJson();
    const templates: any[] | undefined = json.spec?.volumeClaimTemplates;
    if (templates) json.spec.volumeClaimTemplates = templates.map((t) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', ...t }));
    return json;
  }
}

export const SpiloStatefulSet = patchedAsWritten(StatefulSetWithFullTemplates);
