// Strict standard base64, as Go's encoding/base64 StdEncoding decodes the []byte fields of
// ConfigMap.binaryData and Secret.data (Buffer.from would silently skip bad characters).

const ALPHABET = /^[A-Za-z0-9+/]$/;

/** Go's `illegal base64 data at input byte N`, or undefined when `text` is valid padded base64. */
export function base64Problem(text: string): string | undefined {
  const s = text.replace(/[\r\n]/g, '');
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] ?? '';
    if (ch === '=') {
      if (i < s.length - 2 || /[^=]/.test(s.slice(i))) return `illegal base64 data at input byte ${i}`;
    } else if (!ALPHABET.test(ch)) return `illegal base64 data at input byte ${i}`;
  }
  if (s.length % 4 !== 0) return `illegal base64 data at input byte ${s.length - (s.length % 4)}`;
  return undefined;
}

/** The decoded bytes, or the problem. */
export function decodeBase64(text: string): { bytes: Buffer } | { problem: string } {
  const problem = base64Problem(text);
  return problem === undefined ? { bytes: Buffer.from(text, 'base64') } : { problem };
}
