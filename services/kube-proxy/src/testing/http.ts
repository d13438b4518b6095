// A one-shot HTTP GET (new connection each time) for kube-proxy's tests.

import http from 'node:http';

export type GetResult = { ok: true; status: number; body: string } | { ok: false; code: string };

export function httpGet(host: string, port: number, path = '/', timeoutMs = 3000): Promise<GetResult> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ ok: true, status: res.statusCode ?? 0, body }));
      res.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, code: e.code ?? e.message }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, code: e.code ?? e.message }));
  });
}

/** demo-web's `GET /` names the pod's hostname: `hostname: <h>`. */
export function hostnameOf(body: string): string | undefined {
  return /hostname: (\S+)/.exec(body)?.[1];
}

export async function until<T>(what: string, check: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
