// The controllers this controller-manager can run, and the `--controllers` flag that picks them,
// with kube-controller-manager's syntax: `*` turns on every controller that is on by default,
// `name` turns one on, `-name` turns one off.

export const KNOWN_CONTROLLERS = [
  'replicaset',
  'deployment',
  'namespace',
  'garbagecollector',
  'nodelifecycle',
  'disruption',
  // Networking (issue 5): Kubernetes' names, and Skiff's own load-balancer controller.
  'endpoint',
  'endpointslice',
  'endpointslicemirroring',
  'nodeipam',
  'service-lb-controller',
] as const;
export type ControllerName = (typeof KNOWN_CONTROLLERS)[number];

function isKnown(name: string): name is ControllerName {
  return (KNOWN_CONTROLLERS as readonly string[]).includes(name);
}

/** Resolves `--controllers` (comma-separated) to the controllers to run; unknown names throw. */
export function enabledControllers(spec: string | readonly string[]): ControllerName[] {
  const items = (typeof spec === 'string' ? spec.split(',') : spec).map((s) => s.trim()).filter((s) => s !== '');
  const on = new Set<ControllerName>();
  const off = new Set<ControllerName>();
  let star = false;
  for (const item of items) {
    if (item === '*') {
      star = true;
      continue;
    }
    const name = item.startsWith('-') ? item.slice(1) : item;
    if (!isKnown(name)) {
      throw new Error(`"${name}" is not in the list of known controllers (${KNOWN_CONTROLLERS.join(', ')})`);
    }
    (item.startsWith('-') ? off : on).add(name);
  }
  return KNOWN_CONTROLLERS.filter((n) => !off.has(n) && (star || on.has(n)));
}
