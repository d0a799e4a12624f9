import * as fs from 'fs';
import * as path from 'path';
import { ControlPlane } from './control-plane';
import { resolveContainerEnv } from './kubelet';
import { ExecResult, execAsService } from '../patroni';
import { serviceTempDir, writeServiceFile } from '../processes';

/*
 * Runs the container of a Job's pod template on this machine, as its pod would run, in place of a
 * kubelet:
 *
 *   pod                                         | harness
 *   --------------------------------------------+--------------------------------------------------------
 *   projected ServiceAccount token, ca.crt,     | a TokenRequest token of the Job's serviceAccountName, the
 *   namespace (/var/run/secrets/...)            | control plane's CA and the namespace, in a directory named
 *                                               | by PGAAS_SA_DIR (the bundle's scripts read that variable)
 *   KUBERNETES_SERVICE_HOST/PORT                | PGAAS_API_URL = the test API server (127.0.0.1)
 *   ConfigMap volumes                           | the ConfigMap's files written to a directory; command
 *                                               | arguments under the mount path point there
 *   env (values, fieldRefs, secretKeyRefs)      | resolveContainerEnv (the kubelet's rules)
 *   user                                        | the postgres user (non-root, as the pod's securityContext)
 */
export interface RunJobOptions {
  readonly timeoutMs?: number;
  /**
   * Env values that replace the pod's, for what only cluster DNS would give a pod: a Service name
   * (`PGHOST`, a Patroni URL) becomes the 127.0.0.1 address of the member the Service selects now.
   */
  readonly env?: Record<string, string>;
}

export async function runJobContainer(plane: ControlPlane, job: any, options: RunJobOptions = {}): Promise<ExecResult> {
  const namespace = job.metadata.namespace;
  const podSpec = job.spec.template.spec;
  const container = podSpec.containers[0];
  const dir = serviceTempDir('job');
  try {
    const saDir = await writeServiceAccountDir(plane, dir, namespace, podSpec.serviceAccountName ?? 'default');

    const mounts: Array<[string, string]> = [];
    for (const mount of container.volumeMounts ?? []) {
      const volume = (podSpec.volumes ?? []).find((v: any) => v.name === mount.name);
      if (!volume?.configMap) continue;
      const configMap = await plane.admin.get(`/api/v1/namespaces/${namespace}/configmaps/${volume.configMap.name}`);
      const local = path.join(dir, 'volumes', mount.name);
      fs.mkdirSync(local, { recursive: true });
      for (const [key, value] of Object.entries(configMap.data ?? {})) writeServiceFile(path.join(local, key), String(value), 0o644);
      fs.chmodSync(path.join(dir, 'volumes'), 0o755);
      fs.chmodSync(local, 0o755);
      mounts.push([mount.mountPath.replace(/\/$/, ''), local]);
    }
    const localPath = (arg: string) => {
      for (const [mountPath, local] of mounts) if (arg === mountPath || arg.startsWith(mountPath + '/')) return local + arg.slice(mountPath.length);
      return arg;
    };
    const argv = [...container.command ?? [], ...container.args ?? []].map(localPath);
    const env = await resolveContainerEnv(plane.admin, { metadata: { namespace, name: `${job.metadata.name}-harness` } }, container);
    return await execAsService(argv[0] === 'python3' ? '/usr/bin/python3' : argv[0], argv.slice(1), {
      env: { ...env, ...options.env, PGAAS_SA_DIR: saDir, PGAAS_API_URL: plane.server },
      cwd: dir,
      timeoutMs: options.timeoutMs ?? 120_000,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The projected ServiceAccount volume of a pod (token, ca.crt, namespace), as the directory
 * `serviceaccount` in `dir` owned by the service user: the bundle's scripts read it at PGAAS_SA_DIR.
 */
export async function writeServiceAccountDir(plane: ControlPlane, dir: string, namespace: string, serviceAccount: string): Promise<string> {
  const saDir = path.join(dir, 'serviceaccount');
  fs.mkdirSync(saDir);
  fs.chownSync(saDir, fs.statSync(dir).uid, fs.statSync(dir).gid);
  writeServiceFile(path.join(saDir, 'token'), await plane.serviceAccountToken(namespace, serviceAccount));
  writeServiceFile(path.join(saDir, 'ca.crt'), fs.readFileSync(plane.pki.caCert, 'utf8'));
  writeServiceFile(path.join(saDir, 'namespace'), namespace);
  return saDir;
}
