import * as fs from 'fs';
import * as path from 'path';
import { LOG_FORWARDER_LIVENESS, logForwarderScript } from '../../../src/monitoring/log-forwarder';
import { PostgresServer } from '../../harness/postgres';
import { runAsService, serviceTempDir, spawnAsService, waitFor } from '../../harness/processes';

/**
 * The log sidecar's script against PostgreSQL 15 logging as Spilo does (logging collector, files in
 * ../pg_log) with jsonlog: each log record reaches stdout as one JSON line, also after rotations.
 * The file name here changes every second so that pg_rotate_logfile() moves to a new file.
 */
describe('PostgreSQL logs on stdout as JSON lines', () => {
  let server: PostgresServer;
  let dir: string;
  let child: ReturnType<typeof spawnAsService>;
  const out = () => (fs.existsSync(path.join(dir, 'stdout')) ? fs.readFileSync(path.join(dir, 'stdout'), 'utf8') : '');
  const records = () => out().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));

  beforeAll(async () => {
    server = await PostgresServer.start({
      parameters: {
        logging_collector: 'on',
        log_destination: "'jsonlog'",
        log_directory: "'../pg_log'",
        log_filename: "'postgresql-%H%M%S.log'",
        log_file_mode: "'0644'",
        log_min_duration_statement: '0',
      },
    });
    dir = serviceTempDir('log-forwarder');
    await waitFor('current_logfiles', () => fs.existsSync(path.join(server.dataDir, 'current_logfiles')), 10_000);
    child = spawnAsService('/bin/sh', ['-c', logForwarderScript(1)], path.join(dir, 'stdout'), { env: { PGDATA: server.dataDir } });
    child.unref();
    await new Promise((resolve) => setTimeout(resolve, 1500));
  });

  afterAll(() => {
    if (child?.pid) process.kill(-child.pid, 'SIGTERM');
    server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('statements appear as JSON objects, one per line, multi-line statements included; after a rotation too', async () => {
    server.query("SELECT 'first-marker',\n  2");
    await waitFor('the first statement on stdout', () => out().includes('first-marker'), 15_000);
    const first = records().find((r) => String(r.message).includes('first-marker'));
    expect(first).toMatchObject({ user: 'postgres', dbname: 'postgres', error_severity: 'LOG' });
    expect(first.message).toContain("SELECT 'first-marker',\n  2");
    expect(typeof first.timestamp).toBe('string');

    const before = fs.readFileSync(path.join(server.dataDir, 'current_logfiles'), 'utf8');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    server.query('SELECT pg_rotate_logfile()');
    await waitFor('a new log file', () => fs.readFileSync(path.join(server.dataDir, 'current_logfiles'), 'utf8') !== before, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    server.query("SELECT 'after-rotation-marker'");
    await waitFor('the statement after the rotation on stdout', () => out().includes('after-rotation-marker'), 15_000);
    // Every line is one JSON record; none is printed twice.
    const messages = records().map((r) => r.message).filter((m) => String(m).includes('marker'));
    expect(messages.filter((m) => m.includes('first-marker'))).toHaveLength(1);
    expect(messages.filter((m) => m.includes('after-rotation-marker'))).toHaveLength(1);
  });

  test('the liveness probe passes while the forwarder follows the file (run like the kubelet, in its environment)', () => {
    expect(runAsService('/bin/sh', ['-c', LOG_FORWARDER_LIVENESS], { env: { PGDATA: server.dataDir } }).status).toBe(0);
    // With a log file named but nothing following it, the probe fails: nothing else runs tail here.
    const other = runAsService('/bin/sh', ['-c', LOG_FORWARDER_LIVENESS.replace('t[a]il', 'n[o]such-follower')], { env: { PGDATA: server.dataDir } });
    expect(other.status).not.toBe(0);
  });
});
