import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import { PropSchema, requirePropTypes } from '../private/runtime-types';

/** Reference to an External Secrets Operator store. */
export interface ExternalSecretStoreRef {
  readonly name: string;
  readonly kind: string;
}

/** One entry of `spec.data`: a key of the Kubernetes Secret and where its value comes from. */
export interface ExternalSecretData {
  readonly secretKey: string;
  readonly remoteRef: ExternalSecretRemoteRef;
}

export interface ExternalSecretRemoteRef {
  readonly key: string;
  /** @default - the whole value */
  readonly property?: string;
}

/** `spec.target`: the Secret the operator writes. */
export interface ExternalSecretTarget {
  readonly name: string;
  /** @default "Owner" */
  readonly creationPolicy?: string;
  /** Template of the Secret's data (engine v2): literal values and `{{ .key }}` references. @default - the data keys as they are */
  readonly templateData?: Record<string, string>;
}

/** Properties of {@link ExternalSecret} (external-secrets.io/v1). */
export interface ExternalSecretProps {
  readonly metadata?: ApiObjectMetadata;
  readonly secretStoreRef: ExternalSecretStoreRef;
  readonly target: ExternalSecretTarget;
  readonly data: ExternalSecretData[];
  /** Refresh interval as a Go duration ("1h"). @default "1h" */
  readonly refreshInterval?: string;
}

/** A typed `ExternalSecret` (external-secrets.io/v1) of the External Secrets Operator. */
export class ExternalSecret extends ApiObject {
  public static readonly API_VERSION = 'external-secrets.io/v1';
  public static readonly KIND = 'ExternalSecret';

  constructor(scope: Construct, id: string, props: ExternalSecretProps) {
    requirePropTypes(scope, `ExternalSecret ${[scope.node.path, id].filter(Boolean).join('/')}`, props, EXTERNAL_SECRET_SCHEMA);
    super(scope, id, {
      apiVersion: ExternalSecret.API_VERSION,
      kind: ExternalSecret.KIND,
      metadata: props.metadata,
      spec: {
        refreshInterval: props.refreshInterval ?? '1h',
        secretStoreRef: { name: props.secretStoreRef.name, kind: props.secretStoreRef.kind },
        target: {
          name: props.target.name,
          creationPolicy: props.target.creationPolicy ?? 'Owner',
          ...props.target.templateData ? { template: { engineVersion: 'v2', data: props.target.templateData } } : {},
        },
        data: props.data.map((d) => ({
          secretKey: d.secretKey,
          remoteRef: { key: d.remoteRef.key, ...d.remoteRef.property ? { property: d.remoteRef.property } : {} },
        })),
      },
    });
  }
}

/** {@link ExternalSecretProps} at run time (test/unit/private/construct-prop-types.test.ts compares the two). */
export const EXTERNAL_SECRET_SCHEMA: PropSchema = {
  required: ['secretStoreRef', 'target', 'data'],
  types: {
    metadata: 'object',
    secretStoreRef: { fields: { required: ['name', 'kind'], types: { name: 'string', kind: 'string' } } },
    target: { fields: { required: ['name'], types: { name: 'string', creationPolicy: 'string', templateData: 'record' } } },
    data: { arrayOf: { fields: { required: ['secretKey', 'remoteRef'], types: { secretKey: 'string', remoteRef: { fields: { required: ['key'], types: { key: 'string', property: 'string' } } } } } } },
    refreshInterval: 'string',
  },
};
