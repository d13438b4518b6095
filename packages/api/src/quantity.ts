// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource): "100m", "0.5", "2",
// "128Mi", "1G", "1e3". Parsed to numbers in base units (cores for CPU, bytes for memory).

const SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?)$/;

/** Returns the quantity in base units, or undefined when it does not parse. */
export function parseQuantity(text: string | number | undefined): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) ? text : undefined;
  if (text === undefined) return undefined;
  const m = QUANTITY.exec(text.trim());
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2] !== undefined) return base * 10 ** Number(m[2].slice(1));
  return base * (SUFFIX[m[3] ?? ''] ?? 1);
}

/** CPU in millicores, rounded up as Kubernetes does ("0.1" → 100, "1" → 1000). */
export function cpuMillis(text: string | undefined): number {
  const v = parseQuantity(text);
  return v === undefined ? 0 : Math.ceil(v * 1000 - 1e-9);
}

/** Memory in bytes. */
export function memoryBytes(text: string | undefined): number {
  const v = parseQuantity(text);
  return v === undefined ? 0 : Math.ceil(v);
}

/** Formats bytes the way kubectl shows capacity ("16318412Ki" style is avoided: plain Ki). */
export function formatMemory(bytes: number): string {
  return `${Math.floor(bytes / 1024)}Ki`;
}
