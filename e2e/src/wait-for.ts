// Poll-with-deadline: the only way the suites wait. A condition returns a truthy value when met;
// returning a falsy value or throwing means "not yet". On timeout the error names what was awaited
// and the last thing seen, so a failure reads as a diagnosis rather than "timed out".

export interface WaitOptions {
  timeoutMs: number;
  /** What is awaited, for the timeout message: "3 web pods Running". */
  what: string;
  intervalMs?: number;
}

function describe(v: unknown): string {
  if (v instanceof Error) return v.message;
  if (typeof v === 'string') return v;
  try {
    const s = JSON.stringify(v);
    return s.length > 2000 ? `${s.slice(0, 2000)}…` : s;
  } catch {
    return String(v);
  }
}

export class WaitTimeoutError extends Error {
  constructor(what: string, timeoutMs: number, last: unknown) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${describe(last)}`);
    this.name = 'WaitTimeoutError';
  }
}

export async function waitFor<T>(cond: () => T | Promise<T>, opts: WaitOptions): Promise<NonNullable<T>> {
  const end = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 250;
  let last: unknown = 'nothing yet';
  for (;;) {
    try {
      const v = await cond();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= end) throw new WaitTimeoutError(opts.what, opts.timeoutMs, last);
    await new Promise((r) => setTimeout(r, Math.min(interval, Math.max(0, end - Date.now()))));
  }
}
