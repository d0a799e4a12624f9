import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { PodSecurityLevel } from '../audit/pod-security';
import { KubeNamespace } from '../private/kube';
import { PropSchema, requirePropTypes } from '../private/runtime-types';
import { reportErrors } from '../private/tree-report';
import { Rules, ValidationErrors, validateLabels } from '../private/validation';

/** Properties of {@link DatabaseNamespace}. */
export interface DatabaseNamespaceProps {
  /**
   * Name of the Namespace.
   * @default - the namespace of the scope's Chart
   */
  readonly name?: string;
  /**
   * The Pod Security level the API server enforces (`pod-security.kubernetes.io/enforce`): pods that
   * break it are rejected. Every pod of the library passes `restricted`; choose `BASELINE` when your
   * own workloads in the namespace do not (cdk8s-plus-27 cannot set a seccomp profile, which
   * `restricted` requires).
   * @default PodSecurityLevel.RESTRICTED
   */
  readonly enforce?: PodSecurityLevel;
  /**
   * The level the API server warns about (`kubectl` shows the warnings) and audits.
   * @default PodSecurityLevel.RESTRICTED
   */
  readonly warn?: PodSecurityLevel;
  /**
   * The Pod Security Standards version the labels pin (`v1.30`, ...), so that a Kubernetes upgrade
   * does not change what is admitted.
   * @default "latest"
   */
  readonly podSecurityVersion?: string;
  /**
   * Extra labels of the Namespace (for example those NetworkPolicies of other namespaces select).
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/**
 * The Namespace of a cluster, with Pod Security admission labels: optional (GitOps setups often
 * create namespaces elsewhere), but a fresh cluster needs one before anything else applies. Create it
 * first in the Chart, so it comes first in the synthesized file.
 *
 * @example
 * const chart = new Chart(app, 'hello', { namespace: 'hello' });
 * new DatabaseNamespace(chart, 'namespace', { enforce: PodSecurityLevel.BASELINE });
 */
export class DatabaseNamespace extends Construct {
  /** Pod Security admission's label prefix. */
  public static readonly POD_SECURITY_LABEL_PREFIX = 'pod-security.kubernetes.io/';

  /** Name of the Namespace. */
  public readonly name: string;
  /** The Namespace object, for escape hatches. */
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: DatabaseNamespaceProps = {}) {
    super(scope, id);
    const errors = new ValidationErrors(`DatabaseNamespace ${this.node.path}`);
    // The levels are checked below with the other rules (one report), as strings here.
    requirePropTypes(this, errors.subject, props, DATABASE_NAMESPACE_SCHEMA);
    const name = props.name ?? Chart.of(this).namespace;
    if (name === undefined) errors.add('name', name, 'must be set, or the scope\'s Chart must have a namespace');
    else errors.check('name', name, Rules.dns1123Label(name));
    const levels = Object.values(PodSecurityLevel) as string[];
    for (const [property, level] of [['enforce', props.enforce], ['warn', props.warn]] as const) {
      if (level !== undefined && !levels.includes(level)) errors.add(property, level, `must be one of ${levels.join(', ')}`);
    }
    const version = props.podSecurityVersion ?? 'latest';
    if (!/^(latest|v1\.\d+)$/.test(version)) errors.add('podSecurityVersion', version, 'must be "latest" or a Kubernetes minor version such as "v1.30"');
    validateLabels(errors, 'labels', props.labels);
    reportErrors(this, errors);

    this.name = name!;
    const enforce = props.enforce ?? PodSecurityLevel.RESTRICTED;
    const warn = props.warn ?? PodSecurityLevel.RESTRICTED;
    const prefix = DatabaseNamespace.POD_SECURITY_LABEL_PREFIX;
    this.apiObject = new KubeNamespace(this, 'Resource', {
      metadata: {
        name: this.name,
        labels: {
          'app.kubernetes.io/name': 'postgresql',
          'app.kubernetes.io/managed-by': 'cdk8s-pgaas',
          ...props.labels,
          [`${prefix}enforce`]: enforce,
          [`${prefix}enforce-version`]: version,
          [`${prefix}warn`]: warn,
          [`${prefix}warn-version`]: version,
          [`${prefix}audit`]: warn,
          [`${prefix}audit-version`]: version,
        },
      },
    });
    // A Namespace is cluster-scoped: the Chart's namespace cdk8s adds to every object does not belong on it.
    if (this.apiObject.metadata.namespace !== undefined) this.apiObject.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  }
}

/** {@link DatabaseNamespaceProps} at run time (test/unit/private/construct-prop-types.test.ts compares the two). */
export const DATABASE_NAMESPACE_SCHEMA: PropSchema = { types: { name: 'string', enforce: 'string', warn: 'string', podSecurityVersion: 'string', labels: 'record' } };
