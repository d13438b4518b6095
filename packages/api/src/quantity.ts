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

const BINARY_UNITS: readonly [string, number][] = ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'].map((s, i) => [s, 2 ** (60 - 10 * i)]);
const DECIMAL_UNITS: readonly [string, number][] = ['E', 'P', 'T', 'G', 'M', 'k'].map((s, i) => [s, 10 ** (18 - 3 * i)]);

/**
 * A resource amount written back as a quantity (what Quantity.String() usually shows): CPU (a
 * resource named `cpu` or `*.cpu`, in cores) as whole cores or millicores ("2", "250m"), anything
 * else in the largest unit that divides it exactly ("1536Mi", "2G", "3").
 */
export function formatQuantity(resource: string, value: number): string {
  if (resource === 'cpu' || resource.endsWith('.cpu')) {
    const millis = Math.round(value * 1000);
    return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
  }
  if (value === 0 || !Number.isInteger(value)) return String(value);
  const unit = [...BINARY_UNITS, ...DECIMAL_UNITS].find(([, size]) => value % size === 0);
  return unit ? `${value / unit[1]}${unit[0]}` : String(value);
}
