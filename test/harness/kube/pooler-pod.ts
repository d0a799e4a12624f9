import * as path from 'path';
import { ControlPlane } from './control-plane';
import { resolveContainerEnv } from './kubelet';
import { PgBouncerProcess } from '../pgbouncer';
import { runAsService } from '../processes';

/**
 * The synthesized pooler pod on this machine: its init container writes the auth_file from the pooler's Secret
 * (its env resolved as the kubelet does, its mount under `work`), then PgBouncer runs the synthesized
 * pgbouncer.ini, with `server` in place of the cluster's primary Service.
 */
export async function startPoolerPod(
  plane: ControlPlane, objects: any[], namespace: string, cluster: string, work: string, server: { host: string; port: number },
): Promise<PgBouncerProcess> {
  const pooler = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === `${cluster}-pooler`);
  const init = pooler.spec.template.spec.initContainers[0];
  const authDir = path.join(work, 'auth');
  runAsService('mkdir', ['-m', '700', authDir]);
  const initEnv = await resolveContainerEnv(plane.admin, { metadata: { namespace, name: 'pooler' } }, init);
  const local = Object.fromEntries(Object.entries(initEnv).map(([k, v]) => [k, v.replace(init.volumeMounts[0].mountPath, authDir)]));
  const written = runAsService(init.command[0], init.command.slice(1), { env: local });
  if (written.status !== 0) throw new Error(`the pooler's init container failed: ${written.stderr}`);
  const ini = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === `${cluster}-pooler`).data['pgbouncer.ini'];
  return PgBouncerProcess.start(namespace, {
    authDir, ini, upstream: { from: `host=${cluster}.${namespace}.svc port=5432`, to: `host=${server.host} port=${server.port}` },
  });
}
