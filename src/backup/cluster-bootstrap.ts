import { k8s } from 'cdk8s-plus-27';
import { BackupStorage } from './backup-storage';
import { SpiloClusterIdentity, StorageAccess } from './storage-env';
import { SecretKeyReference } from '../database/database-bootstrap';
import { identifierProblem } from '../database/identifiers';
import { ClusterNames, SPILO_REPLICATION_USER } from '../private/names';
import { Problem, Rules, Validated, ValidationErrors } from '../private/validation';

/** Another cluster's continuous archive, located the way this library writes it. */
export interface ArchiveSource {
  /** The storage the source cluster archives to (its `backup.storage`). */
  readonly storage: BackupStorage;
  /** Name of the source cluster. */
  readonly clusterName: string;
  /** Namespace of the source cluster. */
  readonly namespace: string;
}

/** Properties of {@link ClusterBootstrap.pointInTime}. */
export interface PointInTimeRecoveryProps {
  /** The archive to restore from. */
  readonly source: ArchiveSource;
  /**
   * Recover up to this moment: RFC 3339 with a UTC offset, e.g. "2026-11-20T10:00:00+00:00" or
   * "2026-11-20T10:00:00Z" (CLONE_TARGET_TIME). The newest base backup before it is restored, then WAL is
   * replayed up to it.
   * @default - the end of the archive (the latest state)
   */
  readonly targetTime?: string;
  /**
   * Stop just after (true) or just before (false) the target time.
   * @default true
   */
  readonly targetInclusive?: boolean;
  /**
   * Pause at the target instead of promoting (USE_PAUSE_AT_RECOVERY_TARGET): inspect, then promote with
   * `SELECT pg_wal_replay_resume()`.
   * @default false
   */
  readonly pauseAtTarget?: boolean;
}

/** Properties of {@link ClusterBootstrap.cloneFrom}. */
export interface BasebackupCloneProps {
  /** Name of the running source cluster (CLONE_SCOPE). */
  readonly clusterName: string;
  /**
   * Namespace of the source cluster.
   * @default - the new cluster's namespace
   */
  readonly namespace?: string;
  /**
   * Host to take the base backup from.
   * @default "<clusterName>.<namespace>.svc" (the source's primary Service)
   */
  readonly host?: string;
  /**
   * Port of the source.
   * @default 5432
   */
  readonly port?: number;
  /**
   * Replication user of the source.
   * @default "standby"
   */
  readonly user?: string;
  /**
   * The source user's password, in a Secret of the NEW cluster's namespace.
   * @default - key "password" of "standby.<clusterName>.credentials.postgresql.acid.zalan.do" (the source's
   * replication Secret; only when the source is in the same namespace)
   */
  readonly password?: SecretKeyReference;
}

/** Properties of {@link ClusterBootstrap.standbyOf}. */
export interface StandbyClusterProps {
  /**
   * Replay WAL from the source cluster's archive (same PostgreSQL major as this cluster).
   * @default - no archive: streaming only
   */
  readonly archive?: ArchiveSource;
  /**
   * Host of the source primary to stream from (STANDBY_HOST).
   * @default - no streaming: archive only
   */
  readonly host?: string;
  /**
   * Port of the source primary (STANDBY_PORT).
   * @default 5432
   */
  readonly port?: number;
  /**
   * Replication slot on the source primary (STANDBY_PRIMARY_SLOT_NAME); create it there first.
   * @default - no slot
   */
  readonly primarySlotName?: string;
}

/** How a new cluster gets its data. */
export enum ClusterBootstrapKind {
  /** Restore another cluster's WAL-G base backup and replay its WAL (CLONE_WITH_WALE). */
  POINT_IN_TIME = 'point-in-time',
  /** pg_basebackup from a running cluster (CLONE_WITH_BASEBACKUP). */
  BASEBACKUP = 'basebackup',
  /** Run as a standby of another cluster (Patroni standby_cluster). */
  STANDBY = 'standby',
}

/** A bootstrap source's part of the Spilo environment. */
export interface BootstrapEnvironment {
  /** Spilo's CLONE_ or STANDBY_ settings. */
  readonly env: k8s.EnvVar[];
  /** Access to the source's archive, with the property (of the source's props) that names the archive. */
  readonly archive?: { readonly property: string; readonly access: StorageAccess };
}

/** Renders a source for one cluster; `ownArchiveRoot` is where that cluster archives to (without the major), if it does. */
type BootstrapRenderer = (cluster: SpiloClusterIdentity, ownArchiveRoot: string | undefined) => Validated<BootstrapEnvironment>;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?(Z|[+-](\d{2}):(\d{2}))$/;
const SLOT_NAME = /^[a-z0-9_]{1,63}$/;
const HOST = /^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$|^[0-9a-fA-F:]+$/;
/** Volume names of mounted credential files of a source's archive. */
const VOLUME = { clone: 'clone-credentials', standby: 'standby-credentials' };

/**
 * The one source a new cluster bootstraps from: a point in time of another cluster's archive, a running
 * cluster, or (as a standby) another cluster. One value, so clone and standby cannot be combined. Spilo reads
 * these settings only when the cluster is first initialised.
 */
export class ClusterBootstrap {
  /** Restore another cluster's archive up to a point in time (or its latest state). */
  public static pointInTime(props: PointInTimeRecoveryProps): ClusterBootstrap {
    const errors = new ValidationErrors('ClusterBootstrap.pointInTime');
    validateArchiveSource(errors, 'source', props.source);
    if (props.targetTime !== undefined) errors.check('targetTime', props.targetTime, rfc3339Problem(props.targetTime));
    errors.throwIfAny();
    return new ClusterBootstrap(ClusterBootstrapKind.POINT_IN_TIME, { pitr: props }, (cluster, ownRoot) => {
      const source = props.source;
      return {
        value: {
          env: [
            { name: 'CLONE_METHOD', value: 'CLONE_WITH_WALE' },
            { name: 'CLONE_SCOPE', value: source.clusterName },
            { name: 'CLONE_USE_WALG_RESTORE', value: 'true' },
            ...props.targetTime ? [{ name: 'CLONE_TARGET_TIME', value: props.targetTime }] : [],
            // Spilo renders recovery_target_inclusive: false only for an EMPTY value ("false" would mean true).
            ...props.targetInclusive === false ? [{ name: 'CLONE_TARGET_INCLUSIVE', value: '' }] : [],
            ...props.pauseAtTarget ? [{ name: 'USE_PAUSE_AT_RECOVERY_TARGET', value: 'true' }] : [],
          ],
          // The archive root without the major: Spilo's clone_with_wale.py tries each major from this cluster's down.
          archive: { property: 'source', access: source.storage._spiloAccess(source.storage._spiloArchive(source.namespace, source.clusterName), 'CLONE_', VOLUME.clone) },
        },
        problems: archiveProblems('source', source, cluster, ownRoot, 'is this cluster itself: restore into a new cluster (another name) and switch clients over'),
      };
    });
  }

  /** Copy a running cluster with pg_basebackup. */
  public static cloneFrom(props: BasebackupCloneProps): ClusterBootstrap {
    const errors = new ValidationErrors('ClusterBootstrap.cloneFrom');
    errors.check('clusterName', props.clusterName, Rules.dns1035Label(props.clusterName));
    if (props.namespace !== undefined) errors.check('namespace', props.namespace, Rules.dns1123Label(props.namespace));
    if (props.host !== undefined && !HOST.test(props.host)) errors.add('host', props.host, 'must be a DNS name or an IP address');
    validatePort(errors, 'port', props.port);
    if (props.user !== undefined) errors.check('user', props.user, identifierProblem(props.user));
    if (props.password !== undefined) validateSecretKey(errors, 'password', props.password);
    errors.throwIfAny();
    return new ClusterBootstrap(ClusterBootstrapKind.BASEBACKUP, { clone: props }, (cluster) => {
      const problems = new ValidationErrors('');
      const namespace = props.namespace ?? cluster.namespace;
      if (props.clusterName === cluster.clusterName && namespace === cluster.namespace) problems.add('clusterName', props.clusterName, 'is this cluster itself');
      if (namespace !== cluster.namespace && props.password === undefined) {
        problems.add('password', undefined, `must be set: the source is in namespace "${namespace}" and Secrets are namespaced; copy its replication password into a Secret of "${cluster.namespace}"`);
      }
      const password = props.password ?? { secretName: new ClusterNames(props.clusterName).credentialsSecret(SPILO_REPLICATION_USER), key: 'password' };
      return {
        value: {
          env: [
            { name: 'CLONE_METHOD', value: 'CLONE_WITH_BASEBACKUP' },
            { name: 'CLONE_SCOPE', value: props.clusterName },
            { name: 'CLONE_HOST', value: props.host ?? `${props.clusterName}.${namespace}.svc` },
            { name: 'CLONE_PORT', value: String(props.port ?? 5432) },
            { name: 'CLONE_USER', value: props.user ?? SPILO_REPLICATION_USER },
            { name: 'CLONE_PASSWORD', valueFrom: { secretKeyRef: { name: password.secretName, key: password.key } } },
          ],
        },
        problems: problems.problems,
      };
    });
  }

  /** Run as a standby cluster of another cluster: from its archive, by streaming from its primary, or both. */
  public static standbyOf(props: StandbyClusterProps): ClusterBootstrap {
    const errors = new ValidationErrors('ClusterBootstrap.standbyOf');
    if (props.archive === undefined && props.host === undefined) {
      errors.add('archive/host', undefined, 'needs at least one: the archive of the source cluster, the host of its primary, or both');
    }
    if (props.archive !== undefined) validateArchiveSource(errors, 'archive', props.archive);
    if (props.host !== undefined && !HOST.test(props.host)) errors.add('host', props.host, 'must be a DNS name or an IP address');
    validatePort(errors, 'port', props.port);
    if (props.host === undefined && (props.port !== undefined || props.primarySlotName !== undefined)) {
      errors.add('port/primarySlotName', props.port ?? props.primarySlotName, 'apply to streaming: set host too');
    }
    if (props.primarySlotName !== undefined && !SLOT_NAME.test(props.primarySlotName)) {
      errors.add('primarySlotName', props.primarySlotName, 'must be a replication slot name: 1 to 63 lowercase letters, digits and \'_\'');
    }
    errors.throwIfAny();
    return new ClusterBootstrap(ClusterBootstrapKind.STANDBY, { standby: props }, (cluster, ownRoot) => {
      const env: k8s.EnvVar[] = [];
      if (props.host) {
        env.push({ name: 'STANDBY_HOST', value: props.host });
        if (props.port !== undefined) env.push({ name: 'STANDBY_PORT', value: String(props.port) });
        if (props.primarySlotName) env.push({ name: 'STANDBY_PRIMARY_SLOT_NAME', value: props.primarySlotName });
      }
      const source = props.archive;
      if (!source) return { value: { env }, problems: [] };
      env.push({ name: 'STANDBY_SCOPE', value: source.clusterName }, { name: 'STANDBY_USE_WALG_RESTORE', value: 'true' });
      // A physical standby replays WAL of its own major only, so the path carries this cluster's major.
      const url = source.storage._spiloArchive(source.namespace, source.clusterName, cluster.postgresVersion);
      return {
        value: { env, archive: { property: 'archive', access: source.storage._spiloAccess(url, 'STANDBY_', VOLUME.standby) } },
        problems: archiveProblems('archive', source, cluster, ownRoot, 'is this cluster itself'),
      };
    });
  }

  /** The kind of source. */
  public readonly kind: ClusterBootstrapKind;
  /** The point-in-time recovery, for POINT_IN_TIME. */
  public readonly pointInTimeRecovery?: PointInTimeRecoveryProps;
  /** The source cluster, for BASEBACKUP. */
  public readonly basebackupClone?: BasebackupCloneProps;
  /** The standby source, for STANDBY. */
  public readonly standby?: StandbyClusterProps;
  private readonly render: BootstrapRenderer;

  private constructor(
    kind: ClusterBootstrapKind,
    props: { pitr?: PointInTimeRecoveryProps; clone?: BasebackupCloneProps; standby?: StandbyClusterProps },
    render: BootstrapRenderer,
  ) {
    this.kind = kind;
    this.pointInTimeRecovery = props.pitr;
    this.basebackupClone = props.clone;
    this.standby = props.standby;
    this.render = render;
  }

  /**
   * This source's part of a cluster's Spilo environment, with the problems of using it for that cluster
   * (properties relative to the source's props). `ownArchiveRoot`: where the cluster archives to, if it does.
   * @internal
   */
  public _spiloEnvironment(cluster: SpiloClusterIdentity, ownArchiveRoot: string | undefined): Validated<BootstrapEnvironment> {
    return this.render(cluster, ownArchiveRoot);
  }
}

/** A cluster cannot restore from or follow itself, nor read the archive path it writes to. */
function archiveProblems(
  property: string, source: ArchiveSource, cluster: SpiloClusterIdentity, ownArchiveRoot: string | undefined, selfRule: string,
): Problem[] {
  const value = `${source.namespace}/${source.clusterName}`;
  if (source.clusterName === cluster.clusterName && source.namespace === cluster.namespace) return [{ property, value, rule: selfRule }];
  if (source.storage._spiloArchive(source.namespace, source.clusterName) === ownArchiveRoot) {
    return [{ property, value, rule: 'has the archive path this cluster archives to' }];
  }
  return [];
}

function validateArchiveSource(errors: ValidationErrors, property: string, source: ArchiveSource): void {
  errors.check(`${property}.clusterName`, source.clusterName, Rules.dns1035Label(source.clusterName));
  errors.check(`${property}.namespace`, source.namespace, Rules.dns1123Label(source.namespace));
}

function validatePort(errors: ValidationErrors, property: string, port: number | undefined): void {
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) errors.add(property, port, 'must be an integer 1..65535');
}

function validateSecretKey(errors: ValidationErrors, property: string, ref: SecretKeyReference): void {
  errors.check(`${property}.secretName`, ref.secretName, Rules.dns1123Subdomain(ref.secretName));
  if (!/^[-._a-zA-Z0-9]+$/.test(ref.key)) errors.add(`${property}.key`, ref.key, 'must be a Secret key: alphanumerics, \'-\', \'_\' or \'.\'');
}

/** Why a timestamp is not RFC 3339 with an offset (what Spilo's clone_with_wale.py and PostgreSQL both accept). */
function rfc3339Problem(value: string): string | undefined {
  const match = RFC3339.exec(value);
  const rule = 'must be an RFC 3339 timestamp with a UTC offset, e.g. "2026-11-20T10:00:00+00:00" or "2026-11-20T10:00:00Z" (Spilo refuses a time without a zone)';
  if (!match) return rule;
  const [, year, month, day, hour, minute, second, , , offsetHours, offsetMinutes] = match;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)));
  const valid = date.getUTCFullYear() === Number(year) && date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day)
    && Number(hour) < 24 && Number(minute) < 60 && Number(second) < 60
    && (offsetHours === undefined || (Number(offsetHours) < 24 && Number(offsetMinutes) < 60));
  if (!valid) return `${rule}; this date or time does not exist`;
  // PostgreSQL replays the whole archive, then refuses to promote short of the target: the cluster never starts.
  if (Date.parse(value) > Date.now()) return 'is in the future: recovery would end before reaching it and PostgreSQL refuses to start';
  return undefined;
}
