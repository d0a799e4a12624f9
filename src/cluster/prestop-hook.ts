/**
 * The preStop hook of the Spilo container: hands leadership over before Kubernetes stops the leader.
 *
 * Without an operator, a rolling update (or a drain) simply deletes pods. When the leader's pod gets
 * SIGTERM, Patroni shuts PostgreSQL down and releases the leader lock; the replicas race for it only
 * at their next HA loop, and in-flight writes fail. A planned switchover first is shorter and picks a
 * replica that is known to be healthy (and, in synchronous mode, the synchronous standby, so no
 * acknowledged commit is lost).
 *
 * The script (python3 with urllib, both in the Spilo image):
 *  - GET  $PATRONI_URL/patroni: unless this member is the leader (role master/primary), do nothing.
 *  - GET  $PATRONI_URL/cluster and /config: a candidate is a replica (replica, sync_standby,
 *    quorum_standby) in state running/streaming, with a known lag <= maximum_lag_on_failover and
 *    without the nofailover tag; in synchronous mode only synchronous standbys qualify. The one with
 *    the least lag is chosen. No candidate: do nothing (Patroni's own shutdown handles it).
 *  - Rollouts: among the candidates, those whose pod already runs the StatefulSet's update revision
 *    (pod label `controller-revision-hash` = the StatefulSet's `status.updateRevision`) come first.
 *    The StatefulSet controller replaces pods from the highest ordinal down, so without this the
 *    leader could hand over to a member the same rollout stops next, and switch over twice. It reads
 *    its own pod (for the owning StatefulSet), the StatefulSet and the candidates' pods with the
 *    pod's ServiceAccount token (Patroni's: `get` pods is granted anyway, `get` on the cluster's own
 *    StatefulSet by name is the one extra grant). Any failure there only drops the preference.
 *  - POST $PATRONI_URL/switchover {"leader": <self>, "candidate": <chosen>} and wait until this member
 *    is no longer the leader and its PostgreSQL runs again as a replica, at most the timeout (a
 *    SIGTERM while Patroni restarts PostgreSQL after the demotion makes Patroni 4.0.4 exit without
 *    stopping it).
 *  - Always exit 0: a preStop hook must never keep a pod from terminating; it only delays it, and the
 *    timeout keeps that delay below terminationGracePeriodSeconds.
 *
 * Environment: PATRONI_URL (default http://localhost:8008); PATRONI_RESTAPI_USERNAME and
 * PATRONI_RESTAPI_PASSWORD for REST API basic authentication (Patroni's own variable names);
 * PRESTOP_LOG_FILE (default /proc/1/fd/1, i.e. the container's log, when writable; else stdout);
 * PGAAS_SA_DIR (default the pod's /var/run/secrets/kubernetes.io/serviceaccount) and PGAAS_API_URL
 * (default https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT), as the bundle's Jobs read them.
 */
export class PreStopHook {
  /** Seconds the hook waits for the switchover when no timeout is given. */
  public static readonly DEFAULT_TIMEOUT_SECONDS = 120;

  /** The hook's python3 program; its first argument is the timeout in seconds. */
  public static readonly SCRIPT: string = [
    'import base64, json, os, sys, time, urllib.error, urllib.request',
    '',
    'def main():',
    '    timeout = float(sys.argv[1]) if len(sys.argv) > 1 else 120.0',
    '    deadline = time.monotonic() + timeout',
    '    base = os.environ.get("PATRONI_URL", "http://localhost:8008").rstrip("/")',
    '    user = os.environ.get("PATRONI_RESTAPI_USERNAME")',
    '    password = os.environ.get("PATRONI_RESTAPI_PASSWORD")',
    '',
    '    def request(path, body=None):',
    '        data = None if body is None else json.dumps(body).encode()',
    '        req = urllib.request.Request(base + path, data=data, method="GET" if body is None else "POST")',
    '        req.add_header("Content-Type", "application/json")',
    '        if user and password:',
    '            req.add_header("Authorization", "Basic " + base64.b64encode((user + ":" + password).encode()).decode())',
    '        wait = max(1.0, min(30.0 if body is not None else 5.0, deadline - time.monotonic()))',
    '        try:',
    '            with urllib.request.urlopen(req, timeout=wait) as response:',
    '                return response.status, response.read().decode()',
    '        except urllib.error.HTTPError as e:',
    '            return e.code, e.read().decode()',
    '',
    '    def get_json(path):',
    '        status, text = request(path)',
    '        return json.loads(text)',
    '',
    '    me = get_json("/patroni")',
    '    if me.get("role") not in ("master", "primary"):',
    '        log("role is %s: nothing to hand over" % me.get("role"))',
    '        return',
    '    members = get_json("/cluster").get("members", [])',
    '    leader = next((m for m in members if m.get("role") == "leader"), None)',
    '    name = me.get("name") or (me.get("patroni") or {}).get("name") or (leader or {}).get("name")',
    '    if not name or (leader and leader.get("name") != name):',
    '        log("cannot tell which member this is (leader lock: %s): leaving it to Patroni" % (leader or {}).get("name"))',
    '        return',
    '    config = get_json("/config")',
    '    max_lag = config.get("maximum_lag_on_failover", 1048576)',
    '    sync = config.get("synchronous_mode") in (True, "on", "quorum")',
    '    candidates = [m for m in members',
    '                  if m.get("name") != name',
    '                  and m.get("role") in (("sync_standby", "quorum_standby") if sync else ("replica", "sync_standby", "quorum_standby"))',
    '                  and m.get("state") in ("running", "streaming")',
    '                  and isinstance(m.get("lag"), int) and m["lag"] <= max_lag',
    '                  and not (m.get("tags") or {}).get("nofailover")]',
    '    if not candidates:',
    '        log("leader %s has no healthy replica to hand over to: leaving it to Patroni" % name)',
    '        return',
    '    updated = on_update_revision(name, [m["name"] for m in candidates])',
    '    if updated:',
    '        log("on the StatefulSet\'s update revision: %s" % ", ".join(sorted(updated)))',
    '        candidates = [m for m in candidates if m["name"] in updated] or candidates',
    '    candidate = min(candidates, key=lambda m: m["lag"])["name"]',
    '    log("switching over from %s to %s" % (name, candidate))',
    '    status, text = request("/switchover", {"leader": name, "candidate": candidate})',
    '    log("switchover answered %s: %s" % (status, text.strip()))',
    // 503 "status unknown" means Patroni stopped polling, not that the switchover failed: keep watching.
    '    if status >= 300 and "unknown" not in text.lower():',
    '        return',
    // Then also until PostgreSQL runs again (as a replica): SIGTERM while Patroni restarts it after the
    // demotion makes Patroni 4.0.4 exit without stopping it (found by the rollout test).
    '    demoted = False',
    '    while time.monotonic() < deadline:',
    '        try:',
    '            me = get_json("/patroni")',
    '            if me.get("role") not in ("master", "primary"):',
    '                if not demoted:',
    '                    log("%s is no longer the leader" % name)',
    '                    demoted = True',
    '                if me.get("state") in ("running", "streaming"):',
    '                    log("%s runs as a replica" % name)',
    '                    return',
    '        except Exception:',
    '            pass',
    '        time.sleep(1)',
    '    if demoted:',
    '        return',
    '    log("timed out after %ss waiting for the switchover" % timeout)',
    '',
    'def on_update_revision(name, candidates):',
    '    # Names of the candidates whose pod runs the StatefulSet\'s update revision; empty when unknown.',
    '    try:',
    '        import ssl',
    '        sa_dir = os.environ.get("PGAAS_SA_DIR", "").strip() or "/var/run/secrets/kubernetes.io/serviceaccount"',
    '        api = os.environ.get("PGAAS_API_URL", "").strip()',
    '        if not api:',
    '            host = os.environ["KUBERNETES_SERVICE_HOST"]',
    '            api = "https://%s:%s" % ("[%s]" % host if ":" in host else host, os.environ.get("KUBERNETES_SERVICE_PORT", "443"))',
    '        with open(os.path.join(sa_dir, "token")) as f:',
    '            token = f.read().strip()',
    '        with open(os.path.join(sa_dir, "namespace")) as f:',
    '            namespace = f.read().strip()',
    '        context = ssl.create_default_context(cafile=os.path.join(sa_dir, "ca.crt"))',
    '',
    '        def get(path):',
    '            req = urllib.request.Request(api.rstrip("/") + path, headers={"Authorization": "Bearer " + token, "Accept": "application/json"})',
    '            with urllib.request.urlopen(req, timeout=5, context=context) as response:',
    '                return json.loads(response.read().decode())',
    '',
    '        pods = "/api/v1/namespaces/%s/pods/" % namespace',
    '        owners = get(pods + name)["metadata"].get("ownerReferences") or []',
    '        owner = next((o["name"] for o in owners if o.get("kind") == "StatefulSet"), None)',
    '        if owner is None:',
    '            return set()',
    '        revision = get("/apis/apps/v1/namespaces/%s/statefulsets/%s" % (namespace, owner)).get("status", {}).get("updateRevision")',
    '        if not revision:',
    '            return set()',
    '        return set(c for c in candidates',
    '                   if (get(pods + c)["metadata"].get("labels") or {}).get("controller-revision-hash") == revision)',
    '    except Exception as e:',
    '        log("cannot tell the members\' revisions (%r): choosing by lag only" % e)',
    '        return set()',
    '',
    'def log(message):',
    '    line = "pgaas-prestop: %s\\n" % message',
    '    target = os.environ.get("PRESTOP_LOG_FILE", "/proc/1/fd/1")',
    '    try:',
    '        with open(target, "a") as f:',
    '            f.write(line)',
    '    except Exception:',
    '        sys.stdout.write(line)',
    '        sys.stdout.flush()',
    '',
    'try:',
    '    main()',
    'except Exception as e:',
    '    log("giving up: %r" % e)',
    'sys.exit(0)',
    '',
  ].join('\n');

  /**
   * The container's `lifecycle.preStop.exec.command`. The shell wrapper adds a hard limit (timeout + 10 s,
   * for a REST call that hangs) and turns every failure, python3 missing included, into exit 0.
   * @param timeoutSeconds how long to wait for the switchover; keep it well below terminationGracePeriodSeconds
   *   so PostgreSQL still has time for its shutdown checkpoint
   */
  public static command(timeoutSeconds: number = PreStopHook.DEFAULT_TIMEOUT_SECONDS): string[] {
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) {
      throw new Error(`PreStopHook timeoutSeconds must be a whole number of seconds >= 1, got ${timeoutSeconds}`);
    }
    return [
      '/bin/sh', '-c',
      'timeout -s KILL "$(($2 + 10))" python3 -c "$1" "$2" || true',
      'pgaas-prestop', PreStopHook.SCRIPT, String(timeoutSeconds),
    ];
  }

  /**
   * A hook timeout for a termination grace period: half of it, at most the default, leaving the rest
   * for PostgreSQL's shutdown.
   */
  public static timeoutFor(terminationGracePeriodSeconds: number): number {
    return Math.max(1, Math.min(PreStopHook.DEFAULT_TIMEOUT_SECONDS, Math.floor(terminationGracePeriodSeconds / 2)));
  }

  private constructor() {}
}
