import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AUTH_FILE_SCRIPT } from '../../../src/pooler/auth-file';

describe('auth_file init script', () => {
  const shells = ['/bin/sh', '/bin/dash', '/usr/bin/busybox'].filter((s) => fs.existsSync(s));

  function run(shell: string, password: string): { status: number | null; file?: string; output: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgaas-auth-'));
    try {
      const file = path.join(dir, 'userlist.txt');
      const args = shell.endsWith('busybox') ? ['sh', '-c', AUTH_FILE_SCRIPT] : ['-c', AUTH_FILE_SCRIPT];
      const result = spawnSync(shell, args, { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', PGBOUNCER_AUTH_USER: 'pooler', PGBOUNCER_AUTH_PASSWORD: password, PGBOUNCER_AUTH_FILE: file } });
      const written = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
      // umask 077: only the pooler's user can read the password.
      if (written !== undefined) expect((fs.statSync(file).mode % 0o1000).toString(8)).toBe('600');
      expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      return { status: result.status, file: written, output: result.stdout + result.stderr };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  test.each(shells)('%s: writes "user" "password" with quotes doubled, never prints the password, rejects empty and multi-line passwords', (shell) => {
    const tricky = 'a"b""c $HOME `id` \\n %s \'q\'"';
    const ok = run(shell, tricky);
    expect(ok.status).toBe(0);
    expect(ok.file).toBe(`"pooler" "${tricky.replace(/"/g, '""')}"\n`);
    expect(ok.output).not.toContain(tricky);
    expect(run(shell, '').status).not.toBe(0);
    const newline = run(shell, 'secret\n');
    expect(newline.status).not.toBe(0);
    expect(newline.output).toContain('line break');
    expect(newline.file).toBeUndefined();
  });
});
