// Internal: not part of the jsii API (do not re-export from src/index.ts).
/**
 * The settings of the extensions Spilo loads for which no registry here ships a build (no npm PostgreSQL package,
 * no Debian package), transcribed from each extension's DefineCustom*Variable calls at a pinned commit:
 * - bg_mon: github.com/CyberDem0n/bg_mon bg_mon.c at d215e94f88a9088bdde0ce54f74d7d8bb2deb8e0 (2026-06-11);
 *   bg_mon.history_buckets exists in builds with libbrotli, which Spilo's is.
 * - pg_auth_mon: github.com/RafiaSabih/pg_auth_mon pg_auth_mon.c at d1ca2c2a8349475f60cfde2d81f5f141d0f7c701 (after v5.0).
 * - pgextwlist: github.com/dimitri/pgextwlist pgextwlist.c at 31686ff445a67c0f2cfd6852124712378af9a14d (v1.18).
 * - pg_mon: github.com/RafiaSabih/pg_mon pg_mon.c at e49626862d19300412ee4bdcec8d7bac65ebd4b4 (2024-12-20).
 * - plantuner: github.com/postgrespro/plantuner plantuner.c at bad43e546227ed38bb04ef4fcede3886d34761c0 (v1.0.1).
 * Same format as catalog-data.ts: [majors, type (b|i|r|s|e), unit, min, max, context, enum values?]. PGC_SIGHUP is
 * "sighup", PGC_POSTMASTER "postmaster", PGC_SUSET "superuser", PGC_USERSET "user"; GUC_UNIT_S "s", GUC_UNIT_MIN "min".
 * timescaledb's settings (dozens, changing with every release) are not transcribed: its prefix stays unchecked.
 */
export const EXTENSION_SOURCE_SETTINGS_DATA: Record<string, string> = {
  'bg_mon.history_buckets': '[[[13,14,15,16,17],"i",null,0,1440,"postmaster"]]',
  'bg_mon.listen_address': '[[[13,14,15,16,17],"s",null,null,null,"sighup"]]',
  'bg_mon.naptime': '[[[13,14,15,16,17],"i","s",1,10,"sighup"]]',
  'bg_mon.port': '[[[13,14,15,16,17],"i",null,0,65535,"sighup"]]',
  'extwlist.custom_path': '[[[13,14,15,16,17],"s",null,null,null,"superuser"]]',
  'extwlist.extensions': '[[[13,14,15,16,17],"s",null,null,null,"superuser"]]',
  'pg_auth_mon.log_period': '[[[13,14,15,16,17],"i","min",0,10080,"sighup"]]',
  'pg_mon.log_new_query': '[[[13,14,15,16,17],"b",null,null,null,"superuser"]]',
  'pg_mon.max_statements': '[[[13,14,15,16,17],"i",null,100,2147483647,"postmaster"]]',
  'pg_mon.plan_info_disable': '[[[13,14,15,16,17],"b",null,null,null,"superuser"]]',
  'pg_mon.plan_info_immediate': '[[[13,14,15,16,17],"b",null,null,null,"superuser"]]',
  'plantuner.disable_index': '[[[13,14,15,16,17],"s",null,null,null,"user"]]',
  'plantuner.enable_index': '[[[13,14,15,16,17],"s",null,null,null,"user"]]',
  'plantuner.fix_empty_table': '[[[13,14,15,16,17],"b",null,null,null,"user"]]',
  'plantuner.forbid_index': '[[[13,14,15,16,17],"s",null,null,null,"user"]]',
};
