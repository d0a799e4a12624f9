// Internal: not part of the jsii API (do not re-export from src/index.ts).
import { PREDEFINED_ROLES_DATA, SETTINGS_DATA } from './catalog-data';
import { EXTENSION_SETTINGS_DATA } from './extension-settings-data';
import { EXTENSION_SOURCE_SETTINGS_DATA } from './extension-source-settings';

/** The PostgreSQL majors the catalog describes. */
export const CATALOG_MAJORS = [13, 14, 15, 16, 17];

/** When a change of a setting takes effect (pg_settings.context). */
export type SettingContext = 'internal' | 'postmaster' | 'sighup' | 'superuser-backend' | 'backend' | 'superuser' | 'user';

/** One PostgreSQL setting of one major, as pg_settings describes it. */
export interface PostgresSetting {
  readonly name: string;
  readonly type: 'bool' | 'integer' | 'real' | 'string' | 'enum';
  /** The base unit (`kB`, `8kB`, `ms`, `s`, `min`, ...), if the value has one. */
  readonly unit?: string;
  readonly min?: number;
  readonly max?: number;
  readonly enumValues?: readonly string[];
  readonly context: SettingContext;
}

const TYPES = { b: 'bool', i: 'integer', r: 'real', s: 'string', e: 'enum' } as const;

/**
 * Extensions Spilo loads whose settings are not in the catalog: names under these prefixes are accepted without
 * checking the value. The others are catalogued: pg_cron, pgaudit, set_user, pg_stat_kcache, pg_partman_bgw and
 * pg_qualstats generated from Debian's builds (extension-settings-data.ts); bg_mon, pg_auth_mon, pgextwlist, pg_mon
 * and plantuner transcribed from their source at pinned commits (extension-source-settings.ts).
 */
export const PLACEHOLDER_PREFIXES: Record<string, string> = {
  timescaledb: 'timescaledb (Spilo preloads it; its settings change with every release)',
};

const byMajor = new Map<number, Map<string, PostgresSetting>>();

/** Every setting of a major (lowercase names), generated from that major's pg_settings. */
export function postgresSettings(major: number): ReadonlyMap<string, PostgresSetting> {
  let settings = byMajor.get(major);
  if (!settings) {
    settings = new Map();
    for (const [name, json] of Object.entries({ ...SETTINGS_DATA, ...EXTENSION_SETTINGS_DATA, ...EXTENSION_SOURCE_SETTINGS_DATA })) {
      const variants = JSON.parse(json) as unknown[][];
      const variant = variants.find((v) => (v[0] as number[]).includes(major));
      if (!variant) continue;
      type Row = [number[], keyof typeof TYPES, string | null, number | null, number | null, SettingContext, string[]?];
      const [, type, unit, min, max, context, enumValues] = variant as Row;
      settings.set(name.toLowerCase(), {
        name, type: TYPES[type], unit: unit ?? undefined, min: min ?? undefined, max: max ?? undefined, context, enumValues,
      });
    }
    byMajor.set(major, settings);
  }
  return settings;
}

/** A setting of a major by name (case-insensitive, as PostgreSQL looks them up), or undefined. */
export function postgresSetting(major: number, name: string): PostgresSetting | undefined {
  return postgresSettings(major).get(name.toLowerCase());
}

const MEMORY_UNITS: Record<string, number> = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** How many bytes or milliseconds one base unit (`8kB`, `ms`, `min`...) of a setting is. */
function baseUnit(unit: string): { units: Record<string, number>; size: number } | undefined {
  const match = /^(\d*)(B|kB|MB|GB|TB|us|ms|s|min|h|d)$/.exec(unit);
  if (!match) return undefined;
  const units = match[2] in MEMORY_UNITS ? MEMORY_UNITS : TIME_UNITS;
  return { units, size: (match[1] ? Number(match[1]) : 1) * units[match[2]] };
}

// strtol(base 0) or strtod, then optional white space and a unit (guc.c parse_int / parse_real).
const NUMBER = /^\s*([+-]?(?:0x[0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))\s*([A-Za-z]*)\s*$/;
const BOOL_WORDS = ['true', 'false', 'yes', 'no', 'on', 'off', '1', '0'];
// Values enum settings accept but pg_settings does not list (guc_tables.c "hidden" entries).
const HIDDEN_ENUM_VALUES: Record<string, readonly string[]> = { wal_level: ['archive', 'hot_standby'] };

/** Whether PostgreSQL's parse_bool accepts a value (true, false, yes, no, on, off, 1, 0, or an unambiguous prefix). */
export function parseBool(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (v === '1' || v === 'on') return true;
  if (v === '0' || v === 'of' || v === 'off') return false;
  if (v.length === 0) return undefined;
  for (const word of ['true', 'yes']) if (word.startsWith(v)) return true;
  for (const word of ['false', 'no']) if (word.startsWith(v)) return false;
  return undefined;
}

function parseNumber(text: string): number | undefined {
  const negative = text.startsWith('-');
  const body = text.replace(/^[+-]/, '');
  let value: number;
  if (/^0x/i.test(body)) value = parseInt(body.slice(2), 16);
  else if (/^0[0-7]+$/.test(body)) value = parseInt(body, 8);
  else value = Number(body);
  return Number.isFinite(value) ? (negative ? -value : value) : undefined;
}

/**
 * Why PostgreSQL would reject a value for a setting, with its own rules: booleans and their prefixes, enum values
 * (case-insensitive), integers and reals with an optional unit after optional white space (`4GB`, `4 GB`; units are
 * case-sensitive: `4Gi` and `4gb` are not units), rounded to the base unit and checked against min and max.
 */
export function settingValueProblem(setting: PostgresSetting, value: string): string | undefined {
  switch (setting.type) {
    case 'bool':
      return parseBool(value) === undefined ? 'must be a boolean: on, off, true, false, yes, no, 1 or 0' : undefined;
    case 'enum': {
      const allowed = [...setting.enumValues ?? [], ...HIDDEN_ENUM_VALUES[setting.name] ?? []];
      // Enums that offer on and off also take PostgreSQL's other boolean spellings.
      if (allowed.includes('on') && allowed.includes('off')) allowed.push(...BOOL_WORDS);
      return allowed.map((v) => v.toLowerCase()).includes(value.trim().toLowerCase()) ? undefined : `must be one of ${setting.enumValues!.join(', ')}`;
    }
    case 'integer':
    case 'real':
      return numericProblem(setting, value);
    default:
      return undefined;
  }
}

function numericProblem(setting: PostgresSetting, value: string): string | undefined {
  const base = setting.unit ? baseUnit(setting.unit) : undefined;
  const unitHint = base ? `; units are ${Object.keys(base.units).join(', ')} (case-sensitive, e.g. "4GB" or "4 GB")` : '';
  const match = NUMBER.exec(value);
  const number = match ? parseNumber(match[1]) : undefined;
  if (!match || number === undefined) return `must be ${setting.type === 'integer' ? 'an integer' : 'a number'}${unitHint}`;
  const unit = match[2];
  if (unit && (!base || !(unit in base.units))) {
    return base ? `has an invalid unit "${unit}"${unitHint}` : `must be a number without a unit (got "${unit}")`;
  }
  let converted = unit && base ? number * base.units[unit] / base.size : number;
  // parse_int rounds fractions (since PostgreSQL 12) after the unit conversion.
  if (setting.type === 'integer') converted = Math.round(converted);
  if ((setting.min !== undefined && converted < setting.min) || (setting.max !== undefined && converted > setting.max)) {
    const suffix = setting.unit ? ` (in units of ${setting.unit})` : '';
    return `is outside the valid range ${setting.min} .. ${setting.max}${suffix}`;
  }
  return undefined;
}

/** Converts a valid memory or time value of a setting to bytes or milliseconds (for the semantic rules). */
export function settingMagnitude(setting: PostgresSetting, value: string): number | undefined {
  const match = NUMBER.exec(value);
  const number = match ? parseNumber(match[1]) : undefined;
  if (!match || number === undefined) return undefined;
  const base = setting.unit ? baseUnit(setting.unit) : undefined;
  if (!base) return number;
  return match[2] ? number * base.units[match[2]] : number * base.size;
}

// pg_database_owner's members are implicit (the database owner): GRANT pg_database_owner TO ... fails.
const UNGRANTABLE_ROLES = ['pg_database_owner'];

/** The predefined roles (pg_*) a role can be granted on a major (from its pg_roles). */
export function predefinedRoles(major: number): readonly string[] {
  return (PREDEFINED_ROLES_DATA[major] ?? []).filter((r) => !UNGRANTABLE_ROLES.includes(r));
}

/** The grantable predefined roles of any catalogued major. */
export const ALL_PREDEFINED_ROLES: readonly string[] = [...new Set(CATALOG_MAJORS.flatMap(predefinedRoles))].sort();
