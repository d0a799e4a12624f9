import { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { ensureDebianPackages } from './debian';
import { freePort, serviceTempDir, spawnAsService, waitFor } from './processes';

/** One sample of the Prometheus text format. */
export interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Parses the Prometheus text exposition format (what every exporter here serves). */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (match[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: match[1], labels, value: Number(match[4]) });
  }
  return samples;
}

/** Every metric name a PromQL expression refers to (identifiers followed by a selector, a range or an operator). */
export function metricNamesIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const keywords = new Set(['sum', 'max', 'min', 'by', 'and', 'or', 'unless', 'offset', 'increase', 'predict_linear', 'time', 'changes', 'rate', 'avg', 'count', 'without', 'on', 'ignoring']);
  return [...new Set([...withoutStrings.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*\{)/g)].map((m) => m[0]).filter((n) => !keywords.has(n)))];
}

/** GET of a URL's body (status 200 only). */
export async function httpGet(url: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url}: ${res.statusCode} ${body}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timeout`)));
    req.on('error', reject);
  });
}

/**
 * An exporter (a Debian package, or a binary built by the harness when `pkg` is empty) run as the service user with the container's
 * own args and env, except the listen address (127.0.0.1 and a free port) and files the harness places.
 */
export class ExporterProcess {
  public static async start(binary: string, pkg: string, args: string[], env: Record<string, string>): Promise<ExporterProcess> {
    if (pkg !== '') ensureDebianPackages([pkg]);
    const dir = serviceTempDir('exporter');
    const port = await freePort();
    const log = path.join(dir, 'exporter.log');
    const listen = args.map((a) => a.replace(/^--web\.listen-address=.*$/, `--web.listen-address=127.0.0.1:${port}`));
    if (!listen.some((a) => a.includes(`127.0.0.1:${port}`))) throw new Error(`the exporter's args set no --web.listen-address: ${args.join(' ')}`);
    const child = spawnAsService(binary, listen, log, { env, cwd: dir });
    child.unref();
    const exporter = new ExporterProcess(dir, port, child, log);
    await waitFor(`the exporter to listen on ${port}`, async () => {
      if (child.exitCode !== null) throw new Error(`the exporter exited (${child.exitCode}):\n${exporter.log()}`);
      return httpGet(`http://127.0.0.1:${port}/`).then(() => true, () => false);
    }, 20_000);
    return exporter;
  }

  private constructor(
    public readonly dir: string, public readonly port: number, private readonly child: ChildProcess, private readonly logFile: string,
  ) {}

  public async scrape(): Promise<{ text: string; samples: Sample[] }> {
    const text = await httpGet(`http://127.0.0.1:${this.port}/metrics`);
    return { text, samples: parseMetrics(text) };
  }

  public log(): string {
    return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
  }

  public stop(): void {
    if (this.child.exitCode === null && this.child.pid !== undefined) {
      try {
        process.kill(-this.child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
