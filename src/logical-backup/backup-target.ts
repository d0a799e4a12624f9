import { Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { BackupStorage } from '../backup/backup-storage';
import type { BackupEndpoint } from '../network/network-policy';
import { sizeQuantity } from '../private/quantities';
import { check, Problem, Rules } from '../private/validation';

/** Where logical backups are written. */
export enum BackupTargetKind {
  /** An existing PersistentVolumeClaim. */
  PERSISTENT_VOLUME_CLAIM = 'persistent-volume-claim',
  /** A PersistentVolumeClaim the construct creates. */
  NEW_PERSISTENT_VOLUME_CLAIM = 'new-persistent-volume-claim',
  /** Object storage (S3, GCS, Azure) through WAL-G. */
  OBJECT_STORAGE = 'object-storage',
}

/** Properties of {@link BackupTarget.newPersistentVolumeClaim}. */
export interface NewBackupVolumeProps {
  /** Size of the volume: room for `retention` backups plus one being written. */
  readonly size: Size;
  /**
   * StorageClass of the volume.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * Name of the PersistentVolumeClaim.
   * @default - the name of the backup CronJob
   */
  readonly claimName?: string;
}

/** What a target gives the backup pods (internal). */
export interface BoundBackupTarget {
  /** PGAAS_STORAGE of the scripts: "local" (a mounted volume) or "walg" (object storage). */
  readonly storageKind: 'local' | 'walg';
  /** PGAAS_BACKUP_ROOT: a directory in the container or an object storage URL. */
  readonly backupRoot: string;
  readonly env: k8s.EnvVar[];
  readonly volumes: k8s.Volume[];
  readonly volumeMounts: k8s.VolumeMount[];
  /** The storage authenticates as the pod's ServiceAccount (workload identity), whose annotations grant access. */
  readonly usesServiceAccountIdentity: boolean;
  /** The claim to create, for a new PersistentVolumeClaim. */
  readonly newClaim?: { readonly name: string; readonly spec: k8s.PersistentVolumeClaimSpec };
  /** What the pods must reach besides the cluster, for a NetworkPolicy. */
  readonly storageEndpoint?: BackupEndpoint;
}

/** Mount path of the backup volume (PGAAS_BACKUP_ROOT for volume targets). */
const BACKUP_VOLUME_PATH = '/backup';
/** Volume name of a mounted credential file of the object storage. */
const CREDENTIALS_VOLUME = 'storage-credentials';
/** Public object storage has no stable addresses: HTTPS anywhere. */
const OBJECT_STORAGE_ENDPOINT: BackupEndpoint = { cidrs: ['0.0.0.0/0', '::/0'], port: 443 };

type TargetBinder = (scheduleName: string, namespace: string) => BoundBackupTarget;

/** Where a {@link BackupSchedule} writes: a volume or object storage. */
export class BackupTarget {
  /** An existing PersistentVolumeClaim in the cluster's namespace (ReadWriteOnce is enough: one Job at a time). */
  public static persistentVolumeClaim(claimName: string): BackupTarget {
    return new BackupTarget(BackupTargetKind.PERSISTENT_VOLUME_CLAIM, { claimName }, () => volumeTarget(claimName));
  }

  /**
   * A new PersistentVolumeClaim, created with the CronJob. It carries the GitOps annotations that keep Argo CD
   * and Flux from pruning it (and the backups on it) when the manifest drops it.
   */
  public static newPersistentVolumeClaim(props: NewBackupVolumeProps): BackupTarget {
    const { claimName, size, storageClassName } = props;
    return new BackupTarget(BackupTargetKind.NEW_PERSISTENT_VOLUME_CLAIM, { claimName, size, storageClassName }, (scheduleName) => {
      const name = claimName ?? scheduleName;
      return {
        ...volumeTarget(name),
        newClaim: {
          name,
          spec: { accessModes: ['ReadWriteOnce'], storageClassName, resources: { requests: { storage: k8s.Quantity.fromString(sizeQuantity(size)) } } },
        },
      };
    });
  }

  /** Object storage: `<bucket>[/<prefix>]/logical/<namespace>/<cluster>/<backup id>/`, uploaded with `wal-g st`. */
  public static objectStorage(storage: BackupStorage): BackupTarget {
    return new BackupTarget(BackupTargetKind.OBJECT_STORAGE, { storage }, (_scheduleName, namespace) => {
      const access = storage._walgAccess(CREDENTIALS_VOLUME);
      return {
        storageKind: 'walg',
        backupRoot: storage.url('logical', namespace),
        env: access.env,
        volumes: access.volumes,
        volumeMounts: access.volumeMounts,
        usesServiceAccountIdentity: Object.keys(access.serviceAccountAnnotations).length > 0,
        storageEndpoint: OBJECT_STORAGE_ENDPOINT,
      };
    });
  }

  /** The kind of target. */
  public readonly kind: BackupTargetKind;
  /** The claim name (volumes; for a new claim, when given). */
  public readonly claimName?: string;
  /** Size of a new claim. */
  public readonly size?: Size;
  /** StorageClass of a new claim. */
  public readonly storageClassName?: string;
  /** The object storage. */
  public readonly storage?: BackupStorage;
  private readonly binder: TargetBinder;

  private constructor(
    kind: BackupTargetKind,
    options: { claimName?: string; size?: Size; storageClassName?: string; storage?: BackupStorage },
    binder: TargetBinder,
  ) {
    this.kind = kind;
    this.claimName = options.claimName;
    this.size = options.size;
    this.storageClassName = options.storageClassName;
    this.storage = options.storage;
    this.binder = binder;
  }

  /**
   * The problems of the target's names (properties relative to the target).
   * @internal
   */
  public _problems(): Problem[] {
    return [
      ...this.claimName === undefined ? [] : check('claimName', this.claimName, Rules.dns1123Subdomain(this.claimName)),
      ...this.storageClassName === undefined ? [] : check('storageClassName', this.storageClassName, Rules.dns1123Subdomain(this.storageClassName)),
    ];
  }

  /**
   * What the pods of the schedule `scheduleName` (in `namespace`) need to write here.
   * @internal
   */
  public _bind(scheduleName: string, namespace: string): BoundBackupTarget {
    return this.binder(scheduleName, namespace);
  }
}

function volumeTarget(claimName: string): BoundBackupTarget {
  return {
    storageKind: 'local',
    backupRoot: BACKUP_VOLUME_PATH,
    env: [],
    volumes: [{ name: 'backup', persistentVolumeClaim: { claimName } }],
    volumeMounts: [{ name: 'backup', mountPath: BACKUP_VOLUME_PATH }],
    usesServiceAccountIdentity: false,
  };
}
