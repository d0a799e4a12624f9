import * as fs from 'fs';
import * as https from 'https';

/** How a client authenticates: the admin's client certificate, or a bearer token (a ServiceAccount's). */
export type KubeCredentials =
  | { readonly kind: 'certificate'; readonly cert: string; readonly key: string }
  | { readonly kind: 'token'; readonly token: string };

export interface KubeResponse {
  readonly status: number;
  readonly body: any;
  readonly text: string;
  /** Warning headers (admission warnings, deprecations). */
  readonly warnings: string[];
}

/**
 * A small Kubernetes REST client for the harness (the fake kubelet, status writes, token requests):
 * JSON over HTTPS with the control plane's CA. Tests that act as a GitOps tool use kubectl instead.
 */
export class KubeClient {
  private readonly agent: https.Agent;

  constructor(public readonly server: string, caFile: string, public readonly credentials: KubeCredentials) {
    this.agent = new https.Agent({
      ca: fs.readFileSync(caFile),
      keepAlive: true,
      maxSockets: 8,
      ...credentials.kind === 'certificate' ? { cert: fs.readFileSync(credentials.cert), key: fs.readFileSync(credentials.key) } : {},
    });
  }

  /** One request; never throws on an HTTP error status (only when the server cannot be reached). */
  public request(method: string, path: string, body?: unknown, contentType = 'application/json', timeoutMs = 10_000): Promise<KubeResponse> {
    const url = new URL(path, this.server);
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (payload !== undefined) {
      headers['Content-Type'] = contentType;
      // Without a length Node sends a DELETE body chunked, and the API server ignores it (DeleteOptions lost).
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    if (this.credentials.kind === 'token') headers.Authorization = `Bearer ${this.credentials.token}`;
    return new Promise((resolve, reject) => {
      const request = https.request(url, { method, headers, agent: this.agent, timeout: timeoutMs }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: any;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          const warning = response.headers.warning;
          const warnings = warning === undefined ? [] : Array.isArray(warning) ? warning : [warning];
          resolve({ status: response.statusCode ?? 0, body: parsed, text, warnings });
        });
      });
      request.on('timeout', () => request.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)));
      request.on('error', reject);
      if (payload !== undefined) request.write(payload);
      request.end();
    });
  }

  /** Like request, but throws unless the status is 2xx (or one of `accept`). */
  public async expect(method: string, path: string, body?: unknown, options: { contentType?: string; accept?: number[] } = {}): Promise<any> {
    const response = await this.request(method, path, body, options.contentType);
    if ((response.status < 200 || response.status > 299) && !(options.accept ?? []).includes(response.status)) {
      throw new Error(`${method} ${path} -> ${response.status}: ${response.text.slice(0, 2000)}`);
    }
    return response.body;
  }

  public get(path: string): Promise<any> {
    return this.expect('GET', path);
  }

  /** Merge-patches an object (or its status subresource). */
  public mergePatch(path: string, patch: unknown): Promise<any> {
    return this.expect('PATCH', path, patch, { contentType: 'application/merge-patch+json' });
  }

  public close(): void {
    this.agent.destroy();
  }
}
