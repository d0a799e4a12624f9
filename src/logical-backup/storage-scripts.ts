// storage-local.sh and storage-walg.sh of the logical backup (see LogicalBackupScripts).
import { bash } from './bash';

export const STORAGE_LOCAL = bash`
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

export const STORAGE_WALG = bash`
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
    if ! [[ $name =~ $PGAAS_FILE_RE ]]; then
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
