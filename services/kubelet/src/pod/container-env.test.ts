import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errors, type ConfigMap, type Container, type Pod, type Secret } from '@skiff/api';
import { makePod } from '../testing/fixtures.js';
import { ContainerConfigError, expandCommand, expandVars, isEnvVarName, makeEnvironmentVariables, type ConfigSourceReader, type EnvContext } from './container-env.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

function sources(configMaps: Record<string, Record<string, string>>, secrets: Record<string, Record<string, string>> = {}): ConfigSourceReader & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    async getConfigMap(namespace, name) {
      reads.push(`cm/${namespace}/${name}`);
      const data = configMaps[name];
      if (!data) throw errors.notFound('configmap', name);
      return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data } satisfies ConfigMap;
    },
    async getSecret(namespace, name) {
      reads.push(`secret/${namespace}/${name}`);
      const data = secrets[name];
      if (!data) throw errors.notFound('secret', name);
      return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) } satisfies Secret;
    },
  };
}

function podWith(container: Partial<Container>, extra: (p: Pod) => void = () => {}): { pod: Pod; container: Container } {
  const c: Container = { name: 'app', image: 'skiff/busybox:latest', ...container };
  const pod = makePod({ name: 'web-1', namespace: 'shop', uid: 'uid-123', node: 'node-a', containers: [c] });
  extra(pod);
  return { pod, container: c };
}

function ctx(src: ConfigSourceReader, over: Partial<EnvContext> = {}): EnvContext & { warnings: string[]; ipAsked: number } {
  const warnings: string[] = [];
  const c = {
    sources: src,
    hostIP: '127.0.0.2',
    allocatable: { cpu: '4', memory: '8Gi' },
    ipAsked: 0,
    podIP: async () => {
      c.ipAsked++;
      return '10.244.1.7';
    },
    warn: (reason: string, message: string) => warnings.push(`${reason}: ${message}`),
    warnings,
    ...over,
  };
  return c;
}

async function envOf(container: Partial<Container>, src: ConfigSourceReader = sources({}), extra?: (p: Pod) => void, over?: Partial<EnvContext>) {
  const { pod, container: c } = podWith(container, extra);
  const context = ctx(src, over);
  const env = await makeEnvironmentVariables(pod, c, context);
  return { env: Object.fromEntries(env.map((e) => [e.name, e.value])), list: env, context };
}

async function configError(container: Partial<Container>, src: ConfigSourceReader = sources({})): Promise<string> {
  const { pod, container: c } = podWith(container);
  const err = await makeEnvironmentVariables(pod, c, ctx(src)).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof ContainerConfigError, `expected a ContainerConfigError, got ${String(err)}`);
  return err.message;
}

describe('expandVars', () => {
  const vars: Record<string, string> = { A: 'a', EMPTY: '' };
  const expand = (s: string) => expandVars(s, (n) => vars[n]);

  it('replaces defined references and leaves unknown ones as written', () => {
    assert.equal(expand('x-$(A)-y'), 'x-a-y');
    assert.equal(expand('$(A)$(A)'), 'aa');
    assert.equal(expand('[$(EMPTY)]'), '[]');
    assert.equal(expand('$(NOPE)'), '$(NOPE)');
  });

  it('treats $$ as an escaped $ and keeps incomplete or plain $ text', () => {
    assert.equal(expand('$$(A)'), '$(A)');
    assert.equal(expand('$$'), '$');
    assert.equal(expand('$(A'), '$(A');
    assert.equal(expand('cost: $5'), 'cost: $5');
    assert.equal(expand('trailing $'), 'trailing $');
  });
});

describe('isEnvVarName', () => {
  it('accepts C identifiers, dots and dashes; refuses leading digits, spaces and ..', () => {
    for (const ok of ['A', '_x', 'my.env-name', 'MY_ENV.NAME', 'MyEnvName1']) assert.equal(isEnvVarName(ok), true, ok);
    for (const bad of ['1badkey', 'has space', '', '.', '..', '..a', 'a=b']) assert.equal(isEnvVarName(bad), false, bad);
  });
});

describe('makeEnvironmentVariables', () => {
  it('keeps literal values in order and expands references to earlier variables only', async () => {
    const { list } = await envOf({
      env: [
        { name: 'HOST', value: 'db' },
        { name: 'URL', value: 'postgres://$(HOST):$(PORT)/x' },
        { name: 'PORT', value: '5432' },
        { name: 'EMPTY' },
      ],
    });
    assert.deepEqual(list, [
      { name: 'HOST', value: 'db' },
      { name: 'URL', value: 'postgres://db:$(PORT)/x' },
      { name: 'PORT', value: '5432' },
      { name: 'EMPTY', value: '' },
    ]);
  });

  it('reads configMapKeyRef and secretKeyRef (decoded), each object once', async () => {
    const src = sources({ app: { mode: 'prod', level: 'debug' } }, { creds: { password: 's3cr=t\n' } });
    const { env } = await envOf(
      {
        env: [
          { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'app', key: 'mode' } } },
          { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'app', key: 'level' } } },
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
        ],
      },
      src,
    );
    assert.deepEqual(env, { MODE: 'prod', LEVEL: 'debug', PASSWORD: 's3cr=t\n' });
    assert.deepEqual(src.reads, ['cm/shop/app', 'secret/shop/creds']);
  });

  it('fails with Kubernetes messages for a missing object or key that is not optional', async () => {
    const src = sources({ app: { mode: 'prod' } }, { creds: { user: 'u' } });
    assert.equal(await configError({ env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }] }, src), 'configmap "nope" not found');
    assert.equal(await configError({ env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'app', key: 'k' } } }] }, src), "couldn't find key k in ConfigMap shop/app");
    assert.equal(await configError({ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }] }, src), 'secret "nope" not found');
    assert.equal(await configError({ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'creds', key: 'k' } } }] }, src), "couldn't find key k in Secret shop/creds");
    assert.equal(await configError({ envFrom: [{ configMapRef: { name: 'gone' } }] }, src), 'configmap "gone" not found');
    assert.equal(await configError({ envFrom: [{ secretRef: { name: 'gone' } }] }, src), 'secret "gone" not found');
  });

  it('skips optional references whose object or key is missing', async () => {
    const src = sources({ app: { mode: 'prod' } });
    const { env } = await envOf(
      {
        envFrom: [{ configMapRef: { name: 'nope', optional: true } }, { secretRef: { name: 'nope', optional: true } }],
        env: [
          { name: 'A', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k', optional: true } } },
          { name: 'B', valueFrom: { configMapKeyRef: { name: 'app', key: 'k', optional: true } } },
          { name: 'C', valueFrom: { secretKeyRef: { name: 'nope', key: 'k', optional: true } } },
          { name: 'D', value: 'kept' },
        ],
      },
      src,
    );
    assert.deepEqual(env, { D: 'kept' });
  });

  it('does not swallow errors other than NotFound for optional references', async () => {
    const failing: ConfigSourceReader = {
      getConfigMap: async () => {
        throw errors.unavailable('etcd is down');
      },
      getSecret: async () => {
        throw errors.unavailable('etcd is down');
      },
    };
    assert.equal(await configError({ env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'x', key: 'k', optional: true } } }] }, failing), 'etcd is down');
    assert.equal(await configError({ envFrom: [{ secretRef: { name: 'x', optional: true } }] }, failing), 'etcd is down');
  });

  it('takes envFrom with prefixes, lets env override it, and reports invalid names in one sorted event', async () => {
    const src = sources({ app: { mode: 'prod', '1badkey': 'x', 'bad key': 'y' }, more: { mode: 'other' } }, { creds: { user: 'admin', '2alsobad': 'z' } });
    const { env, context } = await envOf(
      {
        envFrom: [{ configMapRef: { name: 'app' } }, { prefix: 'DB_', secretRef: { name: 'creds' } }, { prefix: 'M_', configMapRef: { name: 'more' } }],
        env: [
          { name: 'mode', value: 'from-env' },
          { name: 'GREETING', value: 'user=$(DB_user)' },
        ],
      },
      src,
    );
    assert.deepEqual(env, { mode: 'from-env', DB_user: 'admin', DB_2alsobad: 'z', M_mode: 'other', GREETING: 'user=admin' });
    assert.deepEqual(context.warnings, [
      'InvalidEnvironmentVariableNames: Keys [1badkey, bad key] from the EnvFrom configMap shop/app were skipped since they are considered invalid environment variable names.',
    ]);
  });

  it('resolves fieldRef from the pod, the node and the sandbox', async () => {
    const { env, context } = await envOf(
      {
        env: [
          { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
          { name: 'TIER', valueFrom: { fieldRef: { fieldPath: "metadata.labels['tier']" } } },
          { name: 'MISSING', valueFrom: { fieldRef: { fieldPath: "metadata.labels['nope']" } } },
          { name: 'OWNER', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['team/owner']" } } },
          { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'POD_IPS', valueFrom: { fieldRef: { fieldPath: 'status.podIPs' } } },
          { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
          { name: 'LABELS', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } },
        ],
      },
      sources({}),
      (p) => {
        p.metadata.labels = { tier: 'web', app: 'shop' };
        p.metadata.annotations = { 'team/owner': 'ops' };
      },
    );
    assert.deepEqual(env, {
      NAME: 'web-1',
      NS: 'shop',
      UID: 'uid-123',
      TIER: 'web',
      MISSING: '',
      OWNER: 'ops',
      NODE: 'node-a',
      SA: 'default',
      POD_IP: '10.244.1.7',
      POD_IPS: '10.244.1.7',
      HOST_IP: '127.0.0.2',
      LABELS: 'app="shop"\ntier="web"',
    });
    assert.equal(context.ipAsked, 1, 'the sandbox IP is looked up once');
  });

  it('does not look up the pod IP when no variable needs it', async () => {
    const { context } = await envOf({ env: [{ name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] });
    assert.equal(context.ipAsked, 0);
  });

  it('refuses an unsupported fieldPath', async () => {
    assert.equal(await configError({ env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.restartPolicy' } } }] }), 'unsupported fieldPath: spec.restartPolicy');
  });

  it('resolves resourceFieldRef with divisors, CPU rounded up, limits defaulting to the node allocatable', async () => {
    const { env } = await envOf({
      resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '1500m' } },
      env: [
        { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        { name: 'CPU_LIMIT_M', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
        { name: 'CPU_REQUEST', valueFrom: { resourceFieldRef: { resource: 'requests.cpu' } } },
        { name: 'CPU_REQUEST_M', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
        { name: 'MEM_REQUEST_MI', valueFrom: { resourceFieldRef: { resource: 'requests.memory', divisor: '1Mi' } } },
        { name: 'MEM_REQUEST', valueFrom: { resourceFieldRef: { resource: 'requests.memory' } } },
        { name: 'MEM_LIMIT_GI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Gi' } } },
        { name: 'ZERO_DIVISOR', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '0' } } },
      ],
    });
    assert.deepEqual(env, {
      CPU_LIMIT: '2',
      CPU_LIMIT_M: '1500',
      CPU_REQUEST: '1',
      CPU_REQUEST_M: '250',
      MEM_REQUEST_MI: '64',
      MEM_REQUEST: String(64 * 1024 * 1024),
      MEM_LIMIT_GI: '8',
      ZERO_DIVISOR: '2',
    });
  });

  it('reads another container resources by containerName and fails for an unknown one', async () => {
    const { pod } = podWith({});
    pod.spec.containers.push({ name: 'side', image: 'skiff/busybox:latest', resources: { limits: { memory: '128Mi' } } });
    const c = pod.spec.containers[0] as Container;
    c.env = [{ name: 'SIDE_MEM', valueFrom: { resourceFieldRef: { containerName: 'side', resource: 'limits.memory', divisor: '1Mi' } } }];
    const env = await makeEnvironmentVariables(pod, c, ctx(sources({})));
    assert.deepEqual(env, [{ name: 'SIDE_MEM', value: '128' }]);
    c.env = [{ name: 'X', valueFrom: { resourceFieldRef: { containerName: 'ghost', resource: 'limits.memory' } } }];
    await assert.rejects(makeEnvironmentVariables(pod, c, ctx(sources({}))), { name: 'ContainerConfigError', message: 'container ghost not found' });
  });
});

describe('expandCommand', () => {
  it('expands command and args from the final environment', () => {
    const env = [
      { name: 'GREETING', value: 'hello' },
      { name: 'WHO', value: 'world' },
    ];
    assert.deepEqual(expandCommand(['sh', '-c', 'echo $(GREETING) $(WHO) $(NOPE) $$(WHO)'], env), ['sh', '-c', 'echo hello world $(NOPE) $(WHO)']);
    assert.equal(expandCommand(undefined, env), undefined);
  });
});

describe('makeEnvironmentVariables with Service variables', () => {
  const serviceEnv = new Map([
    ['WEB_SERVICE_HOST', '10.96.0.12'],
    ['WEB_SERVICE_PORT', '80'],
  ]);

  it('come after the container\'s own, which win a conflict, and take part in $(VAR) expansion', async () => {
    const { list } = await envOf(
      {
        env: [
          { name: 'URL', value: 'http://$(WEB_SERVICE_HOST):$(WEB_SERVICE_PORT)/' },
          { name: 'WEB_SERVICE_PORT', value: '8080' },
        ],
      },
      sources({}),
      undefined,
      { serviceEnv },
    );
    assert.deepEqual(list, [
      { name: 'URL', value: 'http://10.96.0.12:80/' },
      { name: 'WEB_SERVICE_PORT', value: '8080' },
      { name: 'WEB_SERVICE_HOST', value: '10.96.0.12' },
    ]);
  });

  it('yield to envFrom keys too', async () => {
    const { env } = await envOf({ envFrom: [{ configMapRef: { name: 'cfg' } }] }, sources({ cfg: { WEB_SERVICE_HOST: 'mine' } }), undefined, { serviceEnv });
    assert.equal(env['WEB_SERVICE_HOST'], 'mine');
    assert.equal(env['WEB_SERVICE_PORT'], '80');
  });
});
