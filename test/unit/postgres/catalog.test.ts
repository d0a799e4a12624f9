import * as fc from 'fast-check';
import { validateParameters, parameterApplies } from '../../../src/cluster/parameters';
import { CATALOG_MAJORS, parseBool, postgresSetting, postgresSettings, settingValueProblem } from '../../../src/postgres/catalog';

describe('the PostgreSQL settings catalog', () => {
  test.each(CATALOG_MAJORS)('PostgreSQL %i: every setting has a type, a context, and ranges or enum values where PostgreSQL has them', (major) => {
    const settings = [...postgresSettings(major).values()];
    expect(settings.length).toBeGreaterThan(300);
    for (const s of settings) {
      expect(['bool', 'integer', 'real', 'string', 'enum']).toContain(s.type);
      if (s.type === 'integer' || s.type === 'real') expect(typeof s.min === 'number' && typeof s.max === 'number').toBe(true);
      if (s.type === 'enum') expect(s.enumValues!.length).toBeGreaterThan(0);
    }
  });

  test('settings come and go with the major', () => {
    expect(postgresSetting(13, 'wal_keep_segments')).toBeUndefined(); // removed in 13 (wal_keep_size)
    expect(postgresSetting(13, 'wal_keep_size')).toBeDefined();
    expect(postgresSetting(16, 'allow_alter_system')).toBeUndefined();
    expect(postgresSetting(17, 'allow_alter_system')).toBeDefined();
    expect(postgresSetting(14, 'vacuum_defer_cleanup_age')).toBeDefined();
    expect(postgresSetting(16, 'vacuum_defer_cleanup_age')).toBeUndefined();
  });

  test('the contrib modules Spilo preloads are catalogued, names are case-insensitive', () => {
    expect(postgresSetting(17, 'pg_stat_statements.track')!.enumValues).toEqual(['none', 'top', 'all']);
    expect(postgresSetting(17, 'timezone')!.name).toBe('TimeZone');
  });

  test('the context tells reload from restart (day-2 changes)', () => {
    expect(parameterApplies('shared_buffers', 17)).toBe('restart');
    expect(parameterApplies('work_mem', 17)).toBe('reload');
    expect(parameterApplies('log_min_duration_statement', 15)).toBe('reload');
    expect(parameterApplies('block_size', 17)).toBeUndefined();
  });
});

// [name, value, major]: each is rejected by PostgreSQL itself, and by the catalog.
const INVALID: [string, string, number][] = [
  ['shared_buffers', '4Gi', 17], // Kubernetes units are not PostgreSQL units
  ['cron.max_running_jobs', '500', 17], // extension settings have their ranges and types too (at most 100)
  ['pg_stat_kcache.track', 'everything', 16],
  ['set_user.block_alter_system', 'maybe', 15],
  ['pg_qualstats.sample_rate', '2', 13],
  ['pg_partman_bgw.interval', '0', 14],
  ['bg_mon.naptime', '60', 17], // at most 10 seconds
  ['bg_mon.port', '70000', 17],
  ['pg_auth_mon.log_period', '2w', 16], // no "w" unit; at most 10080 minutes
  ['pg_mon.max_statements', '10', 15],
  ['shared_buffers', '4gb', 17], // units are case-sensitive
  ['shared_buffers', '4 G', 17],
  ['shared_buffers', '64kB', 17], // below 16 pages of 8kB
  ['shared_buffers', 'lots', 17],
  ['work_mem', '10s', 17], // a time unit on a memory setting
  ['work_mem', '32', 17], // below 64 kB
  ['work_mem', '3TB', 17], // above 2^31-1 kB
  ['statement_timeout', '5MB', 17],
  ['statement_timeout', '5 sec', 17],
  ['statement_timeout', '-1', 17],
  ['max_connections', '0', 17],
  ['max_connections', '300000', 17],
  ['max_connections', '1e9', 17],
  ['max_connections', '100 kB', 17], // no unit on a plain integer
  ['random_page_cost', '-1', 17],
  ['random_page_cost', 'fast', 17],
  ['jit', 'maybe', 17],
  ['jit', 'o', 17], // ambiguous prefix of on/off
  ['jit', '', 17],
  ['log_min_messages', 'verbose', 17],
  ['wal_compression', 'zstd', 14], // an enum value of 15+
  ['wal_compression', 'brotli', 17],
  ['maintenance_work_mem', '512kB', 16], // 1 MB minimum until 16
  ['log_rotation_age', '1 week', 17],
  ['pg_stat_statements.max', '10', 17],
  ['pg_stat_statements.track', 'everything', 17],
  ['auto_explain.log_format', 'csv', 17],
];

// [name, value, major]: valid edge inputs that must keep passing.
const VALID: [string, string, number][] = [
  ['shared_buffers', '4GB', 17],
  ['shared_buffers', '4 GB', 17], // a space before the unit
  ['shared_buffers', ' 4GB ', 17],
  ['shared_buffers', '524288', 17], // in 8kB pages
  ['shared_buffers', '1.5GB', 17], // fractions are rounded
  ['shared_buffers', '128kB', 17], // exactly 16 pages
  ['work_mem', '64kB', 17],
  ['work_mem', '64', 17],
  ['work_mem', '0x100', 17],
  ['statement_timeout', '0', 17],
  ['statement_timeout', '5min', 17],
  ['statement_timeout', '1500us', 17],
  ['statement_timeout', '1d', 17],
  ['max_connections', '1', 17],
  ['max_connections', '262143', 17],
  ['random_page_cost', '1.1', 17],
  ['random_page_cost', '1e-2', 17],
  ['jit', 'OFF', 17],
  ['jit', 'tr', 17],
  ['jit', 'Yes', 17],
  ['jit', '0', 17],
  ['log_min_messages', 'WARNING', 17],
  ['synchronous_commit', 'remote_apply', 17],
  ['synchronous_commit', 'true', 17], // hidden boolean spellings of on/off enums
  ['huge_pages', 'try', 17],
  ['wal_level', 'logical', 13],
  ['wal_level', 'hot_standby', 17], // a hidden alias of replica
  ['wal_compression', 'zstd', 15],
  ['wal_compression', 'on', 14],
  ['maintenance_work_mem', '512kB', 17],
  ['autovacuum_work_mem', '-1', 17],
  ['TimeZone', 'Europe/Berlin', 17],
  ['pg_stat_statements.max', '10000', 13],
  ['auto_explain.log_min_duration', '1s', 17],
  ['cron.database_name', 'postgres', 17], // pg_cron, pgaudit, set_user, pg_stat_kcache, pg_qualstats: catalogued from Debian's builds
  ['cron.max_running_jobs', '32', 13],
  ['pgaudit.log', 'ddl, role', 17],
  ['pg_stat_kcache.track', 'all', 15],
  ['set_user.block_alter_system', 'on', 16],
  ['pg_qualstats.sample_rate', '0.1', 14],
  ['bg_mon.naptime', '10', 17], // bg_mon, pg_auth_mon, pgextwlist, pg_mon, plantuner: transcribed from their source
  ['bg_mon.listen_address', '0.0.0.0', 17],
  ['pg_auth_mon.log_period', '1h', 16],
  ['extwlist.extensions', 'pg_trgm,hstore', 15],
  ['plantuner.fix_empty_table', 'on', 14],
  ['timescaledb.max_background_workers', '8', 16],
];

describe('parameter names and values, with PostgreSQL\'s own rules', () => {
  test.each(INVALID)('%s = %j is rejected on PostgreSQL %i', (name, value, major) => {
    const problems = validateParameters({ [name]: value }, major);
    expect(problems).toHaveLength(1);
    expect(problems[0].property).toBe(`parameters.${name}`);
    expect(problems[0].rule).toContain(`PostgreSQL ${major}`);
  });

  test.each(VALID)('%s = %j is accepted on PostgreSQL %i', (name, value, major) => {
    expect(validateParameters({ [name]: value }, major)).toEqual([]);
  });

  test.each([
    ['shared_buffer', 17, /did you mean shared_buffers/],
    ['wal_keep_segments', 13, /not a PostgreSQL 13 parameter/],
    ['allow_alter_system', 16, /not a PostgreSQL 16 parameter/],
    ['pg_stat_statement.max', 17, /not a parameter of an extension/], // misspelt extension prefix
    ['pg_stat_statements.maxx', 17, /not a PostgreSQL 17 parameter.*pg_stat_statements.max/],
    ['myapp.tenant', 17, /ALTER DATABASE/],
    ['cron.databse_name', 17, /not a PostgreSQL 17 parameter.*cron.database_name/], // an extension's setting, misspelt
    ['pgaudit.logs', 17, /not a PostgreSQL 17 parameter/],
  ] as const)('unknown name %s (PostgreSQL %i)', (name, major, rule) => {
    const problems = validateParameters({ [name]: '1' }, major);
    expect(problems.map((p) => [p.property, p.value])).toEqual([['parameters key', name]]);
    expect(problems[0].rule).toMatch(rule);
  });

  test('read-only settings are rejected', () => {
    expect(validateParameters({ block_size: '8192' })[0].rule).toMatch(/read-only/);
  });

  test('a major without a catalog keeps the syntax rules only', () => {
    expect(validateParameters({ some_future_setting: 'x' }, 18)).toEqual([]);
  });
});

describe('property-based: values PostgreSQL accepts are accepted, and vice versa', () => {
  const memory = [...postgresSettings(17).values()].filter((s) => s.type === 'integer' && s.unit === 'kB' && s.min! >= 0);
  const bytesOf = { kB: 1, MB: 1024, GB: 1024 ** 2 } as const;

  test('any in-range memory value in any PostgreSQL unit, with or without a space, is accepted', () => {
    fc.assert(fc.property(fc.constantFrom(...memory), fc.constantFrom('kB', 'MB', 'GB'), fc.boolean(), fc.nat(), (s, unit, space, seed) => {
      const perUnit = bytesOf[unit as keyof typeof bytesOf];
      const lo = Math.ceil(s.min! / perUnit);
      const hi = Math.floor(Math.min(s.max!, 2 ** 40) / perUnit);
      fc.pre(hi >= lo);
      const n = lo + (seed % (hi - lo + 1));
      return settingValueProblem(s, `${n}${space ? ' ' : ''}${unit}`) === undefined;
    }));
  });

  test('Kubernetes quantities (Ki, Mi, Gi) and lowercase units are never PostgreSQL units', () => {
    fc.assert(fc.property(fc.constantFrom(...memory), fc.constantFrom('Ki', 'Mi', 'Gi', 'Ti', 'kb', 'mb', 'gb', 'K', 'M', 'G'), fc.integer({ min: 1, max: 1000 }),
      (s, unit, n) => settingValueProblem(s, `${n}${unit}`) !== undefined));
  });

  test('integers beyond max or below min are rejected for every integer setting of every major', () => {
    fc.assert(fc.property(fc.constantFrom(...CATALOG_MAJORS), fc.integer({ min: 1, max: 1000 }), fc.boolean(), (major, offset, above) => {
      const integers = [...postgresSettings(major).values()].filter((s) => s.type === 'integer');
      const s = integers[offset % integers.length];
      const value = above ? s.max! + offset : s.min! - offset;
      return settingValueProblem(s, String(value)) !== undefined;
    }));
  });

  test('every enum value of every major is accepted in any case, any other word is not', () => {
    fc.assert(fc.property(fc.constantFrom(...CATALOG_MAJORS), fc.nat(), fc.string({ minLength: 1, maxLength: 12 }), (major, index, word) => {
      const enums = [...postgresSettings(major).values()].filter((s) => s.type === 'enum');
      const s = enums[index % enums.length];
      const value = s.enumValues![index % s.enumValues!.length];
      const other = word.trim().toLowerCase();
      const accepted = settingValueProblem(s, value.toUpperCase()) === undefined;
      const otherAccepted = settingValueProblem(s, word) === undefined;
      const known = s.enumValues!.map((v) => v.toLowerCase()).includes(other) || isHiddenSpelling(s.name, s.enumValues!, other);
      return accepted && otherAccepted === known;
    }));
  });

  test('booleans: exactly PostgreSQL\'s spellings and unambiguous prefixes', () => {
    fc.assert(fc.property(fc.string({ maxLength: 6 }), (word) => {
      const w = word.trim().toLowerCase();
      const expected = ['t', 'tr', 'tru', 'true', 'y', 'ye', 'yes', 'on', '1'].includes(w) ? true
        : ['f', 'fa', 'fal', 'fals', 'false', 'n', 'no', 'of', 'off', '0'].includes(w) ? false : undefined;
      return parseBool(word) === expected;
    }));
  });
});

function isHiddenSpelling(name: string, values: readonly string[], word: string): boolean {
  if (name === 'wal_level' && ['archive', 'hot_standby'].includes(word)) return true;
  return values.includes('on') && values.includes('off') && ['true', 'false', 'yes', 'no', '1', '0'].includes(word);
}
