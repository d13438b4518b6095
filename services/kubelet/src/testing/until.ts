// Polls until `fn` gives a value (not undefined or false), or fails after `ms`: for tests that wait
// on something another task does, without sleeping a fixed time.

export async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, ms = 5_000, everyMs = 10): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
