import { writeFileSync } from 'fs';
import { join } from 'path';
import { CACHE, packLibrary, Timings } from '../harness/fresh-app';

/**
 * Packs the library once for every packaging test (the fresh apps install the tarball; the bindings
 * are generated from it), as a user would: `npm pack`, which compiles it first.
 */
export default function globalSetup(): void {
  const timings = new Timings();
  const tarball = timings.time('pack', packLibrary);
  writeFileSync(join(CACHE, 'tarball.txt'), tarball);
  timings.save('pack.json');
}
