import { exemptionAnnotationsOver } from './policy-exemptions';
import { PolicyCheck, PolicyExemption, PolicyExemptions } from './policy-rules';

/**
 * The bundle's deliberate deviations from kube-linter, kube-score and Polaris, each with the reason
 * written into the YAML next to it (see PolicyExemptions for the annotation conventions).
 */
export const EXEMPTION_REASONS = {
  readOnlyRootFs: 'Spilo writes /etc/passwd, /run and /tmp at start and does not support a read-only root (spilo#374); postgres-operator hard-codes the same',
  cpuLimit: 'CPU throttling stalls PostgreSQL while it holds locks and can delay Patroni\'s leader-lock renewal; the request guarantees its share',
  ephemeralStorage: 'an ephemeral-storage limit makes the kubelet evict a database member when /run or /tmp grow; data, WAL and logs live on the volume',
  patroniToken: 'Patroni uses the Kubernetes API as its DCS (leader lock, member status, role labels)',
  generatorToken: 'creates the credential Secrets through the Kubernetes API',
  imagePull: 'the image is pinned to a release tag; IfNotPresent lets a member restart, and a failover complete, while the registry is unreachable',
  spiloUid: 'the Spilo image owns its files as postgres, uid 101 / gid 103, and PGDATA\'s ownership depends on them',
  jobTtl: 'a Job the cluster deleted would look missing to the GitOps tool and be re-created; the content hash in its name keeps it from re-running',
  rbacSecrets: 'creates the generated credential Secrets; create cannot be restricted by name, get is restricted to the managed Secrets',
  roleSelector: 'selects the role label (spilo-role) Patroni sets on the members at runtime; no pod template carries it',
  jobNoIngress: 'a Job accepts no connections: its NetworkPolicy denies all ingress, which has no rule for Polaris to see',
};

/** Exemption annotations for an object, merged over its own annotations. */
export function exemptionAnnotations(exemptions: Array<[PolicyCheck, string]>, existing?: Record<string, string>): Record<string, string> {
  // Every cluster repeats the same few lists: each list's annotations are built once.
  const key = JSON.stringify(exemptions);
  let own = exemptionLists.get(key);
  if (!own) {
    if (exemptionLists.size >= REMEMBERED_LISTS) exemptionLists.clear();
    own = PolicyExemptions.annotations(exemptions.map(([check, reason]): PolicyExemption => ({ check, reason })));
    exemptionLists.set(key, own);
  }
  return exemptionAnnotationsOver(existing ?? {}, own);
}

/** The annotations of each list of exemptions seen; a few lists per app (the reasons are constants). */
const exemptionLists = new Map<string, Readonly<Record<string, string>>>();
const REMEMBERED_LISTS = 64;

/** The Spilo StatefulSet's exemptions; the CPU one only while no CPU limit is set. */
export function spiloExemptions(hasCpuLimit: boolean): Array<[PolicyCheck, string]> {
  return [
    [PolicyCheck.READ_ONLY_ROOT_FS, EXEMPTION_REASONS.readOnlyRootFs],
    ...(hasCpuLimit ? [] : [[PolicyCheck.CPU_LIMIT, EXEMPTION_REASONS.cpuLimit] as [PolicyCheck, string]]),
    [PolicyCheck.EPHEMERAL_STORAGE, EXEMPTION_REASONS.ephemeralStorage],
    [PolicyCheck.SERVICE_ACCOUNT_TOKEN, EXEMPTION_REASONS.patroniToken],
    [PolicyCheck.IMAGE_PULL_POLICY, EXEMPTION_REASONS.imagePull],
    [PolicyCheck.HIGH_UID, EXEMPTION_REASONS.spiloUid],
  ];
}

/** Exemptions of a Job that runs the Spilo image (and, when isolated, has a deny-all-ingress NetworkPolicy). */
export function spiloJobExemptions(usesApiToken: boolean, networkIsolated: boolean): Array<[PolicyCheck, string]> {
  return [
    ...(usesApiToken ? [[PolicyCheck.SERVICE_ACCOUNT_TOKEN, EXEMPTION_REASONS.generatorToken] as [PolicyCheck, string]] : []),
    ...(networkIsolated ? [[PolicyCheck.NETWORK_POLICY_RULES, EXEMPTION_REASONS.jobNoIngress] as [PolicyCheck, string]] : []),
    [PolicyCheck.JOB_TTL, EXEMPTION_REASONS.jobTtl],
    [PolicyCheck.IMAGE_PULL_POLICY, EXEMPTION_REASONS.imagePull],
    [PolicyCheck.HIGH_UID, EXEMPTION_REASONS.spiloUid],
  ];
}
