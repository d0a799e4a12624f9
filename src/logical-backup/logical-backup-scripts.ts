/**
 * Bash scripts of the logical backup feature (pg_dump / pg_dumpall / pg_restore), meant to be
 * shipped in a ConfigMap and run by a CronJob in the Spilo image (`bash <dir>/backup.sh`).
 *
 * The texts are written with the `bash` tag below: backslashes are kept as typed (raw strings) and a
 * shell expansion `${...}` is written `\${...}` (the tag turns `\${` back into `${`), so no
 * TypeScript interpolation can slip into a script.
 */
function bash(strings: TemplateStringsArray, ...values: never[]): string {
  if (values.length > 0) throw new Error('logical backup scripts take no interpolations: write shell expansions as \\${...}');
  return strings.raw.join('').replace(/\\\$\{/g, '${').replace(/^\n/, '');
}

const COMMON = bash`
# shellcheck shell=bash
# cdk8s-pgaas logical backup: helpers shared by backup.sh, verify.sh and retention.sh (sourced).
#
# Connection: the libpq environment only (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGSSLMODE, ...).
# Nothing here prints the environment or runs with xtrace, so the password never reaches the logs.
#
# Common environment:
#   PGAAS_CLUSTER         cluster name, the directory under PGAAS_BACKUP_ROOT (required)
#   PGAAS_BACKUP_ROOT     backup target root (required; storage "local": a directory, e.g. a mounted PVC)
#   PGAAS_STORAGE         storage implementation, sources storage-<name>.sh (default: local)
#   PG_BIN_ROOT           client root holding <major>/bin/{psql,pg_dump,pg_dumpall,pg_restore}
#                         (default: /usr/lib/postgresql, the Spilo and Debian layout)
#   PGAAS_MAINTENANCE_DB  database used for cluster-wide queries (default: postgres)
#   PGCONNECT_TIMEOUT     libpq connect timeout in seconds (default here: 10)

set -euo pipefail
umask 077

PGAAS_SCRIPT_DIR=$(cd -- "$(dirname -- "\${BASH_SOURCE[0]}")" && pwd)
PGAAS_STEP=\${PGAAS_STEP:-pgaas}
# Backup ids are UTC timestamps: sorting them as strings sorts them in time.
PGAAS_ID_RE='^[0-9]{8}T[0-9]{6}Z$'
# The file that marks a backup complete. It is written LAST, and lists the checksum of every other file.
PGAAS_MARKER=SHA256SUMS
# The user tables of a database, counted at dump time and again after a test restore.
# shellcheck disable=SC2034 # used by backup.sh and verify.sh
PGAAS_TABLES_FROM="pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't'
    AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp)'"

pgaas_log() { printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$PGAAS_STEP" "$*" >&2; }
pgaas_die() { pgaas_log "ERROR: $*"; exit 1; }

# Cleanup actions run (newest first) when the script exits, normally, on error or on SIGTERM/SIGINT.
PGAAS_EXIT_HOOKS=()
pgaas_on_exit() { PGAAS_EXIT_HOOKS=("$1" "\${PGAAS_EXIT_HOOKS[@]}"); }
pgaas_run_exit_hooks() {
  local rc=$? hook
  set +e
  trap - EXIT
  for hook in "\${PGAAS_EXIT_HOOKS[@]}"; do "$hook" "$rc"; done
  exit "$rc"
}
trap pgaas_run_exit_hooks EXIT
trap 'pgaas_log "terminated by SIGTERM"; exit 143' TERM
trap 'pgaas_log "interrupted by SIGINT"; exit 130' INT

PGAAS_TMP=$(mktemp -d "\${TMPDIR:-/tmp}/pgaas.XXXXXX")
pgaas_remove_tmp() { rm -rf -- "$PGAAS_TMP"; }
pgaas_on_exit pgaas_remove_tmp

pgaas_require() {
  local name
  for name in "$@"; do
    if [[ -z \${!name:-} ]]; then pgaas_die "$name must be set"; fi
  done
}

# pgaas_flag NAME DEFAULT: NAME must be exactly 1 or 0 (an empty or unset NAME takes DEFAULT).
# "true"/"false"/"yes" are refused rather than guessed: the string "false" is truthy in too many places.
pgaas_flag() {
  local name=$1 value=\${!1:-$2}
  case $value in
    0 | 1) printf -v "$name" '%s' "$value" ;;
    *) pgaas_die "$name must be 1 or 0 (got '$value')" ;;
  esac
}

# pgaas_int NAME DEFAULT MIN: NAME must be an integer >= MIN (an empty or unset NAME takes DEFAULT; no DEFAULT = required).
pgaas_int() {
  local name=$1 value=\${!1:-$2} min=$3
  if [[ -z $value ]]; then pgaas_die "$name must be set (an integer >= $min)"; fi
  if ! [[ $value =~ ^[0-9]+$ ]] || ((10#$value < min)); then pgaas_die "$name must be an integer >= $min (got '$value')"; fi
  printf -v "$name" '%d' "$((10#$value))"
}

pgaas_check_cluster() {
  pgaas_require PGAAS_CLUSTER PGAAS_BACKUP_ROOT
  if ! [[ $PGAAS_CLUSTER =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]]; then
    pgaas_die "PGAAS_CLUSTER must be a plain name ([A-Za-z0-9._-], got '$PGAAS_CLUSTER')"
  fi
}

pgaas_load_storage() {
  PGAAS_STORAGE=\${PGAAS_STORAGE:-local}
  if ! [[ $PGAAS_STORAGE =~ ^[a-z0-9-]+$ ]]; then pgaas_die "PGAAS_STORAGE must be a plain name (got '$PGAAS_STORAGE')"; fi
  local file="$PGAAS_SCRIPT_DIR/storage-$PGAAS_STORAGE.sh"
  if [[ ! -r $file ]]; then pgaas_die "storage '$PGAAS_STORAGE' is not available: $file is missing"; fi
  # shellcheck source=storage-local.sh
  source "$file"
  storage_init
}

# File name for a database name: [A-Za-z0-9_-] and inner dots kept, every other byte as %XX.
pgaas_encode_name() {
  local LC_ALL=C s=$1 out='' c i
  for ((i = 0; i < \${#s}; i++)); do
    c=\${s:i:1}
    case $c in
      [A-Za-z0-9_-]) out+=$c ;;
      .) if ((i == 0)); then out+=%2E; else out+=$c; fi ;;
      *) printf -v c '%%%02X' "'$c"; out+=$c ;;
    esac
  done
  printf '%s' "$out"
}

# SQL string literal (dollar-quoted with a tag that does not occur in the text).
pgaas_literal() {
  local s=$1 tag=q
  while [[ $s == *"\$$tag\$"* ]]; do tag=q$RANDOM; done
  printf '$%s$%s$%s$' "$tag" "$s" "$tag"
}

# SQL identifier.
pgaas_ident() { printf '"%s"' "\${1//\"/\"\"}"; }

pgaas_size() { numfmt --to=iec-i --suffix=B "$1" 2>/dev/null || printf '%s bytes' "$1"; }

# pgaas_psql DB [psql options...]: psql of the server's major version, unaligned tuples only, stops on error.
# The database goes through PGDATABASE, which libpq never parses as a connection string.
pgaas_psql() {
  local db=$1
  shift
  PGDATABASE=$db "$PGAAS_PSQL" -X -q -A -t -v ON_ERROR_STOP=1 "$@"
}
pgaas_query() { pgaas_psql "$1" -c "$2"; }
# NUL-separated fields and records (safe for any name), for mapfile -d ''.
pgaas_records() { pgaas_psql "$1" --field-separator-zero --record-separator-zero -c "$2"; }

# Connects, finds the server's major version and the matching client binaries under PG_BIN_ROOT.
# Sets PGAAS_MAJOR, PGAAS_BIN, PGAAS_PSQL, PGAAS_SERVER_VERSION_NUM, PGAAS_SUPERUSER (1/0).
pgaas_connect() {
  PG_BIN_ROOT=\${PG_BIN_ROOT:-/usr/lib/postgresql}
  PGAAS_MAINTENANCE_DB=\${PGAAS_MAINTENANCE_DB:-postgres}
  export PGCONNECT_TIMEOUT=\${PGCONNECT_TIMEOUT:-10}
  export PGAPPNAME=\${PGAPPNAME:-pgaas-$PGAAS_STEP}
  local where="host=\${PGHOST:-(default)} port=\${PGPORT:-5432} user=\${PGUSER:-(default)} sslmode=\${PGSSLMODE:-prefer}"
  # Any psql can ask for the version: the one on PATH, else the newest under PG_BIN_ROOT.
  local probe candidate
  probe=$(command -v psql || true)
  if [[ -z $probe ]]; then
    for candidate in "$PG_BIN_ROOT"/*/bin/psql; do
      if [[ -x $candidate ]]; then probe=$candidate; fi
    done
  fi
  if [[ -z $probe ]]; then pgaas_die "no psql on PATH nor under $PG_BIN_ROOT/*/bin"; fi
  if ! PGAAS_SERVER_VERSION_NUM=$(PGDATABASE=$PGAAS_MAINTENANCE_DB "$probe" -X -q -A -t -v ON_ERROR_STOP=1 -c 'SHOW server_version_num'); then
    pgaas_die "cannot connect to PostgreSQL ($where, database $PGAAS_MAINTENANCE_DB)"
  fi
  if ! [[ $PGAAS_SERVER_VERSION_NUM =~ ^[0-9]+$ ]]; then pgaas_die "unexpected server_version_num '$PGAAS_SERVER_VERSION_NUM'"; fi
  local num=$PGAAS_SERVER_VERSION_NUM
  if ((num >= 100000)); then PGAAS_MAJOR=$((num / 10000)); else PGAAS_MAJOR="$((num / 10000)).$((num / 100 % 100))"; fi
  PGAAS_BIN="$PG_BIN_ROOT/$PGAAS_MAJOR/bin"
  local tool missing=() available=() dir
  for tool in psql pg_dump pg_dumpall pg_restore; do
    if [[ ! -x $PGAAS_BIN/$tool ]]; then missing+=("$tool"); fi
  done
  if ((\${#missing[@]} > 0)); then
    for dir in "$PG_BIN_ROOT"/*/bin/pg_dump; do
      if [[ -x $dir ]]; then dir=\${dir%/bin/pg_dump}; available+=("\${dir##*/}"); fi
    done
    pgaas_die "the server runs PostgreSQL $PGAAS_MAJOR (server_version_num $num) but the PostgreSQL $PGAAS_MAJOR client is missing: no \${missing[*]} in $PGAAS_BIN (client versions under $PG_BIN_ROOT: \${available[*]:-none}). A dump needs a client of the server's major version: use an image that ships it, or point PG_BIN_ROOT at one."
  fi
  PGAAS_PSQL=$PGAAS_BIN/psql
  local info
  info=$(pgaas_query "$PGAAS_MAINTENANCE_DB" "SELECT current_setting('server_version') || ' ' || CASE WHEN rolsuper THEN 1 ELSE 0 END FROM pg_catalog.pg_roles WHERE rolname = current_user")
  PGAAS_SUPERUSER=\${info##* }
  pgaas_log "connected ($where): PostgreSQL \${info% *} (server_version_num $num), superuser=$PGAAS_SUPERUSER; client $PGAAS_BIN ($("$PGAAS_BIN/pg_dump" --version))"
}

# Runs a long command in the background and waits for it, so SIGTERM is handled (cleanup runs) at once.
PGAAS_CHILD=
pgaas_kill_child() { if [[ -n $PGAAS_CHILD ]]; then kill "$PGAAS_CHILD" 2>/dev/null; wait "$PGAAS_CHILD" 2>/dev/null; fi; }
pgaas_on_exit pgaas_kill_child
pgaas_wait_for() {
  local rc=0
  "$@" </dev/null &
  PGAAS_CHILD=$!
  wait "$PGAAS_CHILD" || rc=$?
  PGAAS_CHILD=
  return "$rc"
}

# Backup ids (oldest first) and the complete ones among them.
pgaas_list_backups() {
  local listing id
  listing=$(storage_list)
  PGAAS_ALL=()
  PGAAS_COMPLETE=()
  while IFS= read -r id; do
    if [[ $id =~ $PGAAS_ID_RE ]]; then
      PGAAS_ALL+=("$id")
      if storage_is_complete "$id"; then PGAAS_COMPLETE+=("$id"); fi
    fi
  done <<<"$listing"
}
`;

const STORAGE_LOCAL = bash`
# shellcheck shell=bash
# cdk8s-pgaas logical backup, storage "local": a directory (e.g. a mounted PersistentVolumeClaim).
#
# Layout: $PGAAS_BACKUP_ROOT/$PGAAS_CLUSTER/<id>/ with <id> a UTC timestamp (YYYYmmddTHHMMSSZ) holding
#   <database>.dump   pg_dump custom format (compressed), one per database
#   globals.sql.gz    pg_dumpall --globals-only (roles, tablespaces), gzip
#   manifest.json     what was dumped: server version, per database the snapshot, table count, row counts
#   SHA256SUMS        checksums of all the files above, written LAST: without it the backup is incomplete
#
# The storage interface (an object-storage implementation, storage-<name>.sh, provides the same):
#   storage_init              check the target (called once, after sourcing)
#   storage_begin ID          create backup ID; print a local directory to write its files into
#   storage_commit ID DIR     make DIR's files durable in the target, then publish DIR/.SHA256SUMS.partial
#                             as SHA256SUMS, LAST
#   storage_list              print all backup ids (complete or not), one per line, oldest first
#   storage_is_complete ID    succeed when ID has its SHA256SUMS
#   storage_fetch ID          print a local directory holding ID's files (read only)
#   storage_delete ID         delete ID, its SHA256SUMS first (a half-deleted backup reads as incomplete)

storage_init() {
  if [[ ! -d $PGAAS_BACKUP_ROOT ]]; then pgaas_die "PGAAS_BACKUP_ROOT $PGAAS_BACKUP_ROOT is not a directory (is the volume mounted?)"; fi
  STORAGE_BASE="$PGAAS_BACKUP_ROOT/$PGAAS_CLUSTER"
  mkdir -p -- "$STORAGE_BASE"
}

storage_describe() { printf '%s' "$STORAGE_BASE/$1"; }

storage_begin() {
  local dir="$STORAGE_BASE/$1"
  mkdir -- "$dir" || return 1
  printf '%s' "$dir"
}

storage_commit() {
  local dir=$2
  sync -- "$dir"/* || pgaas_die "sync of $dir failed"
  mv -- "$dir/.SHA256SUMS.partial" "$dir/$PGAAS_MARKER"
  sync -- "$dir/$PGAAS_MARKER" "$dir" || pgaas_die "sync of $dir failed"
}

storage_list() {
  local entry
  for entry in "$STORAGE_BASE"/*; do
    if [[ -d $entry ]]; then printf '%s\n' "\${entry##*/}"; fi
  done
}

storage_is_complete() { [[ -f $STORAGE_BASE/$1/$PGAAS_MARKER ]]; }

storage_fetch() {
  if [[ ! -d $STORAGE_BASE/$1 ]]; then pgaas_die "backup $1 not found in $STORAGE_BASE"; fi
  printf '%s' "$STORAGE_BASE/$1"
}

storage_delete() {
  rm -f -- "$STORAGE_BASE/$1/$PGAAS_MARKER"
  rm -rf -- "\${STORAGE_BASE:?}/$1"
}
`;

const STORAGE_WALG = bash`
# shellcheck shell=bash
# cdk8s-pgaas logical backup, storage "walg": object storage (S3 or S3-compatible, Google Cloud Storage, Azure
# Blob Storage) through WAL-G's storage tools ("wal-g st"), which the Spilo image ships for WAL archiving.
#
# PGAAS_BACKUP_ROOT is the location: s3://<bucket>/<path>, gs://<bucket>/<path> or azure://<container>/<path>.
# Layout and files are those of storage "local": <root>/<PGAAS_CLUSTER>/<id>/{<db>.dump, globals.sql.gz,
# manifest.json, SHA256SUMS}, SHA256SUMS uploaded LAST. WAL-G takes credentials and options from its usual
# environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT, AWS_S3_FORCE_PATH_STYLE,
# WALG_S3_SSE, WALG_S3_SSE_KMS_ID, GOOGLE_APPLICATION_CREDENTIALS, AZURE_STORAGE_ACCOUNT,
# AZURE_STORAGE_ACCESS_KEY, AZURE_STORAGE_SAS_TOKEN, or the pod's workload identity).
# Objects are stored as they are (--no-compress --no-encrypt): the dumps are compressed already, and any S3, GCS
# or Azure client can fetch them for a restore. Files are staged under TMPDIR (room for the largest backup).
#
#   PGAAS_WALG   the WAL-G binary (default: wal-g on PATH)

storage_init() {
  PGAAS_WALG=\${PGAAS_WALG:-wal-g}
  if ! command -v -- "$PGAAS_WALG" >/dev/null; then pgaas_die "storage walg: $PGAAS_WALG not found (the Spilo image ships it)"; fi
  STORAGE_ROOT=\${PGAAS_BACKUP_ROOT%/}
  # WAL-G uses the first storage it finds configured: leave only the one PGAAS_BACKUP_ROOT names.
  unset WALG_S3_PREFIX WALE_S3_PREFIX WALG_GS_PREFIX WALE_GS_PREFIX WALG_AZ_PREFIX WALE_AZ_PREFIX \
    WALG_FILE_PREFIX WALE_FILE_PREFIX WALG_SWIFT_PREFIX WALE_SWIFT_PREFIX WALG_SSH_PREFIX
  case $STORAGE_ROOT in
    s3://?*) export WALG_S3_PREFIX=$STORAGE_ROOT ;;
    gs://?*) export WALG_GS_PREFIX=$STORAGE_ROOT ;;
    azure://?*) export WALG_AZ_PREFIX=$STORAGE_ROOT ;;
    *) pgaas_die "storage walg: PGAAS_BACKUP_ROOT must start with s3://, gs:// or azure:// (got '$PGAAS_BACKUP_ROOT')" ;;
  esac
  STORAGE_STAGE="$PGAAS_TMP/storage"
  mkdir -p -- "$STORAGE_STAGE"
  # Reach the storage once before any work: bad credentials or a wrong endpoint fail here, with WAL-G's message.
  storage_names "$PGAAS_CLUSTER" >/dev/null
}

storage_describe() { printf '%s' "$STORAGE_ROOT/$PGAAS_CLUSTER/$1"; }

# storage_st ARGS...: wal-g st ARGS, its output to stderr (stdout of the storage functions is data), dies on failure.
storage_st() {
  if ! "$PGAAS_WALG" st "$@" >&2; then pgaas_die "storage walg: wal-g st $* failed"; fi
}

# storage_names PATH: the names in folder PATH (objects and sub-folders, one per line), from the last column of
# "wal-g st ls". A failed listing fails the script: reading it as empty would make complete backups look missing.
storage_names() {
  local out
  if ! out=$("$PGAAS_WALG" st ls "$1" 2>"$PGAAS_TMP/walg-ls.err"); then
    cat -- "$PGAAS_TMP/walg-ls.err" >&2
    pgaas_die "storage walg: listing $STORAGE_ROOT/$1 failed"
  fi
  awk 'NR == 1 && $1 == "type" { next } NF > 0 { name = $NF; sub(/\/$/, "", name); sub(/^.*\//, "", name); if (name != "") print name }' <<<"$out"
}

storage_begin() {
  local names
  names=$(storage_names "$PGAAS_CLUSTER") || exit 1
  if grep -qxF -- "$1" <<<"$names"; then return 1; fi
  mkdir -- "$STORAGE_STAGE/$1" || return 1
  printf '%s' "$STORAGE_STAGE/$1"
}

storage_commit() {
  local id=$1 dir=$2 path name
  for path in "$dir"/*; do
    name=\${path##*/}
    storage_st put --no-compress --no-encrypt "$path" "$PGAAS_CLUSTER/$id/$name"
  done
  storage_st put --no-compress --no-encrypt "$dir/.SHA256SUMS.partial" "$PGAAS_CLUSTER/$id/$PGAAS_MARKER"
  # Uploaded: free the staging space for verify's download.
  rm -rf -- "$dir"
}

storage_list() {
  local names
  names=$(storage_names "$PGAAS_CLUSTER") || exit 1
  sort <<<"$names"
}

storage_is_complete() {
  local names
  names=$(storage_names "$PGAAS_CLUSTER/$1") || exit 1
  grep -qxF -- "$PGAAS_MARKER" <<<"$names"
}

storage_fetch() {
  local dir="$STORAGE_STAGE/fetch-$1" names name
  names=$(storage_names "$PGAAS_CLUSTER/$1") || exit 1
  if [[ -z $names ]]; then pgaas_die "backup $1 not found in $STORAGE_ROOT/$PGAAS_CLUSTER"; fi
  rm -rf -- "$dir"
  mkdir -p -- "$dir"
  while IFS= read -r name; do
    if ! [[ $name =~ ^[A-Za-z0-9_%-][A-Za-z0-9_.%-]*$ ]]; then
      pgaas_log "storage walg: skipping object '$name' of backup $1 (not a name the backup writes)"
      continue
    fi
    storage_st get --no-decompress --no-decrypt "$PGAAS_CLUSTER/$1/$name" "$dir/$name"
  done <<<"$names"
  printf '%s' "$dir"
}

storage_delete() {
  local names name
  names=$(storage_names "$PGAAS_CLUSTER/$1") || exit 1
  # SHA256SUMS first: a half-deleted backup reads as incomplete.
  if grep -qxF -- "$PGAAS_MARKER" <<<"$names"; then storage_st rm "$PGAAS_CLUSTER/$1/$PGAAS_MARKER"; fi
  while IFS= read -r name; do
    if [[ -n $name && $name != "$PGAAS_MARKER" ]]; then storage_st rm "$PGAAS_CLUSTER/$1/$name"; fi
  done <<<"$names"
}
`;

const BACKUP = bash`
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
    FROM (SELECT t.*, (pg_catalog.xpath('/row/n/text()', pg_catalog.query_to_xml(pg_catalog.format('SELECT count(*) AS n FROM ONLY %I.%I', t.nspname, t.relname), false, true, '')))[1]::text::bigint AS rows
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

const VERIFY = bash`
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
  if ! [[ $file =~ ^[A-Za-z0-9_%-][A-Za-z0-9_.%-]*$ ]]; then check_failed "$db" manifest "unsafe file name '$file'"; return 0; fi
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
        (pg_catalog.xpath('/row/n/text()', pg_catalog.query_to_xml(pg_catalog.format('SELECT count(*) AS n FROM ONLY %I.%I', t->>'schema', t->>'table'), false, true, '')))[1]::text
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

const RETENTION = bash`
#!/bin/bash
# cdk8s-pgaas logical backup retention: keeps the PGAAS_RETENTION newest complete backups, deletes older
# complete ones and incomplete ones older than the newest complete one (incomplete ones that are newer may
# be in progress). Run by backup.sh after a successful (and verified) backup, or on its own: bash retention.sh
#
# Environment (besides the common one, see common.sh):
#   PGAAS_RETENTION     number of complete backups to keep, >= 1 (required)
#   PGAAS_KEEP_BACKUP   a backup id never to delete (backup.sh passes the backup it just wrote)
set -euo pipefail
PGAAS_STEP=retention
# shellcheck source=common.sh
source "$(dirname -- "\${BASH_SOURCE[0]}")/common.sh"

pgaas_check_cluster
pgaas_int PGAAS_RETENTION '' 1
keep_id=\${PGAAS_KEEP_BACKUP:-}
pgaas_load_storage
pgaas_list_backups

complete=\${#PGAAS_COMPLETE[@]}
if ((complete == 0)); then
  pgaas_log "no complete backup of cluster $PGAAS_CLUSTER: nothing deleted"
  exit 0
fi
newest=\${PGAAS_COMPLETE[-1]}
declare -A keep=()
if [[ -n $keep_id ]]; then keep[$keep_id]=1; fi
for ((i = complete - PGAAS_RETENTION; i < complete; i++)); do
  if ((i >= 0)); then keep[\${PGAAS_COMPLETE[i]}]=1; fi
done

deleted=0
for id in "\${PGAAS_ALL[@]}"; do
  if [[ -n \${keep[$id]:-} ]]; then continue; fi
  if storage_is_complete "$id"; then
    pgaas_log "deleting complete backup $id (keeping the newest $PGAAS_RETENTION)"
  elif [[ $id < $newest ]]; then
    pgaas_log "deleting incomplete backup $id (older than the newest complete backup $newest)"
  else
    pgaas_log "leaving incomplete backup $id (newer than $newest: may be in progress)"
    continue
  fi
  storage_delete "$id"
  deleted=$((deleted + 1))
done
kept=()
for ((i = 0; i < complete; i++)); do
  if [[ -n \${keep[\${PGAAS_COMPLETE[i]}]:-} ]]; then kept+=("\${PGAAS_COMPLETE[i]}"); fi
done
pgaas_log "retention $PGAAS_RETENTION: kept \${#kept[@]} complete backup(s): \${kept[*]}; deleted $deleted"
`;

/**
 * The scripts of the logical backup (pg_dump) feature, as file names and texts for a ConfigMap.
 *
 * Mount all of `files()` in one directory and run `bash <dir>/backup.sh` (backup, then verify, then retention)
 * in an image that ships the PostgreSQL clients under `PG_BIN_ROOT/<major>/bin` (Spilo does). `verify.sh`
 * and `retention.sh` also run on their own. Configuration is by environment only:
 *
 * - libpq: `PGHOST` (the primary: verify creates databases), `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGSSLMODE`, ...
 * - all scripts: `PGAAS_CLUSTER` (required), `PGAAS_BACKUP_ROOT` (required), `PGAAS_STORAGE` (`local` or `walg`,
 *   default `local`),
 *   `PG_BIN_ROOT` (default `/usr/lib/postgresql`), `PGAAS_MAINTENANCE_DB` (default `postgres`)
 * - backup.sh: `PGAAS_DATABASES` (space-separated, empty = all non-template databases), `PGAAS_GLOBALS`
 *   (`1`/`0`, default `1`), `PGAAS_VERIFY_TABLES` (default 5), `PGAAS_VERIFY` (`1`/`0`, default `1`),
 *   `PGAAS_RETENTION` (>= 1, required)
 * - verify.sh: `PGAAS_VERIFY_BACKUP` (default newest complete), `PGAAS_VERIFY_KEEP` (`1`/`0`, default `0`),
 *   `PGAAS_VERIFY_TEMPLATE` (default `template0`)
 * - retention.sh: `PGAAS_RETENTION` (required), `PGAAS_KEEP_BACKUP`
 *
 * Flags take exactly `1` or `0`; anything else (`true`, `false`, ...) fails the script.
 *
 * Layout of storage `local`: `<PGAAS_BACKUP_ROOT>/<PGAAS_CLUSTER>/<YYYYmmddTHHMMSSZ>/` holding `<db>.dump`
 * (pg_dump custom format; a database name is kept as is when it is made of `[A-Za-z0-9_.-]`, other bytes
 * become `%XX`), `globals.sql.gz`, `manifest.json` and, written last, `SHA256SUMS`: a backup without it is
 * incomplete.
 *
 * The backup role needs: LOGIN, membership in `pg_read_all_data` (PostgreSQL 14+; or a superuser), CREATEDB
 * for verify's scratch databases, and BYPASSRLS when tables use row-level security. As a non-superuser the
 * globals are dumped without role passwords.
 */
export class LogicalBackupScripts {
  /** Helpers sourced by the other scripts. */
  public static readonly COMMON_FILE = 'common.sh';
  /** Storage implementation `local` (a directory), sourced for `PGAAS_STORAGE=local`. */
  public static readonly STORAGE_LOCAL_FILE = 'storage-local.sh';
  /** Storage implementation `walg` (S3, GCS or Azure through `wal-g st`), sourced for `PGAAS_STORAGE=walg`. */
  public static readonly STORAGE_WALG_FILE = 'storage-walg.sh';
  /** Entry point of the CronJob: backup, verify, retention. */
  public static readonly BACKUP_FILE = 'backup.sh';
  /** Restores a backup into scratch databases and checks it. */
  public static readonly VERIFY_FILE = 'verify.sh';
  /** Deletes backups beyond the retention. */
  public static readonly RETENTION_FILE = 'retention.sh';

  /** Shared helpers: logging, env validation, connection and client selection (`common.sh`). */
  public static common(): string {
    return COMMON;
  }

  /** The `local` storage: a directory such as a mounted PersistentVolumeClaim (`storage-local.sh`). */
  public static storageLocal(): string {
    return STORAGE_LOCAL;
  }

  /**
   * The `walg` storage: object storage through WAL-G's storage tools (`storage-walg.sh`). `PGAAS_BACKUP_ROOT` is
   * `s3://<bucket>/<path>`, `gs://<bucket>/<path>` or `azure://<container>/<path>`; credentials come from WAL-G's
   * environment. Objects are uploaded uncompressed and unencrypted by WAL-G (the dumps are compressed already).
   */
  public static storageWalg(): string {
    return STORAGE_WALG;
  }

  /** Dumps the databases and globals, writes the manifest and SHA256SUMS, verifies, applies retention (`backup.sh`). */
  public static backup(): string {
    return BACKUP;
  }

  /** Checks a complete backup by restoring it into scratch databases (`verify.sh`). */
  public static verify(): string {
    return VERIFY;
  }

  /** Keeps the configured number of complete backups (`retention.sh`). */
  public static retention(): string {
    return RETENTION;
  }

  /** Every script by file name: the data of the ConfigMap to mount in one directory. */
  public static files(): { [name: string]: string } {
    return {
      [LogicalBackupScripts.COMMON_FILE]: COMMON,
      [LogicalBackupScripts.STORAGE_LOCAL_FILE]: STORAGE_LOCAL,
      [LogicalBackupScripts.STORAGE_WALG_FILE]: STORAGE_WALG,
      [LogicalBackupScripts.BACKUP_FILE]: BACKUP,
      [LogicalBackupScripts.VERIFY_FILE]: VERIFY,
      [LogicalBackupScripts.RETENTION_FILE]: RETENTION,
    };
  }

  private constructor() {}
}
