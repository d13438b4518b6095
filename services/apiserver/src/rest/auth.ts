// Bearer tokens from Kubernetes' static token file (--token-auth-file): a CSV with at least three
// columns, `token,user,uid[,"group1,group2"]` (staging/src/k8s.io/apiserver/plugin/pkg/authenticator/token/tokenfile).

import { readFileSync } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface UserInfo {
  name: string;
  uid: string;
  groups: string[];
}

/** Splits one CSV line; double quotes group commas, `""` is a quote. */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((f) => f.trim());
}

export class TokenAuthenticator {
  private constructor(private readonly tokens: ReadonlyMap<string, UserInfo>) {}

  static parse(text: string, source = 'token file'): TokenAuthenticator {
    const tokens = new Map<string, UserInfo>();
    text.split(/\r?\n/).forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const f = csvFields(line);
      const [token, name, uid, groups] = f;
      if (f.length < 3 || !token || !name) throw new Error(`${source}, line ${i + 1}: want token,user,uid[,"group1,group2"]`);
      if (tokens.has(token)) throw new Error(`${source}, line ${i + 1}: duplicate token`);
      tokens.set(token, { name, uid: uid ?? '', groups: groups ? groups.split(',').map((g) => g.trim()).filter((g) => g !== '') : [] });
    });
    return new TokenAuthenticator(tokens);
  }

  static fromFile(file: string): TokenAuthenticator {
    return TokenAuthenticator.parse(readFileSync(file, 'utf8'), file);
  }

  /** The user of the request's `Authorization: Bearer <token>`, or undefined. */
  authenticate(req: IncomingMessage): UserInfo | undefined {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m?.[1]) return undefined;
    const given = Buffer.from(m[1]);
    for (const [token, user] of this.tokens) {
      const want = Buffer.from(token);
      if (want.length === given.length && timingSafeEqual(want, given)) return user;
    }
    return undefined;
  }
}
