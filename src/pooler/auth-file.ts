// Internal helpers of the pooler: not part of the jsii API (do not re-export from src/index.ts).

/** Environment variables the auth-file init step reads (the password from a secretKeyRef). */
export const AUTH_USER_ENV = 'PGBOUNCER_AUTH_USER';
export const AUTH_PASSWORD_ENV = 'PGBOUNCER_AUTH_PASSWORD';
export const AUTH_FILE_ENV = 'PGBOUNCER_AUTH_FILE';

/**
 * POSIX sh (dash, busybox ash, bash) that writes PgBouncer's auth_file at pod start:
 * `"<user>" "<password>"`, with `"` doubled as PgBouncer's parser expects. The password exists
 * only in the Secret, this process's environment and a memory-backed emptyDir; it is never
 * printed. The file is written under a temporary name and renamed, so PgBouncer never reads
 * half a line. Only shell built-ins are used (plus `mv`), so any image with /bin/sh works.
 */
export const AUTH_FILE_SCRIPT = [
  'set -eu',
  'umask 077',
  `user="$${AUTH_USER_ENV}"`,
  `password="$${AUTH_PASSWORD_ENV}"`,
  `file="$${AUTH_FILE_ENV}"`,
  'fail() { echo "the password of $user $1" >&2; exit 1; }',
  '[ -n "$password" ] || fail "is empty: check its Secret"',
  // A line break would end the auth_file line; a trailing newline is the usual "kubectl create secret --from-file" mistake.
  "nl=$(printf '\\n_'); nl=${nl%_}",
  'case "$password" in',
  '  *"$nl"*) fail "contains a line break (a trailing newline in its Secret?)" ;;',
  'esac',
  "escaped=''",
  'rest="$password"',
  'while :; do',
  '  case "$rest" in',
  '    *\\"*) escaped="$escaped${rest%%\\"*}\\"\\""; rest="${rest#*\\"}" ;;',
  '    *) escaped="$escaped$rest"; break ;;',
  '  esac',
  'done',
  'printf \'"%s" "%s"\\n\' "$user" "$escaped" > "$file.tmp"',
  'mv -f "$file.tmp" "$file"',
  'echo "wrote the auth_file for $user"',
].join('\n');
