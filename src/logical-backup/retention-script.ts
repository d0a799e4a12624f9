// retention.sh of the logical backup (see LogicalBackupScripts, logical-backup-scripts.ts).
import { bash } from './bash';

export const RETENTION = bash`
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
