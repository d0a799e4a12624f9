// backup.sh of the logical backup (see LogicalBackupScripts, logical-backup-scripts.ts).
import { bash } from './bash';

export const BACKUP = bash`
#!/bin/bash
# cdk8s-pgaas logical backup: dumps the databases of one cluster, then verifies the new backup and
# applies retention. The CronJob runs: bash backup.sh
#
# Environment (besides the common one, see common.sh, and the libpq one):
#   PGAAS_DATABASES      space-separated databases to dump; empty = every database that is not a template
#                        and allows connections
#   PGAAS_GLOBALS        1 = also dump roles and tablespaces (pg_dumpall --globals-only, with
#                        --no-role-passwords unless the user is a superuser); 0 = not (default 1)
#   PGAAS_VERIFY_TABLES  how many of the largest tables of each database get their exact row count recorded
#                        (in the dump's snapshot) for verify.sh to compare (default 5, 0 = none)
#   PGAAS_VERIFY         1 = run verify.sh on the new backup before retention (default 1); a failed verification
#                        fails the Job and skips retention, so older backups are kept
#   PGAAS_RETENTION      number of complete backups to keep, >= 1 (required)
#
# Every database is dumped with pg_dump -Fc --snapshot=S where S is exported by a REPEATABLE READ
# transaction that also counts the tables and rows recorded in the manifest: counts and dump agree exactly.
set -euo pipefail
PGAAS_STEP=backup
# shellcheck source=common.sh
source "$(dirname -- "\${BASH_SOURCE[0]}")/common.sh"

pgaas_check_cluster
pgaas_flag PGAAS_GLOBALS 1
pgaas_flag PGAAS_VERIFY 1
pgaas_int PGAAS_VERIFY_TABLES 5 0
pgaas_int PGAAS_RETENTION '' 1
pgaas_load_storage
pgaas_connect

# Which databases.
databases=()
if [[ -n \${PGAAS_DATABASES:-} ]]; then
  declare -A seen=()
  read -r -a requested <<<"$PGAAS_DATABASES"
  for db in "\${requested[@]}"; do
    if [[ -n \${seen[$db]:-} ]]; then continue; fi
    seen[$db]=1
    found=$(pgaas_query "$PGAAS_MAINTENANCE_DB" "SELECT count(*) FROM pg_catalog.pg_database WHERE datname = $(pgaas_literal "$db") AND datallowconn")
    if [[ $found != 1 ]]; then pgaas_die "database \"$db\" (from PGAAS_DATABASES) does not exist or does not allow connections"; fi
    databases+=("$db")
  done
else
  pgaas_records "$PGAAS_MAINTENANCE_DB" "SELECT datname FROM pg_catalog.pg_database WHERE NOT datistemplate AND datallowconn ORDER BY datname" >"$PGAAS_TMP/databases"
  mapfile -d '' -t databases <"$PGAAS_TMP/databases"
fi
if ((\${#databases[@]} == 0)); then pgaas_die "no database to dump"; fi

# A new backup: its id is the current UTC second (waiting for the next second if that one is taken).
id=
for attempt in 1 2 3 4 5; do
  candidate=$(date -u +%Y%m%dT%H%M%SZ)
  if dir=$(storage_begin "$candidate" 2>/dev/null); then id=$candidate; break; fi
  if ((attempt == 5)); then pgaas_die "cannot create backup $candidate in $(storage_describe "$candidate")"; fi
  sleep 1
done
started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
committed=0
backup_failed() {
  if (($1 != 0 && committed == 0)); then
    pgaas_log "backup $id FAILED (exit $1): $(storage_describe "$id") is incomplete (no $PGAAS_MARKER); retention removes it after the next complete backup"
  fi
}
pgaas_on_exit backup_failed
pgaas_log "backup $id of cluster $PGAAS_CLUSTER to $(storage_describe "$id"): \${#databases[@]} database(s): \${databases[*]}"

# The statistics recorded with each dump (run in the transaction whose snapshot pg_dump uses).
stats_sql="SELECT pg_catalog.json_build_object(
  'name', pg_catalog.current_database(),
  'table_count', (SELECT count(*) FROM $PGAAS_TABLES_FROM),
  'largest_tables', COALESCE((
    SELECT pg_catalog.json_agg(pg_catalog.json_build_object('schema', s.nspname, 'table', s.relname, 'bytes', s.bytes, 'rows', s.rows) ORDER BY s.bytes DESC, s.nspname, s.relname)
    FROM (SELECT t.*, $(pgaas_row_count_sql t.nspname t.relname)::bigint AS rows
          FROM (SELECT n.nspname, c.relname, pg_catalog.pg_relation_size(c.oid) AS bytes
                FROM $PGAAS_TABLES_FROM AND c.relkind = 'r'
                  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
                ORDER BY 3 DESC, 1, 2 LIMIT $PGAAS_VERIFY_TABLES) t) s), '[]'))::text;"
stats_sql=\${stats_sql//$'\n'/ }

# dump_database DB FILE: sets ENTRY to the manifest entry (SQL jsonb expression) of DB.
dump_database() {
  local db=$1 file=$2 path="$dir/$2" snap_in snap_out snap_pid snapshot stats start seconds bytes rc=0
  start=$SECONDS
  coproc PGAAS_SNAPSHOT { PGDATABASE=$db exec "$PGAAS_PSQL" -X -q -A -t -v ON_ERROR_STOP=1; }
  snap_in=\${PGAAS_SNAPSHOT[1]}
  snap_out=\${PGAAS_SNAPSHOT[0]}
  snap_pid=$PGAAS_SNAPSHOT_PID
  printf '%s\n' 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;' 'SELECT pg_catalog.pg_export_snapshot();' >&"$snap_in"
  if ! IFS= read -r snapshot <&"$snap_out"; then pgaas_die "[$db] could not export a snapshot"; fi
  printf '%s\n' "$stats_sql" >&"$snap_in"
  if ! IFS= read -r stats <&"$snap_out"; then pgaas_die "[$db] could not count tables and rows"; fi
  PGDATABASE=$db "$PGAAS_BIN/pg_dump" --format=custom --snapshot="$snapshot" --file="$path" || rc=$?
  printf '%s\n' 'COMMIT;' >&"$snap_in"
  exec {snap_in}>&-
  wait "$snap_pid" || true
  if ((rc != 0)); then pgaas_die "[$db] pg_dump failed with exit code $rc"; fi
  seconds=$((SECONDS - start))
  bytes=$(stat -c %s -- "$path")
  pgaas_log "[$db] dumped to $file: $(pgaas_size "$bytes") in \${seconds}s (snapshot $snapshot, $(pgaas_query "$PGAAS_MAINTENANCE_DB" "SELECT ($(pgaas_literal "$stats"))::jsonb->>'table_count'") tables)"
  ENTRY="$(pgaas_literal "$stats")::jsonb || pg_catalog.jsonb_build_object('file', $(pgaas_literal "$file"), 'bytes', $bytes, 'seconds', $seconds, 'snapshot', $(pgaas_literal "$snapshot"))"
}

files=()
entries=()
for db in "\${databases[@]}"; do
  file="$(pgaas_encode_name "$db").dump"
  dump_database "$db" "$file"
  files+=("$file")
  entries+=("$ENTRY")
done

globals=NULL
if ((PGAAS_GLOBALS == 1)); then
  globals_options=(--globals-only)
  if ((PGAAS_SUPERUSER == 0)); then globals_options+=(--no-role-passwords); fi
  PGDATABASE=$PGAAS_MAINTENANCE_DB "$PGAAS_BIN/pg_dumpall" "\${globals_options[@]}" | gzip -c >"$dir/globals.sql.gz"
  files+=(globals.sql.gz)
  globals="pg_catalog.jsonb_build_object('file', 'globals.sql.gz', 'role_passwords', $([[ $PGAAS_SUPERUSER == 1 ]] && echo true || echo false))"
  pgaas_log "globals dumped to globals.sql.gz ($(pgaas_size "$(stat -c %s -- "$dir/globals.sql.gz")")$([[ $PGAAS_SUPERUSER == 1 ]] || echo ', without role passwords: not a superuser'))"
fi

entries_sql=$(IFS=,; printf '%s' "\${entries[*]}")
pgaas_query "$PGAAS_MAINTENANCE_DB" "SELECT pg_catalog.jsonb_pretty(pg_catalog.jsonb_build_object(
  'format', 1,
  'cluster', $(pgaas_literal "$PGAAS_CLUSTER"),
  'backup', $(pgaas_literal "$id"),
  'started_at', $(pgaas_literal "$started_at"),
  'finished_at', $(pgaas_literal "$(date -u +%Y-%m-%dT%H:%M:%SZ)"),
  'server_version', current_setting('server_version'),
  'server_version_num', current_setting('server_version_num')::int,
  'client', $(pgaas_literal "$("$PGAAS_BIN/pg_dump" --version)"),
  'user', current_user,
  'globals', $globals,
  'databases', pg_catalog.jsonb_build_array($entries_sql)))" >"$dir/manifest.json"
files+=(manifest.json)

# Complete: the checksums go last.
(cd -- "$dir" && sha256sum -- "\${files[@]}") >"$dir/.SHA256SUMS.partial"
storage_commit "$id" "$dir"
committed=1
pgaas_log "backup $id complete: \${#databases[@]} database(s), $PGAAS_MARKER written"

if ((PGAAS_VERIFY == 1)); then
  if ! PGAAS_VERIFY_BACKUP=$id bash "$PGAAS_SCRIPT_DIR/verify.sh"; then
    pgaas_die "verification of backup $id failed: retention NOT applied, older backups kept"
  fi
fi
PGAAS_KEEP_BACKUP=$id bash "$PGAAS_SCRIPT_DIR/retention.sh"
pgaas_log "done: backup $id"
`;
