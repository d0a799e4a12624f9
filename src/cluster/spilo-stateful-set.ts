import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { KubeStatefulSet } from '../private/kube';

/**
 * A StatefulSet whose volumeClaimTemplates are written out in full. The API server adds
 * apiVersion and kind to each template, so GitOps tools report their absence as drift (the typed
 * claim template has neither, so they are added to its Kubernetes JSON).
 */
export class SpiloStatefulSet extends KubeStatefulSet {
  constructor(scope: Construct, id: string, props: k8s.KubeStatefulSetProps) {
    const templates = props.spec?.volumeClaimTemplates?.map((t) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', ...t }));
    super(scope, id, templates ? { ...props, spec: { ...props.spec!, volumeClaimTemplates: templates } } : props);
  }
}
