// verify.sh of the logical backup (see LogicalBackupScripts, logical-backup-scripts.ts).
import { bash } from './bash';

export const VERIFY = bash`
#!/bin/bash
# cdk8s-pgaas logical backup verification: restores every database dump of a complete backup into a scratch
# database and checks it. Run by backup.sh after each backup, or on its own: bash verify.sh
#
# Checks, per database (any failure: a "CHECK FAILED" line naming the database and the check, exit 1):
#   checksum     the dump matches SHA256SUMS (the manifest too; globals.sql.gz also passes gzip -t)
#   list         pg_restore --list reads the archive
#   restore      pg_restore --exit-on-error into pgaas_verify_<db>_<random> succeeds
#   table_count  the restored database has the number of tables recorded at dump time
#   rows         the largest tables recorded at dump time have exactly the recorded row counts
# The scratch database is dropped at the end, also on failure or SIGTERM.
#
# Environment (besides the common one, see common.sh, and the libpq one; PGHOST must be the primary):
#   PGAAS_VERIFY_BACKUP    the backup id to verify (default: the newest complete backup)
#   PGAAS_VERIFY_KEEP      1 = keep the scratch databases (their names are logged) for inspection; 0 = drop
#                          them (default 0)
#   PGAAS_VERIFY_TEMPLATE  template of the scratch databases (default template0)
set -euo pipefail
PGAAS_STEP=verify
# shellcheck source=common.sh
source "$(dirname -- "\${BASH_SOURCE[0]}")/common.sh"

pgaas_check_cluster
pgaas_flag PGAAS_VERIFY_KEEP 0
PGAAS_VERIFY_TEMPLATE=\${PGAAS_VERIFY_TEMPLATE:-template0}
pgaas_load_storage
pgaas_connect

id=\${PGAAS_VERIFY_BACKUP:-}
if [[ -z $id ]]; then
  pgaas_list_backups
  if ((\${#PGAAS_COMPLETE[@]} == 0)); then pgaas_die "no complete backup of cluster $PGAAS_CLUSTER to verify"; fi
  id=\${PGAAS_COMPLETE[-1]}
fi
if ! [[ $id =~ $PGAAS_ID_RE ]]; then pgaas_die "not a backup id: '$id'"; fi
if ! storage_is_complete "$id"; then pgaas_die "backup $id is incomplete (no $PGAAS_MARKER): nothing to verify"; fi
dir=$(storage_fetch "$id")
pgaas_log "verifying backup $id ($(storage_describe "$id"))"

failures=()
check_failed() {
  local db=$1 check=$2
  shift 2
  pgaas_log "CHECK FAILED: database \"$db\": $check: $*"
  failures+=("$db:$check")
}

# Scratch databases still to drop (on exit too).
scratch=
drop_scratch() {
  if [[ -z $scratch ]]; then return 0; fi
  local force=''
  if ((PGAAS_SERVER_VERSION_NUM >= 130000)); then force=' WITH (FORCE)'; fi
  if pgaas_query "$PGAAS_MAINTENANCE_DB" "DROP DATABASE IF EXISTS $(pgaas_ident "$scratch")$force"; then
    pgaas_log "dropped scratch database $scratch"
  else
    pgaas_log "WARNING: could not drop scratch database $scratch"
  fi
  scratch=
}
drop_scratch_on_exit() {
  if ((PGAAS_VERIFY_KEEP == 0)); then drop_scratch; fi
}
pgaas_on_exit drop_scratch_on_exit

# Checksums of every file.
declare -A bad=()
declare -A listed=()
while IFS= read -r line; do
  if [[ $line =~ ^[0-9a-f]{64}\ [\ *](.+)$ ]]; then listed[\${BASH_REMATCH[1]}]=1; fi
done <"$dir/$PGAAS_MARKER"
if (cd -- "$dir" && sha256sum --check --strict --quiet -- "$PGAAS_MARKER") >"$PGAAS_TMP/sums" 2>&1; then
  pgaas_log "checksums ok: \${#listed[@]} file(s) match $PGAAS_MARKER"
else
  while IFS= read -r line; do
    pgaas_log "checksum: $line"
    if [[ $line =~ ^(.+):\ FAILED ]]; then bad[\${BASH_REMATCH[1]}]=1; fi
  done <"$PGAAS_TMP/sums"
fi
if [[ -z \${listed[manifest.json]:-} || -n \${bad[manifest.json]:-} ]]; then
  check_failed '*' checksum "manifest.json is missing from or does not match $PGAAS_MARKER: backup $id cannot be trusted"
  pgaas_die "VERIFY FAILED: backup $id: \${failures[*]}"
fi
manifest=$(pgaas_literal "$(cat -- "$dir/manifest.json")")

globals_file=$(pgaas_query "$PGAAS_MAINTENANCE_DB" "SELECT COALESCE(($manifest)::jsonb->'globals'->>'file', '')")
if [[ -n $globals_file ]]; then
  if [[ -z \${listed[$globals_file]:-} || -n \${bad[$globals_file]:-} ]]; then
    check_failed globals checksum "$globals_file is missing from or does not match $PGAAS_MARKER"
  elif ! gzip -t -- "$dir/$globals_file"; then
    check_failed globals gzip "$globals_file is not a valid gzip file"
  else
    pgaas_log "[globals] $globals_file ok"
  fi
fi

verify_database() {
  local db=$1 file=$2 entry=$3 path="$dir/$2" rc=0 entries line start result check subject expected actual i
  if ! [[ $file =~ $PGAAS_FILE_RE ]]; then check_failed "$db" manifest "unsafe file name '$file'"; return 0; fi
  if [[ -z \${listed[$file]:-} ]]; then check_failed "$db" checksum "$file is not listed in $PGAAS_MARKER"; return 0; fi
  if [[ -n \${bad[$file]:-} ]]; then check_failed "$db" checksum "$file does not match its checksum in $PGAAS_MARKER (corrupted or truncated)"; return 0; fi
  pgaas_log "[$db] checksum ok: $file ($(pgaas_size "$(stat -c %s -- "$path")"))"

  if ! "$PGAAS_BIN/pg_restore" --list -- "$path" >"$PGAAS_TMP/list"; then
    check_failed "$db" list "pg_restore --list cannot read $file"
    return 0
  fi
  entries=0
  while IFS= read -r line; do
    if [[ $line != ';'* ]]; then entries=$((entries + 1)); fi
  done <"$PGAAS_TMP/list"
  pgaas_log "[$db] pg_restore --list ok: $entries entries"

  local name
  name=$(LC_ALL=C; s=\${db,,}; s=\${s//[^a-z0-9_]/_}; printf '%s' "\${s:0:40}")
  scratch="pgaas_verify_\${name}_$(printf '%04x%04x' "$RANDOM" "$RANDOM")"
  if ! pgaas_query "$PGAAS_MAINTENANCE_DB" "CREATE DATABASE $(pgaas_ident "$scratch") TEMPLATE $(pgaas_ident "$PGAAS_VERIFY_TEMPLATE")"; then
    pgaas_die "[$db] cannot create the scratch database $scratch (the role needs CREATEDB; PGHOST must be the primary)"
  fi
  start=$SECONDS
  pgaas_wait_for "$PGAAS_BIN/pg_restore" --exit-on-error --no-owner --no-privileges --dbname="$scratch" -- "$path" || rc=$?
  if ((rc != 0)); then
    check_failed "$db" restore "pg_restore --exit-on-error of $file into $scratch exited with code $rc"
    drop_scratch
    return 0
  fi
  pgaas_log "[$db] restore ok: $file into scratch database $scratch in $((SECONDS - start))s"

  pgaas_records "$scratch" "WITH m AS (SELECT ($(pgaas_literal "$entry"))::jsonb AS e)
    SELECT 'table_count', 'tables', m.e->>'table_count', (SELECT count(*) FROM $PGAAS_TABLES_FROM)::text FROM m
    UNION ALL
    SELECT 'rows', pg_catalog.format('%I.%I', t->>'schema', t->>'table'), t->>'rows',
      CASE WHEN pg_catalog.to_regclass(pg_catalog.format('%I.%I', t->>'schema', t->>'table')) IS NOT NULL THEN
        $(pgaas_row_count_sql "t->>'schema'" "t->>'table'")
      END
    FROM m, pg_catalog.jsonb_array_elements(m.e->'largest_tables') t" >"$PGAAS_TMP/checks"
  mapfile -d '' -t result <"$PGAAS_TMP/checks"
  for ((i = 0; i + 3 < \${#result[@]}; i += 4)); do
    check=\${result[i]} subject=\${result[i + 1]} expected=\${result[i + 2]} actual=\${result[i + 3]}
    if [[ -z $actual ]]; then
      check_failed "$db" "$check" "$subject: missing from the restored database (recorded $expected at dump time)"
    elif [[ $expected != "$actual" ]]; then
      check_failed "$db" "$check" "$subject: recorded $expected at dump time, restored $actual"
    else
      pgaas_log "[$db] $check ok: $subject $actual, as recorded at dump time"
    fi
  done

  if ((PGAAS_VERIFY_KEEP == 1)); then
    pgaas_log "[$db] keeping scratch database $scratch (PGAAS_VERIFY_KEEP=1): drop it yourself"
    scratch=
  else
    drop_scratch
  fi
}

pgaas_records "$PGAAS_MAINTENANCE_DB" "SELECT d->>'name', d->>'file', d::text FROM pg_catalog.jsonb_array_elements(($manifest)::jsonb->'databases') d" >"$PGAAS_TMP/databases"
mapfile -d '' -t fields <"$PGAAS_TMP/databases"
count=$((\${#fields[@]} / 3))
if ((count == 0)); then check_failed '*' manifest "no database in manifest.json"; fi
for ((d = 0; d < count; d++)); do
  verify_database "\${fields[d * 3]}" "\${fields[d * 3 + 1]}" "\${fields[d * 3 + 2]}"
done

if ((\${#failures[@]} > 0)); then
  pgaas_die "VERIFY FAILED: backup $id of cluster $PGAAS_CLUSTER: \${#failures[@]} failed check(s): \${failures[*]}"
fi
pgaas_log "verify OK: backup $id of cluster $PGAAS_CLUSTER: $count database(s) restored and checked"
`;
