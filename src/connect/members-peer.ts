import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';

/** The pods of a cluster's members as a cdk8s-plus pod selector in their namespace, created once under `scope`. */
export function membersSelector(scope: Construct, labels: Record<string, string>, namespace: string): kplus.IPodSelector {
  const existing = scope.node.tryFindChild('MembersSelector') as kplus.Pods | undefined;
  if (existing) return existing;
  const namespaces = kplus.Namespaces.select(scope, 'MembersNamespace', { names: [namespace] });
  return kplus.Pods.select(scope, 'MembersSelector', { labels, namespaces });
}
