import { ChildProcess, spawn, spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ensureKubeBinaries, KubeBinaries } from './build';
import { KubeClient } from './client';
import { ensureCrdFiles } from './crds';
import { createPki, ControlPlanePki } from './pki';
import { ensureDebianPackages } from '../debian';
import { EtcdServer, killProcessesUnder, registerCleanupRoot, unregisterCleanupRoot } from '../etcd';
import { freePort, serviceTempDir, waitFor } from '../processes';

/*
 * A real Kubernetes control plane for the tests: etcd, kube-apiserver and kube-controller-manager on
 * 127.0.0.1 with a fresh PKI, RBAC and Node authorization, service-account tokens (TokenRequest) and
 * PodSecurity admission. There is no kubelet and no scheduler: kubelet.ts stands in for them.
 *
 * Controllers run (and why): statefulset, deployment and replicaset (the members and the pooler),
 * job, cronjob and ttl-after-finished (the bundle's Jobs), endpointslice (Services select members by
 * role), disruption (PDBs and the Eviction API), namespace and garbage-collector (deletion),
 * serviceaccount and root-ca-certificate-publisher (every namespace's `default` ServiceAccount and
 * kube-root-ca.crt, without which no Pod is admitted). Not run: nodelifecycle (it would taint the
 * kubelet-less Nodes NotReady and evict pods after 300 s) and the volume controllers (no storage here;
 * PVCs stay Pending, which nothing in these tests needs).
 */
export const CONTROLLERS = [
  'statefulset', 'deployment', 'replicaset', 'job', 'cronjob', 'ttl-after-finished', 'endpointslice',
  'disruption', 'namespace', 'garbage-collector', 'serviceaccount', 'root-ca-certificate-publisher',
].map((name) => `${name}-controller`);

/** The field manager kubectl applies with, like a GitOps tool (Argo CD uses "argocd-controller"). */
export const GITOPS_FIELD_MANAGER = 'gitops-sync';

export interface ControlPlaneOptions {
  /** Install the cert-manager, External Secrets and Prometheus Operator CRDs. @default true */
  readonly crds?: boolean;
  /**
   * Write the API server's audit log (every request at the Metadata level: user, verb, resource,
   * subresource, name, status and the authorization decision) to `<dir>/apiserver/audit.log`.
   * @default false
   */
  readonly auditLog?: boolean;
}

function spawnLogged(command: string, args: string[], logFile: string, cwd: string): ChildProcess {
  const log = fs.openSync(logFile, 'a');
  const child = spawn(command, args, { cwd, stdio: ['ignore', log, log], detached: true });
  fs.closeSync(log);
  // Unreferenced: a forgotten control plane must not keep the test runner alive; the reaper kills it.
  child.unref();
  return child;
}

function killGroup(child: ChildProcess | undefined): void {
  if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // gone
  }
}

export class ControlPlane {
  public static async start(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
    ensureDebianPackages(['etcd-server', 'openssl']);
    const binaries = ensureKubeBinaries();
    const crdFiles = options.crds === false ? [] : ensureCrdFiles();
    const root = serviceTempDir('kube');
    registerCleanupRoot(root);
    const plane = new ControlPlane(root, binaries, createPki(path.join(root, 'pki')), await freePort(), options.auditLog === true);
    try {
      plane.etcd = await EtcdServer.start({ parentDir: root });
      await plane.startApiServer();
      plane.writeKubeconfig(plane.adminKubeconfig, { cert: plane.pki.adminCert, key: plane.pki.adminKey });
      plane.startControllerManager();
      await plane.waitForServiceAccount('default', 'default');
      if (crdFiles.length > 0) {
        for (const file of crdFiles) plane.kubectlOk(['apply', '--server-side', '--field-manager=test-setup', '-f', file]);
        plane.kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
      }
    } catch (e) {
      plane.stop();
      throw e;
    }
    return plane;
  }

  public readonly server: string;
  public readonly adminKubeconfig: string;
  public readonly admin: KubeClient;
  private etcd?: EtcdServer;
  private apiserver?: ChildProcess;
  private controllerManager?: ChildProcess;
  private stopped = false;

  private constructor(
    public readonly dir: string,
    public readonly binaries: KubeBinaries,
    public readonly pki: ControlPlanePki,
    public readonly port: number,
    private readonly audit = false,
  ) {
    this.server = `https://127.0.0.1:${port}`;
    this.adminKubeconfig = path.join(dir, 'admin.kubeconfig');
    this.admin = new KubeClient(this.server, pki.caCert, { kind: 'certificate', cert: pki.adminCert, key: pki.adminKey });
  }

  /** Starts kube-apiserver (again, after stopApiServer: same port, PKI and etcd) and waits until /readyz is ok. */
  public async startApiServer(): Promise<void> {
    if (this.apiserver && this.apiserver.exitCode === null) throw new Error('kube-apiserver is already running');
    const dir = path.join(this.dir, 'apiserver');
    fs.mkdirSync(dir, { recursive: true });
    const logFile = path.join(dir, 'kube-apiserver.log');
    const child = spawnLogged(this.binaries.apiserver, [
      `--etcd-servers=${this.etcd!.clientUrl}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${this.port}`,
      '--advertise-address=127.0.0.1',
      // The `kubernetes` Service's Endpoints cannot hold a loopback address; nothing here needs them.
      '--endpoint-reconciler-type=none',
      '--service-cluster-ip-range=10.96.0.0/16',
      `--tls-cert-file=${this.pki.serverCert}`,
      `--tls-private-key-file=${this.pki.serverKey}`,
      `--client-ca-file=${this.pki.caCert}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${this.pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${this.pki.serviceAccountKey}`,
      '--authorization-mode=Node,RBAC',
      // PodSecurity is on by default; namespaces opt into a level with their labels.
      '--enable-admission-plugins=NodeRestriction',
      '--allow-privileged=false',
      '--profiling=false',
      '--enable-priority-and-fairness=false',
      '--v=1',
      ...this.audit ? this.auditFlags(dir) : [],
    ], logFile, dir);
    this.apiserver = child;
    await waitFor('kube-apiserver /readyz', async () => {
      if (child.exitCode !== null) throw new Error(`kube-apiserver exited with ${child.exitCode}:\n${tail(logFile)}`);
      try {
        return (await this.admin.request('GET', '/readyz', undefined, undefined, 2_000)).status === 200;
      } catch {
        return false;
      }
    }, 120_000, 250);
  }

  /** The audit log (with `auditLog: true`): one JSON event per line, appended across API server restarts. */
  public get auditLogFile(): string {
    return path.join(this.dir, 'apiserver', 'audit.log');
  }

  /** Every audit event so far (with `auditLog: true`), in order. */
  public auditEvents(): any[] {
    if (!this.audit) throw new Error('this control plane was started without auditLog: true');
    if (!fs.existsSync(this.auditLogFile)) return [];
    return fs.readFileSync(this.auditLogFile, 'utf8').split('\n').filter((line) => line.trim()).map((line) => JSON.parse(line));
  }

  private auditFlags(dir: string): string[] {
    const policy = path.join(dir, 'audit-policy.yaml');
    // Metadata for every request, one event per request (at ResponseComplete, which carries the status).
    fs.writeFileSync(policy, [
      'apiVersion: audit.k8s.io/v1', 'kind: Policy', 'omitStages: [RequestReceived, ResponseStarted]', 'rules:', '- level: Metadata', '',
    ].join('\n'));
    // Batching off: an event is on disk when the request has been answered.
    return [`--audit-policy-file=${policy}`, `--audit-log-path=${this.auditLogFile}`, '--audit-log-mode=blocking', '--audit-log-maxsize=0'];
  }

  /** Kills kube-apiserver (SIGKILL, like a lost control plane); etcd and the controller manager keep running. */
  public stopApiServer(): void {
    killGroup(this.apiserver);
    this.apiserver = undefined;
  }

  private startControllerManager(): void {
    const dir = path.join(this.dir, 'controller-manager');
    fs.mkdirSync(dir, { recursive: true });
    this.controllerManager = spawnLogged(this.binaries.controllerManager, [
      `--kubeconfig=${this.adminKubeconfig}`,
      '--bind-address=127.0.0.1',
      '--secure-port=0',
      '--leader-elect=false',
      `--controllers=${CONTROLLERS.join(',')}`,
      `--service-account-private-key-file=${this.pki.serviceAccountKey}`,
      `--root-ca-file=${this.pki.caCert}`,
      '--use-service-account-credentials=true',
      '--v=1',
    ], path.join(dir, 'kube-controller-manager.log'), dir);
  }

  /** Writes a kubeconfig for this control plane (mode 0600, owned by the test runner). */
  public writeKubeconfig(file: string, user: { cert: string; key: string } | { token: string }, namespace?: string): string {
    fs.writeFileSync(file, this.kubeconfig(user, namespace), { mode: 0o600 });
    return file;
  }

  /** A kubeconfig for this control plane, authenticated by a client certificate or a token. */
  public kubeconfig(user: { cert: string; key: string } | { token: string }, namespace?: string): string {
    const userEntry = 'token' in user ? { token: user.token } : { 'client-certificate': user.cert, 'client-key': user.key };
    const config = {
      'apiVersion': 'v1',
      'kind': 'Config',
      'clusters': [{ name: 'test', cluster: { 'server': this.server, 'certificate-authority': this.pki.caCert } }],
      'users': [{ name: 'user', user: userEntry }],
      'contexts': [{ name: 'test', context: { cluster: 'test', user: 'user', ...namespace ? { namespace } : {} } }],
      'current-context': 'test',
    };
    return JSON.stringify(config, undefined, 2) + '\n';
  }

  /** A token of a ServiceAccount from the TokenRequest API, as the kubelet projects it into a pod. */
  public async serviceAccountToken(namespace: string, name: string, expirationSeconds = 3600): Promise<string> {
    await this.waitForServiceAccount(namespace, name);
    const response = await this.admin.expect('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds },
    });
    return response.status.token;
  }

  /** A client authenticated as a ServiceAccount. */
  public async clientFor(namespace: string, serviceAccount: string): Promise<KubeClient> {
    return new KubeClient(this.server, this.pki.caCert, { kind: 'token', token: await this.serviceAccountToken(namespace, serviceAccount) });
  }

  public async waitForServiceAccount(namespace: string, name: string, timeoutMs = 60_000): Promise<void> {
    await waitFor(`ServiceAccount ${namespace}/${name}`, async () => {
      const response = await this.admin.request('GET', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}`);
      return response.status === 200;
    }, timeoutMs, 200);
  }

  /**
   * Creates a namespace that enforces (and warns and audits) a Pod Security level at `latest`,
   * and waits for its default ServiceAccount (no Pod is admitted before it exists).
   */
  public async createNamespace(name: string, podSecurity: 'restricted' | 'baseline' | 'privileged' = 'restricted'): Promise<void> {
    const labels = Object.fromEntries(['enforce', 'warn', 'audit'].flatMap((mode) => [
      [`pod-security.kubernetes.io/${mode}`, podSecurity], [`pod-security.kubernetes.io/${mode}-version`, 'latest'],
    ]));
    await this.admin.expect('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
    await this.waitForServiceAccount(name, 'default');
  }

  /** Runs kubectl as the admin (or with another kubeconfig); never throws. */
  public kubectl(args: string[], options: { input?: string; kubeconfig?: string; timeoutMs?: number } = {}): SpawnSyncReturns<string> {
    return spawnSync(this.binaries.kubectl, args, {
      encoding: 'utf8',
      input: options.input,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.dir, KUBECONFIG: options.kubeconfig ?? this.adminKubeconfig },
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
  }

  /** Runs kubectl and returns stdout; throws with stderr when it fails. */
  public kubectlOk(args: string[], options: { input?: string; kubeconfig?: string; timeoutMs?: number } = {}): string {
    const result = this.kubectl(args, options);
    if (result.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${result.status ?? result.signal}): ${result.stderr}${result.error ?? ''}`);
    return result.stdout;
  }

  /** Kills every process of the control plane and removes its directory. Safe to call twice. */
  public stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.admin.close();
    killGroup(this.controllerManager);
    killGroup(this.apiserver);
    this.etcd?.stop();
    killProcessesUnder(this.dir);
    if (!process.env.PGAAS_KEEP_TEST_DIRS) fs.rmSync(this.dir, { recursive: true, force: true });
    unregisterCleanupRoot(this.dir);
  }

}

function tail(file: string, lines = 40): string {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n') : '';
}
