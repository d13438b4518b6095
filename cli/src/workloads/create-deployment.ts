// The Deployment `create deployment` makes, as kubectl's generator does
// (k8s.io/kubectl/pkg/cmd/create/create_deployment.go): labels and selector `app: NAME`, one
// container per image named after the image's last path segment without tag or digest.

import type { Container, Deployment } from '@skiff/api';

export interface CreateDeploymentOptions {
  name: string;
  images: readonly string[];
  replicas: number;
  /** The first container's port; negative: none. */
  port: number;
  command: readonly string[];
  /** Set on the object only when the namespace was given explicitly (-n), as kubectl does. */
  namespace?: string;
}

const RAND_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** k8s.io/apimachinery/pkg/util/rand.String: letters and digits that cannot spell words. */
export function randomSuffix(n: number, random: () => number = Math.random): string {
  let s = '';
  for (let i = 0; i < n; i++) s += RAND_ALPHABET[Math.floor(random() * RAND_ALPHABET.length)] ?? 'x';
  return s;
}

/** `skiff/demo-web:v1` → `demo-web`; names with `_` or `.` get dashes and a random suffix. */
export function containerNameForImage(image: string, random: () => number = Math.random): string {
  let name = image.split('/').pop() ?? image;
  if (name.includes(':')) name = name.split(':')[0] ?? name;
  if (name.includes('@')) name = name.split('@')[0] ?? name;
  if (/[_.]/.test(name)) name = `${name.replace(/[_.]/g, '-')}-${randomSuffix(5, random)}`;
  return name;
}

export function buildDeployment(opts: Readonly<CreateDeploymentOptions>, random: () => number = Math.random): Deployment {
  const labels = { app: opts.name };
  const containers: Container[] = opts.images.map((image) => ({
    name: containerNameForImage(image, random),
    image,
    ...(opts.command.length > 0 ? { command: [...opts.command] } : {}),
  }));
  const first = containers[0];
  if (opts.port >= 0 && first) first.ports = [{ containerPort: opts.port }];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: opts.name, ...(opts.namespace ? { namespace: opts.namespace } : {}), labels: { ...labels } },
    spec: {
      replicas: opts.replicas,
      selector: { matchLabels: { ...labels } },
      template: { metadata: { labels: { ...labels } }, spec: { containers } },
    },
  };
}
