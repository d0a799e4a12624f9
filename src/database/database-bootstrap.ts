import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { BootstrapSql, renderValidSpec } from './bootstrap-sql';
import { DatabaseBootstrapSpec } from './roles';
import { GitOpsOrdering, orderingAnnotations } from '../credentials/secret-generator';
import { contentHash, hashedName } from '../private/hash';
import { spiloJobProps, superuserPsqlEnv } from '../private/job-pod';
import { KubeConfigMap, KubeJob } from '../private/kube';
import { orderAfter } from '../private/ordering';
import { PropSchema, PropType, requirePropTypes } from '../private/runtime-types';
import { reportErrors } from '../private/tree-report';
import { ValidationErrors } from '../private/validation';

/** A key of a Kubernetes Secret. */
export interface SecretKeyReference {
  readonly secretName: string;
  readonly key: string;
}

/** Properties of {@link DatabaseBootstrap}. */
export interface DatabaseBootstrapProps {
  /** Base name of the Job and ConfigMap (a content hash is appended). */
  readonly name: string;
  /** Roles, databases and the pooler role to create. */
  readonly spec: DatabaseBootstrapSpec;
  /** Image with psql 15 or later (the cluster's Spilo image). */
  readonly image: string;
  /** Host of the primary. */
  readonly host: string;
  /** Port of the primary. */
  readonly port: number;
  /** Superuser name. */
  readonly superuserUsername: SecretKeyReference;
  /** Superuser password. */
  readonly superuserPassword: SecretKeyReference;
  /** Password of every login role of the spec, by role name. */
  readonly passwords: Record<string, SecretKeyReference>;
  /**
   * Labels of the Job, its pod and the ConfigMap.
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * Ordering annotations for GitOps tools.
   * @default GitOpsOrdering.NONE
   */
  readonly ordering?: GitOpsOrdering;
  /**
   * Secrets for pulling the image.
   * @default - none
   */
  readonly imagePullSecrets?: string[];
  /**
   * Whether a NetworkPolicy isolates the Job's pods (it admits no ingress): adds the matching
   * policy-check exemption.
   * @default false
   */
  readonly networkIsolated?: boolean;
}

/** Waits until the host answers as a primary (not in recovery), then runs the given command. */
const WAIT_FOR_PRIMARY = [
  'set -eu',
  'echo "waiting for the primary at $PGHOST:$PGPORT"',
  'until [ "$(psql -X -w -q -tA -c \'SELECT NOT pg_is_in_recovery()\' 2>/dev/null)" = "t" ]; do sleep 5; done',
  'echo "primary is up, applying the declared roles and databases"',
  'exec "$@"',
].join('\n');

/**
 * A Job that waits for the primary, then applies the declared roles and databases with idempotent
 * SQL (generated at synth time, shipped in a ConfigMap). Passwords reach it only as environment
 * variables from Secrets. Its name carries a hash of its content, so a changed declaration creates
 * a new Job instead of failing on Job immutability.
 */
export class DatabaseBootstrap extends Construct {
  public readonly configMap: k8s.KubeConfigMap;
  public readonly job: k8s.KubeJob;
  /** The SQL the Job runs. */
  public readonly sql: string;

  constructor(scope: Construct, id: string, props: DatabaseBootstrapProps) {
    super(scope, id);
    const errors = new ValidationErrors(`DatabaseBootstrap ${this.node.path}`);
    requirePropTypes(this, errors.subject, props, DATABASE_BOOTSTRAP_SCHEMA);
    errors.addProblems(BootstrapSql.problems(props.spec), 'spec');
    // Login roles (and their variable names) are only defined for a valid spec: an invalid one is reported at synth
    // and the Job is built from an empty spec meanwhile.
    const spec = errors.hasProblems ? {} : props.spec;
    const loginRoles = BootstrapSql.loginRoles(spec);
    for (const login of loginRoles) {
      if (!props.passwords[login.role]) errors.add(`passwords.${login.role}`, undefined, `needs the password Secret of login role "${login.role}"`);
    }
    reportErrors(this, errors);
    // Validated above (an invalid spec was replaced by the empty one).
    this.sql = renderValidSpec(spec);
    const env: k8s.EnvVar[] = [
      ...superuserPsqlEnv({ host: props.host, port: props.port, username: props.superuserUsername, password: props.superuserPassword }),
      // A role without its Secret is in the report (nothing is synthesized): it is left out meanwhile.
      ...loginRoles.filter((login) => props.passwords[login.role]).map((login) => {
        const ref = props.passwords[login.role];
        return { name: login.passwordEnv, valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key } } };
      }),
    ];
    const command = ['bash', '-c', WAIT_FOR_PRIMARY, 'wait-for-primary', ...BootstrapSql.psqlCommand()];
    const name = hashedName(props.name, contentHash(this.sql, env, command, props.image, props.labels ?? {}, props.imagePullSecrets ?? []));
    const annotations = orderingAnnotations(props.ordering ?? GitOpsOrdering.NONE, 'bootstrap');
    const metadata = { name, labels: props.labels, annotations: Object.keys(annotations).length ? annotations : undefined };
    const sqlFile = BootstrapSql.SQL_FILE.split('/');
    this.configMap = new KubeConfigMap(this, 'Sql', { metadata, data: { [sqlFile.pop()!]: this.sql } });
    this.job = new KubeJob(this, 'Job', spiloJobProps({
      ...metadata,
      networkIsolated: props.networkIsolated ?? false,
      image: props.image,
      imagePullSecrets: props.imagePullSecrets,
      containerName: 'bootstrap',
      command,
      env,
      configMap: { volume: 'sql', name, mountPath: sqlFile.join('/') },
      backoffLimit: 10,
      // Waiting for a new cluster's primary plus the SQL; a Job that fails is visible in the GitOps tool.
      activeDeadlineSeconds: 1800,
    }));
    orderAfter(this.job, this.configMap);
  }

  public get apiObjects(): ApiObject[] {
    return [this.configMap, this.job];
  }
}

const SECRET_KEY: PropType = { fields: { required: ['secretName', 'key'], types: { secretName: 'string', key: 'string' } } };

/** {@link DatabaseBootstrapProps} at run time (test/unit/private/construct-prop-types.test.ts compares the two). */
export const DATABASE_BOOTSTRAP_SCHEMA: PropSchema = {
  required: ['name', 'spec', 'image', 'host', 'port', 'superuserUsername', 'superuserPassword', 'passwords'],
  types: {
    name: 'string',
    spec: 'object',
    image: 'string',
    host: 'string',
    port: 'integer',
    superuserUsername: SECRET_KEY,
    superuserPassword: SECRET_KEY,
    passwords: 'object',
    labels: 'record',
    ordering: { enumOf: GitOpsOrdering, name: 'GitOpsOrdering' },
    imagePullSecrets: 'string[]',
    networkIsolated: 'boolean',
  },
};
