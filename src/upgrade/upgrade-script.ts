/**
 * The script of the major upgrade Job (bash, in the cluster's Spilo image). It talks to the cluster only as the
 * superuser over PostgreSQL's protocol: what must run inside the leader pod (reading Patroni's state, the archive
 * location, taking the base backup, starting Spilo's in-place upgrade) runs there through `COPY ... PROGRAM`,
 * which a superuser can do anyway and which is how Spilo's own inplace_upgrade.py starts the rsync on replicas.
 * So the Job needs no ServiceAccount token and no `pods/exec`.
 *
 * Exit codes: 0 done or nothing to do; 3 refused for good (a downgrade, or any other major in mode refuse; the
 * Job's podFailurePolicy fails it at once); 4 the pre-check failed (retried: a rollout in progress or a lagging
 * replica can heal); 1 anything else.
 */
export const MAJOR_UPGRADE_SCRIPT = String.raw`set -euo pipefail
target="$PGAAS_TARGET_MAJOR"
instances="$PGAAS_INSTANCES"
log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) major-upgrade: $*"; }
q() { psql -X -w -q -tA -v ON_ERROR_STOP=1 -c "$1"; }
# psql with variables: the SQL comes on stdin, values are quoted by psql (:'name').
qv() { psql -X -w -q -tA -v ON_ERROR_STOP=1 "$@"; }
refuse() { log "REFUSED: $*"; exit 3; }

# Refusing needs only the running major: a standby cluster's leader answers too (in recovery).
if [ "$PGAAS_UPGRADE_MODE" = refuse ]; then
  log "waiting for the leader at $PGHOST:$PGPORT"
  until [ -n "$(q 'SELECT 1' 2>/dev/null)" ]; do sleep 5; done
else
  log "waiting for the primary at $PGHOST:$PGPORT"
  until [ "$(q 'SELECT NOT pg_is_in_recovery()' 2>/dev/null)" = t ]; do sleep 5; done
fi
running=$(q "SELECT current_setting('server_version_num')::int / 10000")
if [ "$running" -eq "$target" ]; then
  log "the cluster runs PostgreSQL $running: nothing to do"
  exit 0
fi
if [ "$running" -gt "$target" ]; then
  refuse "the cluster runs PostgreSQL $running and postgresVersion is $target: a downgrade is impossible (pg_upgrade only goes up); restore a backup into a new cluster instead"
fi
if [ "$PGAAS_UPGRADE_MODE" = refuse ]; then
  refuse "the cluster runs PostgreSQL $running and postgresVersion is $target, but majorUpgrade does not upgrade in place (mode refuse: set explicitly, or no backup on S3 or GCS, or a standby cluster): restore or clone into a new cluster of PostgreSQL $target, or declare postgresVersion $running again"
fi
log "the cluster runs PostgreSQL $running, postgresVersion is $target: checking that it can be upgraded"

datadir=$(q "SELECT current_setting('data_directory')")
root=$(dirname "$datadir")
upgrade_log="$root/pgaas-major-upgrade-$target.log"
status_file="$root/pgaas-major-upgrade-$target.status"
prefix_file="$PGAAS_WALE_ENV_DIR/$PGAAS_ARCHIVE_PREFIX_VAR"
curl_cluster="curl -sf --max-time 10 $PGAAS_PATRONI_URL/cluster"

problems=$(qv -v instances="$instances" -v max_lag="$PGAAS_MAX_LAG_BYTES" -v curl="$curl_cluster" -v prefix_file="$prefix_file" -v running="$running" <<'SQL'
CREATE TEMP TABLE pgaas_patroni (line text);
COPY pgaas_patroni FROM PROGRAM :'curl' WITH (FORMAT csv, DELIMITER E'\x1f', QUOTE E'\x1e');
CREATE TEMP TABLE pgaas_cluster AS SELECT string_agg(line, E'\n')::json AS j FROM pgaas_patroni;
CREATE TEMP TABLE pgaas_members AS SELECT json_array_elements(j->'members') AS m FROM pgaas_cluster;
SELECT problem FROM (
  SELECT 'Patroni is paused (maintenance mode)' AS problem FROM pgaas_cluster WHERE coalesce((j->>'pause')::boolean, false)
  UNION ALL
  SELECT format('Patroni knows %s members, the cluster declares %s', count(*), :'instances') FROM pgaas_members HAVING count(*) <> :instances
  UNION ALL
  SELECT format('member %s is %s', m->>'name', m->>'state') FROM pgaas_members WHERE m->>'state' NOT IN ('running', 'streaming')
  UNION ALL
  SELECT format('member %s lags %s bytes behind the leader (at most %s)', m->>'name', m->>'lag', :'max_lag') FROM pgaas_members
   WHERE m->>'role' NOT IN ('leader', 'standby_leader') AND (coalesce(m->>'lag', '') !~ '^[0-9]+$' OR (m->>'lag')::bigint > :max_lag)
  UNION ALL
  SELECT format('%s replicas stream from the primary, %s expected', count(*), :instances - 1) FROM pg_stat_replication
   WHERE state = 'streaming' HAVING count(*) <> :instances - 1
  UNION ALL
  SELECT format('prepared transaction %s is open (pg_upgrade refuses them)', gid) FROM pg_prepared_xacts
  UNION ALL
  SELECT format('PostgreSQL %s archives WAL to %s, not to its own major''s path (.../wal/%s)', :'running', p, :'running')
    FROM (SELECT btrim(pg_read_file(:'prefix_file'), E' \n') AS p) f WHERE p !~ ('/wal/' || :'running' || '$')
) problems;
SQL
) || { log "the pre-check could not run"; exit 4; }
# Every member runs the declared pod template (its container started with PGVERSION=<target>): a StatefulSet
# rollout still replacing pods would stop members in the middle of the upgrade.
for member in $PGAAS_MEMBER_HOSTS; do
  host=$(echo "$member" | cut -d: -f1)
  port=$(echo "$member" | cut -d: -f2)
  # A replica is read-only (no temporary table to COPY FROM into): the program writes beside the data directory.
  started=$(PGHOST="$host" PGPORT="$port" qv -v cmd="$PGAAS_POD_ENV_COMMAND > ../pgaas-pod-environ" <<'SQL'
COPY (SELECT 1) TO PROGRAM :'cmd';
SELECT coalesce(substring(pg_read_file(regexp_replace(current_setting('data_directory'), '/[^/]*$', '') || '/pgaas-pod-environ')
  FROM '(?n)^PGVERSION=(.*)$'), 'unset');
SQL
  ) || started="unknown (no answer)"
  if [ "$started" != "$target" ]; then
    problems="$problems
member $host runs a pod started with PGVERSION $started, not $target: the StatefulSet rollout has not finished"
    problems=$(echo "$problems" | sed '/^$/d')
  fi
done
if [ -n "$problems" ]; then
  log "the pre-check failed, nothing was changed:"
  echo "$problems" | sed 's/^/  - /'
  exit 4
fi
log "pre-check passed: $instances members running the declared pod template, replicas streaming within $PGAAS_MAX_LAG_BYTES bytes, no prepared transactions, archiving to .../wal/$running"

log "taking a fresh base backup of PostgreSQL $running before anything changes (log: $upgrade_log)"
started=$(date +%s)
qv -v cmd="$PGAAS_BACKUP_COMMAND '$datadir' >> '$upgrade_log' 2>&1" <<'SQL' || { log "the base backup failed, not upgrading:"; q "SELECT pg_read_file('$upgrade_log', 0, 1000000, true)" | tail -n 20; exit 1; }
SET statement_timeout = 0;
COPY (SELECT 1) TO PROGRAM :'cmd';
SQL
log "base backup done in $(( $(date +%s) - started )) s"

log "starting the in-place upgrade to $target on the leader: $PGAAS_UPGRADE_COMMAND $instances"
api_host=$(printenv KUBERNETES_SERVICE_HOST || true)
api_port=$(printenv KUBERNETES_SERVICE_PORT || true)
# Detached (its own session, cwd /) so that stopping PostgreSQL and restarting Patroni never take it down.
launch="rm -f '$status_file'; cd / && setsid -f /bin/sh -c 'PGVERSION=$target KUBERNETES_SERVICE_HOST=$api_host KUBERNETES_SERVICE_PORT=$api_port $PGAAS_UPGRADE_COMMAND $instances >> \"$upgrade_log\" 2>&1; echo \$? > \"$status_file\"' < /dev/null > /dev/null 2>&1"
qv -v cmd="$launch" <<'SQL'
COPY (SELECT 1) TO PROGRAM :'cmd';
SQL
started=$(date +%s)
deadline=$(( started + PGAAS_UPGRADE_TIMEOUT_SECONDS ))
finished_at=""
while :; do
  status=$(q "SELECT btrim(pg_read_file('$status_file', 0, 16, true), E' \n')" 2>/dev/null || true)
  # Read after the status: the version is what counts, the status only ends the wait.
  now=$(q "SELECT current_setting('server_version_num')::int / 10000 || CASE WHEN pg_is_in_recovery() THEN ' replica' ELSE ' primary' END" 2>/dev/null || true)
  [ "$now" = "$target primary" ] && break
  if [ -n "$status" ] && [ "$status" != 0 ]; then
    log "the in-place upgrade ended with exit code $status and the cluster runs PostgreSQL $(echo "$now" | cut -d' ' -f1); its log:"
    q "SELECT pg_read_file('$upgrade_log', 0, 1000000, true)" 2>/dev/null | tail -n 40 || true
    exit 1
  fi
  # Exit code 0 while the old major still runs: Spilo found nothing to upgrade, or the primary is still starting.
  if [ "$status" = 0 ] && [ -z "$finished_at" ]; then finished_at=$(date +%s); fi
  if [ -n "$finished_at" ] && [ $(( $(date +%s) - finished_at )) -ge 120 ]; then
    log "the in-place upgrade exited 0 but PostgreSQL $target is not the primary 120 s later (now: $now); its log:"
    q "SELECT pg_read_file('$upgrade_log', 0, 1000000, true)" 2>/dev/null | tail -n 40 || true
    exit 1
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    log "PostgreSQL $target did not come up within $PGAAS_UPGRADE_TIMEOUT_SECONDS s; the upgrade log so far:"
    q "SELECT pg_read_file('$upgrade_log', 0, 1000000, true)" 2>/dev/null | tail -n 40 || true
    exit 1
  fi
  sleep 5
done
log "PostgreSQL $target runs on the leader after $(( $(date +%s) - started )) s"

prefix=$(q "SELECT btrim(pg_read_file('$prefix_file'), E' \n')")
case "$prefix" in
  */wal/"$target") log "the archive path is now $prefix" ;;
  *) log "PostgreSQL $target archives to $prefix, not to its own major's path"; exit 1 ;;
esac
segment=$(q "SELECT pg_walfile_name(pg_switch_wal())")
until [ "$(q "SELECT coalesce(last_archived_wal >= '$segment', false) FROM pg_stat_archiver")" = t ]; do
  if [ "$(date +%s)" -ge "$deadline" ]; then log "WAL segment $segment of PostgreSQL $target was not archived in time"; exit 1; fi
  sleep 2
done
log "PostgreSQL $target archived $segment; upgrade from $running to $target complete"
`;
