// What changed between two versions of an object, for informer handlers that decide whom to wake.

import type { OwnerReference } from '@skiff/api';

export function labelsEqual(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  const x = a ?? {};
  const y = b ?? {};
  const kx = Object.keys(x);
  return kx.length === Object.keys(y).length && kx.every((k) => x[k] === y[k]);
}

/** Whether two controller references name the same owner (both absent counts as equal). */
export function controllerRefsEqual(a: Readonly<OwnerReference> | undefined, b: Readonly<OwnerReference> | undefined): boolean {
  if (!a || !b) return a === b;
  return a.uid === b.uid && a.name === b.name && a.kind === b.kind && a.apiVersion === b.apiVersion;
}
