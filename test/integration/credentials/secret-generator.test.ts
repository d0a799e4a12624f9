import { execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { GeneratedSecretSpec, generatedSecretsProblems, SecretGeneratorScript } from '../../../src/credentials/secret-generator-script';
import { formatProblem } from '../../../src/private/validation';

/*
 * The secret generator script runs for real (python3) against a fake Kubernetes API server that
 * answers exactly the calls the script may make and records every request.
 */

const NAMESPACE = 'db';
const TOKEN = 'test-service-account-token-0123456789';
const PASSWORD = /^[A-Za-z0-9]{64}$/;
const SECRETS_PATH = `/api/v1/namespaces/${NAMESPACE}/secrets`;

interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly pathname: string;
  readonly query: URLSearchParams;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

interface Reply {
  readonly status: number;
  readonly body?: unknown;
}

/** Decides the answer to one request; undefined means "behave like the real API". */
type Override = (req: RecordedRequest, api: FakeApi) => Reply | undefined;

interface SecretObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  type: string;
  data: Record<string, string>;
}

function status(code: number, reason: string, message: string, name?: string): Reply {
  return {
    status: code,
    body: {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      details: name ? { name, kind: 'secrets' } : undefined,
      code,
    },
  };
}

function secretObject(name: string, username: string, password: string): SecretObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: NAMESPACE },
    type: 'Opaque',
    data: { username: b64(username), password: b64(password) },
  };
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function unb64(text: string): string {
  return Buffer.from(text, 'base64').toString('utf8');
}

/** A fake Kubernetes API: GET and POST of namespaced Secrets, bearer token checked. */
class FakeApi {
  public readonly secrets = new Map<string, SecretObject>();
  public readonly requests: RecordedRequest[] = [];
  public override?: Override;
  private server?: http.Server;

  public constructor(private readonly tls?: { key: string; cert: string }) {}

  public async start(): Promise<number> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://fake');
        const recorded: RecordedRequest = {
          method: req.method ?? '',
          url: req.url ?? '',
          pathname: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        this.requests.push(recorded);
        const reply = this.override?.(recorded, this) ?? this.answer(recorded);
        const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
        res.writeHead(reply.status, { 'Content-Type': 'application/json' });
        res.end(payload);
      });
    };
    this.server = this.tls ? https.createServer(this.tls, handler) : http.createServer(handler);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  public url(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${(this.server!.address() as net.AddressInfo).port}`;
  }

  public async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** What the real API server would answer. */
  public answer(req: RecordedRequest): Reply {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return status(401, 'Unauthorized', 'Unauthorized');
    const item = req.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/]+)$/);
    if (req.method === 'GET' && item && item[1] === NAMESPACE) {
      const found = this.secrets.get(item[2]);
      return found ? { status: 200, body: found } : status(404, 'NotFound', `secrets "${item[2]}" not found`, item[2]);
    }
    if (req.method === 'POST' && req.pathname === SECRETS_PATH) {
      const secret = JSON.parse(req.body) as SecretObject;
      const name = secret.metadata.name;
      if (this.secrets.has(name)) return status(409, 'AlreadyExists', `secrets "${name}" already exists`, name);
      this.secrets.set(name, secret);
      return { status: 201, body: secret };
    }
    return status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }

  /** Every password this API was ever sent in a POST body. */
  public postedPasswords(): string[] {
    return this.requests
      .filter((r) => r.method === 'POST')
      .map((r) => unb64((JSON.parse(r.body) as SecretObject).data.password));
  }

  public calls(): string[] {
    return this.requests.map((r) => `${r.method} ${r.pathname}`);
  }
}

interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgaas-secret-generator-'));
const scriptFile = path.join(workDir, SecretGeneratorScript.FILE_NAME);
let saDir: string;
let api: FakeApi;

beforeAll(() => {
  fs.writeFileSync(scriptFile, SecretGeneratorScript.render(), { mode: 0o644 });
});

afterAll(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

beforeEach(async () => {
  saDir = fs.mkdtempSync(path.join(workDir, 'sa-'));
  fs.writeFileSync(path.join(saDir, 'token'), `${TOKEN}\n`);
  fs.writeFileSync(path.join(saDir, 'namespace'), NAMESPACE);
  api = new FakeApi();
  await api.start();
});

afterEach(async () => {
  await api.stop();
  expectOnlyGetItemAndCreate(api);
});

/** Runs the script asynchronously (the fake API lives in this process) with a minimal environment. */
function runScript(env: Record<string, string | undefined>, python = 'python3'): Promise<RunResult> {
  const fullEnv: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    PGAAS_SA_DIR: saDir,
    PGAAS_API_URL: api.url(),
    PGAAS_RETRY_DELAY_SECONDS: '0',
  };
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete fullEnv[key];
    else fullEnv[key] = value;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(python, [scriptFile], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function secretsEnv(specs: GeneratedSecretSpec[]): string {
  return SecretGeneratorScript.secretsEnvValue(specs);
}

/** Neither the token nor any password sent to the API (plain or base64) appears in the output. */
function expectNoLeak(result: RunResult, fake: FakeApi = api): void {
  const output = result.stdout + result.stderr;
  expect(output).not.toContain(TOKEN);
  for (const password of fake.postedPasswords()) {
    expect(output).not.toContain(password);
    expect(output).not.toContain(b64(password));
  }
  for (const secret of fake.secrets.values()) {
    expect(output).not.toContain(secret.data.password);
    expect(output).not.toContain(unb64(secret.data.password));
  }
}

/** The script never changes or deletes anything and never lists secrets. */
function expectOnlyGetItemAndCreate(fake: FakeApi = api): void {
  for (const req of fake.requests) {
    if (req.method === 'GET') {expect(req.pathname).toMatch(/^\/api\/v1\/namespaces\/db\/secrets\/[^/]+$/);} else {
      expect(req.method).toBe('POST');
      expect(req.pathname).toBe(SECRETS_PATH);
    }
  }
}

const APP: GeneratedSecretSpec = {
  name: 'orders.app.credentials',
  username: 'app',
  labels: { 'app.kubernetes.io/name': 'orders', 'app.kubernetes.io/component': 'credentials' },
  annotations: { 'pgaas.io/role': 'app' },
};
const ADMIN: GeneratedSecretSpec = { name: 'orders-postgres-credentials', username: 'postgres' };

describe('script source', () => {
  test('compiles with python3 and parses as Python 3.8', () => {
    const compiled = spawnSync('python3', ['-m', 'py_compile', scriptFile], { encoding: 'utf8' });
    expect(compiled.stderr).toBe('');
    expect(compiled.status).toBe(0);
    const parsed = spawnSync('python3', ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read(), feature_version=(3, 8))', scriptFile], { encoding: 'utf8' });
    expect(parsed.stderr).toBe('');
    expect(parsed.status).toBe(0);
  });

  test('keeps Python backslashes and is a standalone stdlib-only script', () => {
    const source = SecretGeneratorScript.render();
    expect(source).toBe(SecretGeneratorScript.SOURCE);
    expect(source.startsWith('#!/usr/bin/env python3\n"""')).toBe(true);
    expect(source).toContain('"\\x00"');
    expect(source).toContain('(\\.[a-z0-9]');
    const imports = [...source.matchAll(/^(?:import (\S+)|from (\S+) import)/gm)].map((m) => (m[1] ?? m[2]).split('.')[0]);
    expect(new Set(imports)).toEqual(new Set(['base64', 'http', 'json', 'os', 're', 'secrets', 'socket', 'ssl', 'string', 'subprocess', 'sys', 'time', 'urllib']));
  });
});

describe('creating missing secrets', () => {
  test('POSTs a valid v1 Secret per missing secret, with a fresh 64-character password', async () => {
    const result = await runScript({ PGAAS_CREDENTIAL_SPECS: secretsEnv([APP, ADMIN]) });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(api.calls()).toEqual([
      `GET ${SECRETS_PATH}/orders.app.credentials`,
      `POST ${SECRETS_PATH}`,
      `GET ${SECRETS_PATH}/orders-postgres-credentials`,
      `POST ${SECRETS_PATH}`,
    ]);
    for (const req of api.requests) {
      expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(req.headers.accept).toBe('application/json');
    }
    const posts = api.requests.filter((r) => r.method === 'POST');
    for (const post of posts) {
      expect(post.headers['content-type']).toBe('application/json');
      expect(post.query.get('fieldManager')).toBe('cdk8s-pgaas-secret-generator');
    }

    const [app, admin] = posts.map((p) => JSON.parse(p.body) as SecretObject);
    expect(app).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'orders.app.credentials', namespace: NAMESPACE, labels: APP.labels, annotations: APP.annotations },
      type: 'Opaque',
      data: { username: expect.any(String), password: expect.any(String) },
    });
    expect(admin.metadata).toEqual({ name: 'orders-postgres-credentials', namespace: NAMESPACE });
    expect(Object.keys(admin.data).sort()).toEqual([SecretGeneratorScript.PASSWORD_KEY, SecretGeneratorScript.USERNAME_KEY]);
    expect(unb64(app.data.username)).toBe('app');
    expect(unb64(admin.data.username)).toBe('postgres');

    const passwords = api.postedPasswords();
    expect(passwords).toHaveLength(2);
    for (const password of passwords) {
      expect(password).toHaveLength(SecretGeneratorScript.PASSWORD_LENGTH);
      expect(password).toMatch(PASSWORD);
    }
    expect(passwords[0]).not.toBe(passwords[1]);
    expect(api.secrets.size).toBe(2);
    expect(result.stdout).toContain("secret 'orders.app.credentials' in namespace 'db': created");
    expect(result.stdout).toContain('all 2 secret(s) exist');
    expectNoLeak(result);
  });

  test('draws a different password on every run', async () => {
    const seen = new Set<string>();
    for (let run = 0; run < 3; run++) {
      const fresh = new FakeApi();
      await fresh.start();
      try {
        const result = await runScript({ PGAAS_CREDENTIAL_SPECS: secretsEnv([ADMIN]), PGAAS_API_URL: fresh.url() });
        expect(result.code).toBe(0);
        expectNoLeak(result, fresh);
        for (const password of fresh.postedPasswords()) seen.add(password);
      } finally {
        await fresh.stop();
      }
    }
    expect(seen.size).toBe(3);
  });

  test('takes the namespace from PGAAS_NAMESPACE over the service account file', async () => {
    fs.writeFileSync(path.join(saDir, 'namespace'), 'elsewhere');
    const result = await runScript({ PGAAS_CREDENTIAL_SPECS: secretsEnv([ADMIN]), PGAAS_NAMESPACE: NAMESPACE });
    expect(result.code).toBe(0);
    expect(api.calls()).toEqual([`GET ${SECRETS_PATH}/orders-postgres-credentials`, `POST ${SECRETS_PATH}`]);
  });
});

describe('existing secrets', () => {
  test('are left untouched: GET only, never a write', async () => {
    const appSecret = secretObject(APP.name, 'app', 'KeepMe0KeepMe0KeepMe0');
    const adminSecret = secretObject(ADMIN.name, 'postgres', 'AdminPass0AdminPass0');
    api.secrets.set(APP.name, appSecret);
    api.secrets.set(ADMIN.name, adminSecret);
    const before = JSON.stringify([...api.secrets.entries()]);

    const result = await runScript({ PGAAS_CREDENTIAL_SPECS: secretsEnv([APP, ADMIN]) });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(api.requests.map((r) => r.method)).toEqual(['GET', 'GET']);
    expect(JSON.stringify([...api.secrets.entries()])).toBe(before);
    expect(result.stdout).toContain("secret 'orders.app.credentials' in namespace 'db': exists, left untouched");
    expect(result.stdout).toContain("secret 'orders-postgres-credentials' in namespace 'db': exists, left untouched");
    expectNoLeak(result);
  });

  test('a second run never regenerates what the first run created', async () => {
    const first = await runScript({ PGAAS_CREDENTIAL_SPECS: secretsEnv([APP, ADMIN]) });
    expect(first.code).toBe(0);
    const created = JSON.stringify([...api.secrets.entries()]);
    const firstCalls = api.requests.length;

    const second = await runScript({ PGAAS_CREDENTIAL_SPECS: secretsEnv([APP, ADMIN]) });
    expect(second.code).toBe(0);
    expect(api.requests.slice(firstCalls).map((r) => r.method)).toEqual(['GET', 'GET']);
    expect(JSON.stringify([...api.secrets.entries()])).toBe(created);
    expectOnlyGetItemAndCreate();
    expectNoLeak(first);
    expectNoLeak(second);
  });

  test('creates only the missing ones of a mixed list', async () => {
    api.secrets.set(ADMIN.name, secretObject(ADMIN.name, 'postgres', 'AdminPass0AdminPass0'));
    const result = await runScript({ PGAAS_CREDENTIAL_SPECS: secretsEnv([APP, ADMIN]) });
    expect(result.code).toBe(0);
    expect(api.calls()).toEqual([
      `GET ${SECRETS_PATH}/orders.app.credentials`,
      `POST ${SECRETS_PATH}`,
      `GET ${SECRETS_PATH}/orders-postgres-credentials`,
    ]);
    expect(unb64(api.secrets.get(ADMIN.name)!.data.password)).toBe('AdminPass0AdminPass0');
    expectNoLeak(result);
  });
});

describe('races', () => {
  test('409 AlreadyExists on create is success, and the winner\'s password is kept', async () => {
    const winner = secretObject(ADMIN.name, 'postgres', 'WinnerPassword0WinnerPassword0');
    api.override = (req, fake) => {
      if (req.method !== 'POST') return undefined;
      fake.secrets.set(ADMIN.name, winner); // another run created it between our GET and our POST
      return undefined; // the real behaviour now answers 409
    };
    const result = await runScript({ PGAAS_CREDENTIAL_SPECS: secretsEnv([ADMIN]) });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(api.calls()).toEqual([
      `GET ${SECRETS_PATH}/orders-postgres-credentials`,
      `POST ${SECRETS_PATH}`,
      `GET ${SECRETS_PATH}/orders-postgres-credentials`,
    ]);
    expect(api.secrets.get(ADMIN.name)).toBe(winner);
    expect(result.stdout).toContain('already created concurrently by another run (409 on create), left untouched');
    expectNoLeak(result);
  });

  test('409 that cannot be confirmed by a GET is a failure', async () => {
    api.override = (req) => {
      if (req.method === 'POST') return status(409, 'AlreadyExists', `secrets "${ADMIN.name}" already exists`, ADMIN.name);
      return undefined; // GET keeps answering 404
    };
    const result = await runScript({ PGAAS_CREDENTIAL_SPECS: secretsEnv([ADMIN]) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("secret 'orders-postgres-credentials'");
    expect(result.stderr).toContain('answered 409 but the secret cannot be read back');
    expectNoLeak(result);
  });
});

describe('failures are loud', () => {
  test('401: wrong token, no retry', async () => {
    fs.writeFileSync(path.join(saDir, 'token'), 'expired-token');
    const result = await runScript({ PGAAS_CREDENTIAL_SPECS: secretsEnv([ADMIN]), PGAAS_RETRY_ATTEMPTS: '4' });
    expect(result.code).toBe(1);
    expect(api.calls()).toEqual([`GET ${SECRETS_PATH}/orders-postgres-credentials`]);
    expect(result.stderr).toContain("ERROR: secret 'orders-postgres-credentials' in namespace 'db'");
    expect(result.stderr).toContain('HTTP 401 Unauthorized: Unauthorized');
    expect(result.stdout + result.stderr).not.toContain('expired-token');
    expectNoLeak(result);
  });

  test('403 on create (RBAC), no retry, with the API message', async () => {
    const message = 'secrets is forbidden: User "system:serviceaccount:db:orders-secrets" cannot create resource "secrets" in API group "" in the namespace "db"';
    api.override = (req) => (req.method === 'POST' ? status(403, 'Forbidden', message) : undefined);
    const result = await runScript({ PGAAS_CREDENTIAL_SPECS: secretsEnv([ADMIN]), PGAAS_RETRY_ATTEMPTS: '4' });
    expect(result.code).toBe(1);
    expect(api.calls()).toEqual([`GET ${SECRETS_PATH}/orders-postgres-credentials`, `POST ${SECRETS_PATH}`]);
    expect(result.stderr).toContain("ERROR: secret 'orders-postgres-credentials' in namespace 'db'");
    expect(result.stderr).toContain(`HTTP 403 Forbidden: Forbidden: ${message}`);
    expect(result.stderr).toContain('1 of 1 secret(s) could not be ensured: orders-postgres-credentials');
    expectNoLeak(result);
  });

  test('403 on get (resourceNames not granted)', async () => {
    const message = 'secrets "orders-postgres-credentials" is forbidden: User "system:serviceaccount:db:orders-secrets" cannot get resource "secrets"';
    api.override = () => status(403, 'Forbidden', message);
    const result = await runScript({ PGAAS_CREDENTIAL_SPECS: secretsEnv([ADMIN]) });
    expect(result.code).toBe(1);
    expect(api.calls()).toEqual([`GET ${SECRETS_PATH}/orders-postgres-credentials`]);
    expect(result.stderr).toContain("secret 'orders-postgres-credentials'");
    expect(result.stderr).toContain(`HTTP 403 Forbidden: Forbidden: ${message}`);
  });

  test('500 on create: retried a bounded number of times, then fails; the password never leaks', async () => {
    api.override = (req) => {
      if (req.method !== 'POST') return undefined;
      // An API that echoes what it got must not make the script print the password.
      const password = unb64((JSON.parse(req.body) as SecretObject).data.password);
      return status(500, 'InternalError', `etcdserver: request timed out while writing ${password}`);
    };
    const result = await runScript({ PGAAS_CREDENTIAL_SPECS: secretsEnv([ADMIN]), PGAAS_RETRY_ATTEMPTS: '3' });
    expect(result.code).toBe(1);
    expect(api.calls()).toEqual([
      `GET ${SECRETS_PATH}/orders-postgres-credentials`,
      `POST ${SECRETS_PATH}`,
      `POST ${SECRETS_PATH}`,
      `POST ${SECRETS_PATH}`,
    ]);
    expect(new Set(api.postedPasswords()).size).toBe(1); // retries resend the same body
    expect(result.stdout).toContain('retrying in 0.0s (attempt 2 of 3)');
    expect(result.stderr).toContain("ERROR: secret 'orders-postgres-credentials' in namespace 'db'");
    expect(result.stderr).toContain('failed after 3 attempt(s): HTTP 500 Internal Server Error: InternalError: etcdserver: request timed out while writing <redacted>');
    expectNoLeak(result);
  });

  test('422 from the API: its message is shown with the password masked', async () => {
    api.override = (req) => {
      if (req.method !== 'POST') return undefined;
      const encoded = (JSON.parse(req.body) as SecretObject).data.password;
      return status(422, 'Invalid', `Secret "x" is invalid: data[password]: Invalid value: "${encoded}" / "${unb64(encoded)}"`);
    };
    const result = await runScript({ PGAAS_CREDENTIAL_SPECS: secretsEnv([ADMIN]) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('HTTP 422 Unprocessable Entity: Invalid: Secret "x" is invalid: data[password]: Invalid value: "<redacted>" / "<redacted>"');
    expectNoLeak(result);
  });

  test('transient 429 and 503 are retried, then it goes on', async () => {
    let failures = 2;
    api.override = (req) => {
      if (req.method === 'GET' && failures > 0) {
        failures--;
        return failures === 1 ? status(429, 'TooManyRequests', 'slow down') : { status: 503, body: 'upstream connect error' };
      }
      return undefined;
    };
    const result = await runScript({ PGAAS_CREDENTIAL_SPECS: secretsEnv([ADMIN]), PGAAS_RETRY_ATTEMPTS: '3' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(api.calls()).toEqual([
      `GET ${SECRETS_PATH}/orders-postgres-credentials`,
      `GET ${SECRETS_PATH}/orders-postgres-credentials`,
      `GET ${SECRETS_PATH}/orders-postgres-credentials`,
      `POST ${SECRETS_PATH}`,
    ]);
    expect(api.secrets.size).toBe(1);
    expectNoLeak(result);
  });

  test('a 404 that is not the API\'s NotFound Status (wrong URL) does not send a password', async () => {
    api.override = () => ({ status: 404, body: '404 page not found' });
    const result = await runScript({ PGAAS_CREDENTIAL_SPECS: secretsEnv([ADMIN]) });
    expect(result.code).toBe(1);
    expect(api.calls()).toEqual([`GET ${SECRETS_PATH}/orders-postgres-credentials`]);
    expect(result.stderr).toContain('HTTP 404 Not Found: "404 page not found"');
  });

  test('one failing secret does not stop the others, but the exit code is non-zero', async () => {
    api.override = (req) =>
      req.method === 'GET' && req.pathname.endsWith('/orders.app.credentials') ? status(403, 'Forbidden', 'nope') : undefined;
    const result = await runScript({ PGAAS_CREDENTIAL_SPECS: secretsEnv([APP, ADMIN]) });
    expect(result.code).toBe(1);
    expect([...api.secrets.keys()]).toEqual([ADMIN.name]);
    expect(result.stderr).toContain("secret 'orders.app.credentials'");
    expect(result.stderr).toContain('1 of 2 secret(s) could not be ensured: orders.app.credentials');
    expectNoLeak(result);
  });

  test('an unreachable API fails after the retries', async () => {
    const closed = new FakeApi();
    await closed.start();
    const url = closed.url();
    await closed.stop();
    const result = await runScript({ PGAAS_CREDENTIAL_SPECS: secretsEnv([APP, ADMIN]), PGAAS_API_URL: url, PGAAS_RETRY_ATTEMPTS: '2' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`ERROR: secret 'orders.app.credentials' in namespace 'db': GET ${SECRETS_PATH}/orders.app.credentials failed after 2 attempt(s): cannot reach ${url}`);
    expect(result.stderr).toContain('Connection refused');
    expect(result.stdout).toContain('retrying in 0.0s (attempt 2 of 2)');
    expect(result.stderr).toContain('2 of 2 secret(s) could not be ensured');
  });

  test.each([
    ['no PGAAS_CREDENTIAL_SPECS', { PGAAS_CREDENTIAL_SPECS: undefined }, 'PGAAS_CREDENTIAL_SPECS is not set'],
    ['invalid JSON', { PGAAS_CREDENTIAL_SPECS: '[{' }, 'PGAAS_CREDENTIAL_SPECS is not valid JSON'],
    ['an empty list', { PGAAS_CREDENTIAL_SPECS: '[]' }, 'must be a non-empty JSON list'],
    ['an unknown key', { PGAAS_CREDENTIAL_SPECS: '[{"name": "a", "username": "b", "label": {}}]' }, 'unknown keys: label'],
    ['a bad name', { PGAAS_CREDENTIAL_SPECS: '[{"name": "Bad_Name", "username": "b"}]' }, 'DNS-1123 subdomain'],
    ['a duplicate', { PGAAS_CREDENTIAL_SPECS: '[{"name": "a", "username": "b"}, {"name": "a", "username": "c"}]' }, "lists secret 'a' twice"],
    ['a long username', { PGAAS_CREDENTIAL_SPECS: JSON.stringify([{ name: 'a', username: 'u'.repeat(64) }]) }, 'role name of 1 to 63 bytes'],
    ['a non-string label', { PGAAS_CREDENTIAL_SPECS: '[{"name": "a", "username": "b", "labels": {"x": 1}}]' }, 'must be an object of strings'],
    ['no API URL outside a pod', { PGAAS_CREDENTIAL_SPECS: '[{"name": "a", "username": "b"}]', PGAAS_API_URL: undefined }, 'neither PGAAS_API_URL nor KUBERNETES_SERVICE_HOST is set'],
  ])('bad configuration (%s) exits 2 before any call', async (_what, env, message) => {
    const result = await runScript(env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(api.requests).toHaveLength(0);
  });

  test('a missing service account token exits 2 before any call', async () => {
    fs.rmSync(path.join(saDir, 'token'));
    const result = await runScript({ PGAAS_CREDENTIAL_SPECS: secretsEnv([ADMIN]) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`cannot read the service account token at ${path.join(saDir, 'token')}`);
    expect(api.requests).toHaveLength(0);
  });
});

describe('in-cluster TLS', () => {
  let tlsDir: string;
  let tls: { key: string; cert: string };

  beforeAll(() => {
    tlsDir = fs.mkdtempSync(path.join(workDir, 'tls-'));
    const cert = (name: string, ip: string) => {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
        '-keyout', path.join(tlsDir, `${name}.key`), '-out', path.join(tlsDir, `${name}.crt`),
        '-subj', '/CN=kubernetes', '-addext', `subjectAltName=IP:${ip}`,
      ], { stdio: 'ignore' });
    };
    cert('apiserver', '127.0.0.1');
    cert('other', '127.0.0.1');
    tls = {
      key: fs.readFileSync(path.join(tlsDir, 'apiserver.key'), 'utf8'),
      cert: fs.readFileSync(path.join(tlsDir, 'apiserver.crt'), 'utf8'),
    };
  });

  test('defaults to https://KUBERNETES_SERVICE_HOST:KUBERNETES_SERVICE_PORT verified with ca.crt', async () => {
    const secure = new FakeApi(tls);
    const port = await secure.start();
    try {
      fs.copyFileSync(path.join(tlsDir, 'apiserver.crt'), path.join(saDir, 'ca.crt'));
      const result = await runScript({
        PGAAS_CREDENTIAL_SPECS: secretsEnv([ADMIN]),
        PGAAS_API_URL: undefined,
        KUBERNETES_SERVICE_HOST: '127.0.0.1',
        KUBERNETES_SERVICE_PORT: String(port),
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`via https://127.0.0.1:${port}`);
      expect(secure.calls()).toEqual([`GET ${SECRETS_PATH}/orders-postgres-credentials`, `POST ${SECRETS_PATH}`]);
      expect(secure.postedPasswords()[0]).toMatch(PASSWORD);
      expectNoLeak(result, secure);
    } finally {
      await secure.stop();
    }
  });

  test('an untrusted API certificate fails at once, before a token or password is sent', async () => {
    const secure = new FakeApi(tls);
    const port = await secure.start();
    try {
      fs.copyFileSync(path.join(tlsDir, 'other.crt'), path.join(saDir, 'ca.crt'));
      const result = await runScript({
        PGAAS_CREDENTIAL_SPECS: secretsEnv([ADMIN]),
        PGAAS_API_URL: undefined,
        PGAAS_RETRY_ATTEMPTS: '5',
        KUBERNETES_SERVICE_HOST: '127.0.0.1',
        KUBERNETES_SERVICE_PORT: String(port),
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("secret 'orders-postgres-credentials'");
      expect(result.stderr).toContain(`TLS certificate of https://127.0.0.1:${port} not trusted`);
      expect(result.stdout).not.toContain('retrying');
      expect(secure.requests).toHaveLength(0);
    } finally {
      await secure.stop();
    }
  });
});

describe('older Pythons (Spilo ships 3.10; the floor is 3.8)', () => {
  // pyenv interpreters where this machine has them; python3 above always runs.
  const candidates = ['3.8', '3.10'].flatMap((minor) => {
    const root = path.join(os.homedir(), '.pyenv', 'versions');
    if (!fs.existsSync(root)) return [];
    return fs.readdirSync(root)
      .filter((v) => v.startsWith(`${minor}.`))
      .map((v) => path.join(root, v, 'bin', 'python3'))
      .filter((p) => fs.existsSync(p))
      .slice(0, 1);
  });
  const cases = candidates.length > 0 ? candidates : ['python3'];

  test.each(cases)('%s: creates, keeps and survives a 409', async (python) => {
    const first = await runScript({ PGAAS_CREDENTIAL_SPECS: secretsEnv([APP, ADMIN]) }, python);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const second = await runScript({ PGAAS_CREDENTIAL_SPECS: secretsEnv([APP, ADMIN]) }, python);
    expect(second.code).toBe(0);
    expect(api.requests.map((r) => r.method)).toEqual(['GET', 'POST', 'GET', 'POST', 'GET', 'GET']);
    for (const password of api.postedPasswords()) expect(password).toMatch(PASSWORD);
    expectNoLeak(first);
    expectNoLeak(second);
  });
});

describe('SecretGeneratorScript.secretsEnvValue and generatedSecretsProblems', () => {
  test('renders the JSON shape the script reads, omitting empty maps', () => {
    expect(JSON.parse(SecretGeneratorScript.secretsEnvValue([APP, { ...ADMIN, labels: {} }]))).toEqual([
      { name: APP.name, username: 'app', labels: APP.labels, annotations: APP.annotations },
      { name: ADMIN.name, username: 'postgres' },
    ]);
  });

  test.each([
    ['no secrets', [], 'at least one secret'],
    ['an upper case name', [{ name: 'Upper', username: 'x' }], 'not a DNS-1123 subdomain'],
    ['a name ending in -', [{ name: 'a-', username: 'x' }], 'not a DNS-1123 subdomain'],
    ['a 254-character name', [{ name: 'a'.repeat(254), username: 'x' }], 'not a DNS-1123 subdomain'],
    ['a duplicate', [{ name: 'a', username: 'x' }, { name: 'a', username: 'y' }], 'listed twice'],
    ['an empty username', [{ name: 'a', username: '' }], '1 to 63 bytes'],
    ['a 64-byte username', [{ name: 'a', username: 'é'.repeat(32) }], '1 to 63 bytes'],
  ])('rejects %s', (_what, specs, message) => {
    expect(generatedSecretsProblems(specs as GeneratedSecretSpec[]).map(formatProblem).join('\n')).toContain(message);
  });

  test('agrees with the script on which names are valid', async () => {
    const names = ['a', 'a.b', 'a-b.c-d', '0x', 'a..b', '.a', 'a.', '-a', 'A', 'a_b', 'a'.repeat(253), 'a'.repeat(254)];
    const script = `
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("gen", sys.argv[1])
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)
ok = []
for name in json.loads(sys.argv[2]):
    try:
        gen.parse_specs(json.dumps([{"name": name, "username": "u"}]))
        ok.append(True)
    except gen.ConfigError:
        ok.append(False)
print(json.dumps(ok))
`;
    const out = execFileSync('python3', ['-c', script, scriptFile, JSON.stringify(names)], { encoding: 'utf8' });
    const pythonSays = JSON.parse(out) as boolean[];
    const typescriptSays = names.map((name) => generatedSecretsProblems([{ name, username: 'u' }]).length === 0);
    expect(typescriptSays).toEqual(pythonSays);
    expect(pythonSays).toEqual([true, true, true, true, false, false, false, false, false, false, true, false]);
  });
});
