// A container's environment, after Kubernetes' makeEnvironmentVariables (pkg/kubelet/kubelet_pods.go)
// and its `$(VAR)` expansion (third_party/forked/golang/expansion):
//
// 1. `envFrom` sources in order (ConfigMaps, Secrets decoded), keys prefixed, invalid names skipped
//    with an `InvalidEnvironmentVariableNames` event; a missing optional source is skipped;
// 2. `env` in order: a `value` with `$(VAR)` expanded from what is defined so far (unknown
//    references stay as written, `$$` escapes), or a `valueFrom` (configMapKeyRef, secretKeyRef,
//    fieldRef, resourceFieldRef); later definitions override earlier ones;
// 3. anything that cannot be resolved and is not optional fails the whole container with
//    Kubernetes' message: `configmap "x" not found`, `couldn't find key k in ConfigMap default/x`.
//    The kubelet reports it as CreateContainerConfigError and tries again on the next sync;
// 4. the Service variables (service-env.ts) last, except those the container defines itself; they
//    also take part in `$(VAR)` expansion.

import { type ConfigMap, type Container, containerResourceValue, isApiError, type NodeAllocatable, type Pod, podFieldValue, type Secret } from '@skiff/api';

/** Reads the ConfigMaps and Secrets pods refer to. NotFound errors say `configmap "x" not found`. */
export interface ConfigSourceReader {
  getConfigMap(namespace: string, name: string): Promise<Readonly<ConfigMap>>;
  getSecret(namespace: string, name: string): Promise<Readonly<Secret>>;
}

/** The container cannot be configured (yet): CreateContainerConfigError with this message. */
export class ContainerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContainerConfigError';
  }
}

export interface EnvVarValue {
  name: string;
  value: string;
}

export interface EnvContext {
  sources: ConfigSourceReader;
  /** The pod's IP (asked only when the env names status.podIP). */
  podIP: () => Promise<string>;
  hostIP: string;
  allocatable: NodeAllocatable;
  /** A Warning event on the pod (InvalidEnvironmentVariableNames). */
  warn?: (reason: string, message: string) => void;
  /** The Service variables the pod sees (serviceEnvVarMap). */
  serviceEnv?: ReadonlyMap<string, string>;
}

const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** Kubernetes' IsEnvVarName: C-ish identifiers plus `-` and `.`, but not `.`, `..` or `..x`. */
export function isEnvVarName(name: string): boolean {
  return ENV_VAR_NAME.test(name) && name !== '.' && !name.startsWith('..');
}

/** `$(VAR)` → lookup(VAR) when defined, else left as written; `$$` → `$`. */
export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    let advance = 1;
    if (rest[0] === '$') {
      out += '$';
    } else if (rest[0] === '(') {
      const close = rest.indexOf(')', 1);
      if (close >= 0) {
        const name = rest.slice(1, close);
        out += lookup(name) ?? `$(${name})`;
        advance = close + 1;
      } else {
        out += '$(';
      }
    } else {
      out += `$${rest[0] ?? ''}`;
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}

/** `command` and `args` with `$(VAR)` expanded from the container's environment. */
export function expandCommand(words: readonly string[] | undefined, env: readonly EnvVarValue[]): string[] | undefined {
  if (words === undefined) return undefined;
  const vars = new Map(env.map((e) => [e.name, e.value]));
  return words.map((w) => expandVars(w, (n) => vars.get(n)));
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function decode(base64: string): string {
  return Buffer.from(base64, 'base64').toString('utf8');
}

/** The container's environment, in definition order. Throws ContainerConfigError. */
export async function makeEnvironmentVariables(pod: Readonly<Pod>, container: Readonly<Container>, ctx: EnvContext): Promise<EnvVarValue[]> {
  const namespace = pod.metadata.namespace ?? 'default';
  const configMaps = new Map<string, Readonly<ConfigMap> | undefined>();
  const secrets = new Map<string, Readonly<Secret> | undefined>();

  /** The object, undefined when it is missing and optional; throws otherwise. */
  async function fetch<T>(cache: Map<string, T | undefined>, name: string, optional: boolean, get: () => Promise<T>): Promise<T | undefined> {
    if (cache.has(name)) return cache.get(name);
    try {
      const obj = await get();
      cache.set(name, obj);
      return obj;
    } catch (e) {
      if (isApiError(e, 'NotFound') && optional) return undefined;
      throw new ContainerConfigError(errText(e));
    }
  }
  const configMap = (name: string, optional: boolean) => fetch(configMaps, name, optional, () => ctx.sources.getConfigMap(namespace, name));
  const secret = (name: string, optional: boolean) => fetch(secrets, name, optional, () => ctx.sources.getSecret(namespace, name));

  const env = new Map<string, string>();
  const serviceEnv = new Map(ctx.serviceEnv ?? []);
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    let entries: [string, string][] = [];
    let what = '';
    if (from.configMapRef) {
      const cm = await configMap(from.configMapRef.name, from.configMapRef.optional === true);
      if (!cm) continue;
      entries = Object.entries(cm.data ?? {});
      what = `configMap ${namespace}/${from.configMapRef.name}`;
    } else if (from.secretRef) {
      const s = await secret(from.secretRef.name, from.secretRef.optional === true);
      if (!s) continue;
      entries = Object.entries(s.data ?? {}).map(([k, v]) => [k, decode(v)]);
      what = `secret ${namespace}/${from.secretRef.name}`;
    } else continue;
    const invalid: string[] = [];
    for (const [key, value] of entries) {
      const name = prefix + key;
      if (!isEnvVarName(name)) invalid.push(name);
      else env.set(name, value);
    }
    if (invalid.length > 0) {
      ctx.warn?.(
        'InvalidEnvironmentVariableNames',
        `Keys [${invalid.sort().join(', ')}] from the EnvFrom ${what} were skipped since they are considered invalid environment variable names.`,
      );
    }
  }

  let podIP: string | undefined;
  for (const v of container.env ?? []) {
    let value = v.value ?? '';
    const from = v.valueFrom;
    if (value !== '') {
      value = expandVars(value, (n) => env.get(n) ?? serviceEnv.get(n));
    } else if (from?.fieldRef) {
      const path = from.fieldRef.fieldPath;
      if (/^status\.podIPs?$/.test(path)) podIP ??= await ctx.podIP();
      try {
        value = podFieldValue(pod, path, { podIP: podIP ?? '', hostIP: ctx.hostIP });
      } catch (e) {
        throw new ContainerConfigError(errText(e));
      }
    } else if (from?.resourceFieldRef) {
      const sel = from.resourceFieldRef;
      const target = sel.containerName ? [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c) => c.name === sel.containerName) : container;
      if (!target) throw new ContainerConfigError(`container ${sel.containerName ?? ''} not found`);
      try {
        value = containerResourceValue(sel, target, ctx.allocatable);
      } catch (e) {
        throw new ContainerConfigError(errText(e));
      }
    } else if (from?.configMapKeyRef || from?.secretKeyRef) {
      const isSecret = from.configMapKeyRef === undefined;
      const ref = (from.configMapKeyRef ?? from.secretKeyRef) as { name: string; key: string; optional?: boolean };
      const optional = ref.optional === true;
      const obj = isSecret ? await secret(ref.name, optional) : await configMap(ref.name, optional);
      if (!obj) continue;
      const found = obj.data?.[ref.key];
      if (found === undefined) {
        if (optional) continue;
        throw new ContainerConfigError(`couldn't find key ${ref.key} in ${isSecret ? 'Secret' : 'ConfigMap'} ${namespace}/${ref.name}`);
      }
      value = isSecret ? decode(found) : found;
    }
    serviceEnv.delete(v.name);
    env.set(v.name, value);
  }
  const result = [...env].map(([name, value]) => ({ name, value }));
  for (const [name, value] of serviceEnv) if (!env.has(name)) result.push({ name, value });
  return result;
}
