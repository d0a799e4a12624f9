import * as fs from 'fs';
import * as path from 'path';
import { ControlPlane } from './control-plane';
import { resolveContainerEnv } from './kubelet';
import { runAsService, writeServiceFile } from '../processes';

/** A Secret volume of the sync's pod: where it is mounted (under the pod's root) and what it holds. */
export interface SyncSecretVolume {
  readonly dir: string;
  readonly secretName: string;
  readonly items: Array<{ key: string; path: string }>;
}

/** The password-sync container as the kubelet would start it, on this machine. */
export interface PasswordSyncPod {
  readonly argv: string[];
  readonly env: Record<string, string>;
  readonly secretVolumes: SyncSecretVolume[];
  /** The host the synthesized env names (the primary Service), before it is pointed at the target. */
  readonly serviceHost: string;
}

/**
 * The synthesized password-sync Deployment's container: its script from its ConfigMap, its env resolved as the
 * kubelet does, its mount paths (/pgaas/..., /run/pgaas) moved under `root` (in plain values and in JSON lists
 * alike), and the primary Service it names pointed at `target`. The caller writes the Secret volumes (the
 * kubelet's part), flat with {@link writeSecretVolumes} or as the kubelet's `..data` swap.
 */
export async function passwordSyncPod(
  plane: ControlPlane, objects: any[], namespace: string, root: string, target: { host: string; port: number },
): Promise<PasswordSyncPod> {
  const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name.endsWith('-password-sync'));
  const podSpec = deployment.spec.template.spec;
  const container = podSpec.containers[0];
  if (JSON.stringify(container.command) !== JSON.stringify(['python3', '/scripts/password-sync.py'])) {
    throw new Error(`unexpected password-sync command: ${JSON.stringify(container.command)}`);
  }
  const script = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === podSpec.volumes.find((v: any) => v.name === 'script').configMap.name);
  writeServiceFile(path.join(root, 'password-sync.py'), script.data['password-sync.py'], 0o644);
  runAsService('mkdir', ['-p', path.join(root, 'run/pgaas')]);
  const secretVolumes: SyncSecretVolume[] = [];
  for (const mount of container.volumeMounts ?? []) {
    const volume = podSpec.volumes.find((v: any) => v.name === mount.name);
    if (!volume.secret) continue;
    secretVolumes.push({ dir: path.join(root, mount.mountPath), secretName: volume.secret.secretName, items: volume.secret.items });
  }
  const env = await resolveContainerEnv(plane.admin, { metadata: { namespace, name: 'sync' } }, container);
  const local = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace(/(^|")\/(run\/)?pgaas\//g, (_m, pre, run) => `${pre}${root}/${run ?? ''}pgaas/`)]));
  return {
    argv: ['/usr/bin/python3', path.join(root, 'password-sync.py')],
    env: { ...local, PGHOST: target.host, PGPORT: String(target.port) },
    secretVolumes,
    serviceHost: env.PGHOST,
  };
}

/** The kubelet's part for Secret volumes, simply: each item written to a new file renamed into place. */
export async function writeSecretVolumes(plane: ControlPlane, namespace: string, volumes: readonly SyncSecretVolume[]): Promise<void> {
  for (const volume of volumes) {
    const data = (await plane.admin.get(`/api/v1/namespaces/${namespace}/secrets/${volume.secretName}`)).data;
    runAsService('mkdir', ['-p', volume.dir]);
    for (const item of volume.items) {
      const file = path.join(volume.dir, item.path);
      writeServiceFile(`${file}.tmp`, Buffer.from(data[item.key], 'base64').toString('utf8'));
      fs.renameSync(`${file}.tmp`, file);
    }
  }
}
