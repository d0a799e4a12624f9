import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CRD_SOURCES } from './versions';
import { cachedEntry, toolCacheDir } from '../tool-cache';

/**
 * The upstream CRD files of CRD_SOURCES, copied out of their Go module archives into the tool cache.
 * Returns the paths of the YAML files, to be applied to the test API server.
 */
export function ensureCrdFiles(): string[] {
  const files: string[] = [];
  for (const source of CRD_SOURCES) {
    const dir = toolCacheDir('crds', `${source.module.replace(/\//g, '_')}@${source.version}`);
    cachedEntry(dir, `CRDs of ${source.module}@${source.version}`, () => {
      let info: any;
      try {
        info = JSON.parse(execFileSync('go', ['mod', 'download', '-json', `${source.module}@${source.version}`], {
          cwd: dir, encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' }, stdio: ['ignore', 'pipe', 'pipe'],
        }));
      } catch (e: any) {
        throw new Error(`go mod download ${source.module}@${source.version} failed: ${e.stderr ?? e.message}`);
      }
      for (const file of source.files) {
        const from = path.join(info.Dir, file);
        if (!fs.existsSync(from)) throw new Error(`${source.module}@${source.version} has no ${file}`);
        fs.copyFileSync(from, path.join(dir, path.basename(file)));
      }
    });
    files.push(...source.files.map((file) => path.join(dir, path.basename(file))));
  }
  return files;
}
