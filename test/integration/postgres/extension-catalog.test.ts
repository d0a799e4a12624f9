import * as fs from 'fs';
import { EXTENSION_CATALOG_FILE, generateExtensionCatalog } from '../../harness/extension-catalog';

// Installs six small Debian packages on a fresh machine (as root), then starts Debian's PostgreSQL 15 once.
jest.setTimeout(600_000);

describe('the checked-in settings of the extensions Spilo loads', () => {
  test('are exactly what Debian\'s builds of them report in pg_settings (regenerate with test/harness/extension-catalog.ts)', () => {
    expect(generateExtensionCatalog()).toEqual(fs.readFileSync(EXTENSION_CATALOG_FILE, 'utf8'));
  });
});
