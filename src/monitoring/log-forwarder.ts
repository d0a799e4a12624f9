import { k8s } from 'cdk8s-plus-27';

/**
 * PostgreSQL's log on the container's stdout, one JSON object per line, for the cluster's log
 * pipeline. Spilo runs PostgreSQL with the logging collector writing to files on the volume
 * (`logging_collector: on`, `log_directory: ../pg_log`, `log_filename: postgresql-%u.log`, rotated
 * daily and truncated: configure_spilo.py); the collector is what `jsonlog` (PostgreSQL 15+) needs.
 * With `log_destination: jsonlog`, this sidecar follows the file PostgreSQL names in
 * `current_logfiles` and switches at every rotation.
 */
export const LOG_FORWARDER = {
  CONTAINER: 'postgres-log',
  /** How often it checks `current_logfiles` for a rotation (seconds). */
  POLL_SECONDS: 2,
} as const;

/**
 * The forwarder's script (POSIX sh and tail, both in the Spilo image). It prints lines written after it
 * starts, then each rotated-to file from its first line; PGDATA is where current_logfiles is.
 */
export function logForwarderScript(pollSeconds: number = LOG_FORWARDER.POLL_SECONDS): string {
  return [
    'set -u',
    'current=""; pid=""; from="-n 0"',
    'trap \'[ -n "$pid" ] && kill "$pid"; exit 0\' TERM INT',
    'while :; do',
    '  file=$(sed -n "s/^jsonlog //p" "$PGDATA/current_logfiles" 2>/dev/null)',
    '  if [ -n "$file" ] && [ "$file" != "$current" ]; then',
    '    [ -n "$pid" ] && kill "$pid" 2>/dev/null',
    '    case "$file" in /*) path="$file";; *) path="$PGDATA/$file";; esac',
    '    tail $from -F "$path" & pid=$!',
    '    current="$file"; from="-n +1"',
    '  fi',
    `  sleep ${pollSeconds}`,
    'done',
  ].join('\n');
}

/** Alive: no log file yet, or a tail process follows it. */
export const LOG_FORWARDER_LIVENESS = '[ ! -r "$PGDATA/current_logfiles" ] || grep -qa "t[a]il" /proc/[0-9]*/cmdline';

export interface LogForwarderInput {
  readonly image: string;
  readonly pgdataVolume: string;
  readonly pgdataMount: string;
  readonly pgdata: string;
  readonly uid: number;
  readonly gid: number;
}

export function logForwarderContainer(input: LogForwarderInput): k8s.Container {
  return {
    name: LOG_FORWARDER.CONTAINER,
    image: input.image,
    imagePullPolicy: 'IfNotPresent',
    command: ['/bin/sh', '-c', logForwarderScript()],
    env: [{ name: 'PGDATA', value: input.pgdata }],
    resources: {
      requests: { 'cpu': k8s.Quantity.fromString('5m'), 'memory': k8s.Quantity.fromString('16Mi'), 'ephemeral-storage': k8s.Quantity.fromString('1Mi') },
      limits: { 'cpu': k8s.Quantity.fromString('100m'), 'memory': k8s.Quantity.fromString('32Mi'), 'ephemeral-storage': k8s.Quantity.fromString('8Mi') },
    },
    volumeMounts: [{ name: input.pgdataVolume, mountPath: input.pgdataMount, readOnly: true }],
    // Ready once PostgreSQL names its log file; alive while it follows one (t[a]il: not grep's own command line).
    readinessProbe: { exec: { command: ['/bin/sh', '-c', 'test -r "$PGDATA/current_logfiles"'] }, periodSeconds: 30, timeoutSeconds: 5 },
    livenessProbe: {
      exec: { command: ['/bin/sh', '-c', LOG_FORWARDER_LIVENESS] },
      periodSeconds: 60,
      timeoutSeconds: 10,
      failureThreshold: 3,
    },
    securityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      runAsNonRoot: true,
      runAsUser: input.uid,
      runAsGroup: input.gid,
      readOnlyRootFilesystem: true,
    },
  };
}
