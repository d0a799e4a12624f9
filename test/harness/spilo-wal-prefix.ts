/**
 * The WAL-G location Spilo writes into its envdir for a container's environment, by the rule of Spilo's
 * configure_spilo.py (write_wale_environment, Spilo 4.0): an explicit WALE_/WALG_<store>_PREFIX wins; otherwise
 * `<store>://{WAL_<store>_BUCKET}/spilo/{WAL_BUCKET_SCOPE_PREFIX}{SCOPE}{WAL_BUCKET_SCOPE_SUFFIX}/wal/{PGVERSION}`,
 * where PGVERSION is the major of the binaries Spilo picked for the data directory it starts on (its PG_VERSION
 * file, else the PGVERSION variable). `dataDirectoryMajor` is that major. Only S3 and GCS, the stores the bundle
 * lets Spilo derive; Azure stays explicit.
 */
export function spiloWalPrefix(env: Record<string, unknown>, dataDirectoryMajor: number | undefined): string | undefined {
  const text = (name: string) => (typeof env[name] === 'string' ? env[name] as string : '');
  for (const store of ['S3', 'GS']) {
    const explicit = text(`WALE_${store}_PREFIX`) || text(`WALG_${store}_PREFIX`);
    if (explicit) return explicit;
    const bucket = text(`WAL_${store}_BUCKET`);
    if (!bucket) continue;
    const major = dataDirectoryMajor ?? Number(text('PGVERSION'));
    return `${store.toLowerCase()}://${bucket}/spilo/${text('WAL_BUCKET_SCOPE_PREFIX')}${text('SCOPE')}${text('WAL_BUCKET_SCOPE_SUFFIX')}/wal/${major}`;
  }
  return text('WALG_AZ_PREFIX') || undefined;
}
