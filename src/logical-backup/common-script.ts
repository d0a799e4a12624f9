// common.sh of the logical backup (see LogicalBackupScripts, logical-backup-scripts.ts).
import { bash } from './bash';

export const COMMON = bash`
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
# The names of the files a backup holds: what verify.sh checks and what a download accepts.
# shellcheck disable=SC2034 # used by verify.sh and storage-walg.sh
PGAAS_FILE_RE='^[A-Za-z0-9_%-][A-Za-z0-9_.%-]*$'

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

# pgaas_row_count_sql SCHEMA TABLE: SQL for the exact row count (as text) of the table that the SQL expressions
# SCHEMA and TABLE name: one definition for the count recorded at dump time and the one checked after a test restore.
pgaas_row_count_sql() {
  printf "(pg_catalog.xpath('/row/n/text()', pg_catalog.query_to_xml(pg_catalog.format('SELECT count(*) AS n FROM ONLY %%I.%%I', %s, %s), false, true, '')))[1]::text" "$1" "$2"
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
