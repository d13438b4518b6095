// The pod fields of issue 4 through the registry (MemoryStorage): probes, lifecycle hooks, env
// sources, volumes and mounts, init containers; Kubernetes' defaults and its messages.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Container, Pod, PodSpec } from '@skiff/api';
import { newTestRegistry, pod, rejectsWith } from './test-fixtures.js';

function causes(e: { details: { causes?: { field: string; message: string }[] } }): string[] {
  return (e.details.causes ?? []).map((c) => `${c.field}: ${c.message}`);
}

function withContainer(c: Partial<Container>, extra: Partial<PodSpec> = {}): Pod {
  return pod('p', { containers: [{ name: 'web', image: 'skiff/demo-web:v1', ...c }], ...extra });
}

/** The field errors a pod gets on create (none: it was created). */
async function problems(p: Pod): Promise<string[]> {
  const { registry, close } = await newTestRegistry();
  try {
    await registry.store('pods').create('default', p);
    return [];
  } catch (e) {
    return causes(await rejectsWith(Promise.reject(e), 'Invalid'));
  } finally {
    await close();
  }
}

test('probes, hooks, containers and volumes get Kubernetes defaults', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    const p = withContainer(
      {
        livenessProbe: { httpGet: { port: 8080 } },
        readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 5 },
        lifecycle: { preStop: { httpGet: { port: 8080, path: '/stop' } } },
        env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
      },
      {
        initContainers: [{ name: 'init', image: 'skiff/busybox:latest' }],
        volumes: [{ name: 'scratch' }, { name: 'cfg', configMap: { name: 'c' } }, { name: 'sec', secret: { secretName: 's' } }, { name: 'host', hostPath: { path: '/tmp' } }],
      },
    );
    const created = (await registry.store('pods').create('default', p)) as Pod;
    const c = created.spec.containers[0]!;
    assert.deepEqual(c.livenessProbe, { httpGet: { port: 8080, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    assert.equal(c.readinessProbe?.periodSeconds, 5, 'a given value is kept');
    assert.deepEqual(c.lifecycle?.preStop?.httpGet, { port: 8080, path: '/stop', scheme: 'HTTP' });
    assert.equal(c.terminationMessagePath, '/dev/termination-log');
    assert.equal(c.terminationMessagePolicy, 'File');
    assert.equal(c.env?.[0]?.valueFrom?.fieldRef?.apiVersion, 'v1');
    const init = created.spec.initContainers?.[0];
    assert.equal(init?.imagePullPolicy, 'Always');
    assert.equal(init?.terminationMessagePolicy, 'File');
    assert.deepEqual(created.spec.volumes, [
      { name: 'scratch', emptyDir: {} },
      { name: 'cfg', configMap: { name: 'c', defaultMode: 420 } },
      { name: 'sec', secret: { secretName: 's', defaultMode: 420 } },
      { name: 'host', hostPath: { path: '/tmp', type: '' } },
    ]);
  } finally {
    await close();
  }
});

test('a probe needs exactly one handler and valid timings', async () => {
  assert.deepEqual(await problems(withContainer({ livenessProbe: {} })), ['spec.containers[0].livenessProbe: Required value: must specify a handler type']);
  assert.deepEqual(await problems(withContainer({ readinessProbe: { exec: { command: ['true'] }, tcpSocket: { port: 80 } } })), [
    'spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type',
  ]);
  assert.deepEqual(
    await problems(withContainer({ livenessProbe: { exec: { command: ['true'] }, initialDelaySeconds: -1, periodSeconds: -5, failureThreshold: -1, successThreshold: 2 } })),
    [
      'spec.containers[0].livenessProbe.initialDelaySeconds: Invalid value: -1: must be greater than or equal to 0',
      'spec.containers[0].livenessProbe.periodSeconds: Invalid value: -5: must be greater than or equal to 1',
      'spec.containers[0].livenessProbe.failureThreshold: Invalid value: -1: must be greater than or equal to 1',
      'spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1',
    ],
  );
  assert.deepEqual(await problems(withContainer({ readinessProbe: { exec: { command: ['true'] }, successThreshold: 3 } })), [], 'readiness may need several successes');
  assert.deepEqual(await problems(withContainer({ startupProbe: { exec: { command: [] } } })), ['spec.containers[0].startupProbe.exec.command: Required value']);
  assert.deepEqual(await problems(withContainer({ readinessProbe: { exec: { command: ['true'] }, terminationGracePeriodSeconds: 5 } })), [
    'spec.containers[0].readinessProbe.terminationGracePeriodSeconds: Invalid value: 5: must not be set for readinessProbes',
  ]);
});

test('a probe port is a number in range or the name of one of the container ports', async () => {
  assert.deepEqual(await problems(withContainer({ livenessProbe: { httpGet: { port: 70000 } } })), [
    'spec.containers[0].livenessProbe.httpGet.port: Invalid value: 70000: must be between 1 and 65535, inclusive',
  ]);
  assert.deepEqual(await problems(withContainer({ livenessProbe: { httpGet: { port: 'http' } } })), ['spec.containers[0].livenessProbe.httpGet.port: Not found: "http"']);
  assert.deepEqual(await problems(withContainer({ livenessProbe: { tcpSocket: { port: '8080' } } })), [
    'spec.containers[0].livenessProbe.tcpSocket.port: Invalid value: "8080": must contain at least one letter (a-z)',
  ]);
  assert.deepEqual(
    await problems(withContainer({ ports: [{ name: 'http', containerPort: 8080 }], livenessProbe: { httpGet: { port: 'http', scheme: 'FTP' as 'HTTP' } } })),
    ['spec.containers[0].livenessProbe.httpGet.scheme: Unsupported value: "FTP": supported values: "HTTP", "HTTPS"'],
  );
  assert.deepEqual(await problems(withContainer({ ports: [{ name: 'http', containerPort: 8080 }], readinessProbe: { httpGet: { port: 'http', httpHeaders: [{ name: 'X Y', value: '1' }] } } })), [
    "spec.containers[0].readinessProbe.httpGet.httpHeaders: Invalid value: \"X Y\": a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')",
  ]);
  assert.deepEqual(await problems(withContainer({ lifecycle: { preStop: { tcpSocket: { port: 'admin' } } } })), ['spec.containers[0].lifecycle.preStop.tcpSocket.port: Not found: "admin"']);
  assert.deepEqual(await problems(withContainer({ lifecycle: { postStart: { sleep: { seconds: 60 } } } })), [
    'spec.containers[0].lifecycle.postStart.sleep: Invalid value: 60: must be greater than 0 and less than terminationGracePeriodSeconds (30)',
  ]);
});

test('volumes: unique DNS-label names, one source each; mounts name a volume at a unique path', async () => {
  assert.deepEqual(
    await problems(
      withContainer(
        { volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'cfg', mountPath: '/data' }, { name: 'bad', mountPath: '', subPath: '../x' }] },
        {
          volumes: [
            { name: 'cfg', configMap: { name: 'c' } },
            { name: 'cfg', emptyDir: {} },
            { name: 'Two', emptyDir: {}, secret: { secretName: 's' } },
            { name: 'bad', configMap: { name: 'c', defaultMode: 0o1000, items: [{ key: '', path: '/abs' }] } },
          ],
        },
      ),
    ),
    [
      'spec.volumes[1].name: Duplicate value: "cfg"',
      'spec.volumes[2].secret: Forbidden: may not specify more than 1 volume type',
      "spec.volumes[2].name: Invalid value: \"Two\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      'spec.volumes[3].configMap.defaultMode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive',
      'spec.volumes[3].configMap.items[0].key: Required value',
      'spec.volumes[3].configMap.items[0].path: Invalid value: "/abs": must be a relative path',
      'spec.containers[0].volumeMounts[0].name: Not found: "data"',
      'spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/data": must be unique',
      // An invalid volume cannot be mounted either (Kubernetes matches mounts against the valid ones).
      'spec.containers[0].volumeMounts[2].name: Not found: "bad"',
      'spec.containers[0].volumeMounts[2].mountPath: Required value',
      "spec.containers[0].volumeMounts[2].subPath: Invalid value: \"../x\": must not contain '..'",
    ],
  );
  assert.deepEqual(await problems(withContainer({}, { volumes: [{ name: 'h', hostPath: { path: '' } }, { name: 'd', downwardAPI: { items: [{ path: 'x' }] } }] })), [
    'spec.volumes[0].hostPath.path: Required value',
    'spec.volumes[1].downwardAPI.items[0]: Required value: one of fieldRef and resourceFieldRef is required',
  ]);
  assert.deepEqual(await problems(withContainer({ volumeMounts: [{ name: 'data', mountPath: '/data', subPath: 'a/b' }] }, { volumes: [{ name: 'data', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }] })), []);
});

test('env: relaxed names, exactly one valueFrom source, valid keys and field paths', async () => {
  assert.deepEqual(
    await problems(
      withContainer({
        env: [
          { name: 'A=B', value: 'x' },
          { name: 'FROM', value: 'x', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } },
          { name: 'TWO', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' }, secretKeyRef: { name: 's', key: 'k' } } },
          { name: 'NONE', valueFrom: {} },
          { name: 'KEY', valueFrom: { secretKeyRef: { name: 's', key: 'a/b' } } },
          { name: 'FIELD', valueFrom: { fieldRef: { fieldPath: 'status.phase' } } },
          { name: 'RES', valueFrom: { resourceFieldRef: { resource: 'limits.gpu' } } },
        ],
        envFrom: [{ prefix: 'P_', configMapRef: { name: 'c' }, secretRef: { name: 's' } }],
      }),
    ),
    [
      "spec.containers[0].env[0].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='",
      'spec.containers[0].env[1].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
      'spec.containers[0].env[2].valueFrom: Invalid value: "": may not have more than one field specified at a time',
      'spec.containers[0].env[3].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
      "spec.containers[0].env[4].valueFrom.secretKeyRef.key: Invalid value: \"a/b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
      'spec.containers[0].env[5].valueFrom.fieldRef.fieldPath: Unsupported value: "status.phase": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"',
      'spec.containers[0].env[6].valueFrom.resourceFieldRef.resource: Unsupported value: "limits.gpu": supported values: "limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage", "requests.memory"',
      'spec.containers[0].envFrom: Invalid value: "": may not have more than one field specified at a time',
    ],
  );
  assert.deepEqual(
    await problems(withContainer({ env: [{ name: 'my.var-1', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } }, { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] })),
    [],
  );
});

test('init containers: names unique across all containers, no probes or hooks, resources that parse', async () => {
  assert.deepEqual(
    await problems(
      withContainer(
        {},
        {
          initContainers: [
            { name: 'web', image: 'x:1', livenessProbe: { exec: { command: ['true'] } } },
            { name: 'setup', image: 'x:1', resources: { limits: { memory: 'lots' } } },
          ],
        },
      ),
    ),
    [
      'spec.initContainers[0].name: Duplicate value: "web"',
      'spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
      "spec.initContainers[1].resources.limits[memory]: Invalid value: \"lots\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    ],
  );
});

test('a pod template gets the same checks (ReplicaSet)', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    const e = await rejectsWith(
      registry.store('rs').create('default', {
        metadata: { name: 'r' },
        spec: {
          selector: { matchLabels: { a: 'b' } },
          template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'web', image: 'x:1', volumeMounts: [{ name: 'data', mountPath: '/d' }] }] } },
        },
      }),
      'Invalid',
    );
    assert.deepEqual(causes(e), ['spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"']);
  } finally {
    await close();
  }
});

test('a pod spec stays immutable but for images (init containers too) and added tolerations', async () => {
  const { registry, close } = await newTestRegistry();
  const pods = registry.store('pods');
  try {
    const created = (await pods.create('default', withContainer({}, { initContainers: [{ name: 'init', image: 'x:1' }] }))) as Pod;
    const image = structuredClone(created);
    image.spec.initContainers![0]!.image = 'x:2';
    const updated = (await pods.update('default', 'p', image)) as Pod;
    assert.equal(updated.spec.initContainers?.[0]?.image, 'x:2');
    const probe = structuredClone(updated);
    probe.spec.containers[0]!.livenessProbe = { exec: { command: ['true'] } };
    await rejectsWith(pods.update('default', 'p', probe), 'Invalid', /pod updates may not change fields other than .*\(changed: spec\.containers\)/);
    const fewer = structuredClone(updated);
    fewer.spec.initContainers = [];
    await rejectsWith(pods.update('default', 'p', fewer), 'Invalid', /spec\.initContainers: Forbidden: pod updates may not add or remove containers/);
  } finally {
    await close();
  }
});

test('dnsPolicy defaults to ClusterFirst and service links to true; DNS settings are validated as Kubernetes does', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    const created = (await registry.store('pods').create('default', withContainer({}))) as Pod;
    assert.equal(created.spec.dnsPolicy, 'ClusterFirst');
    assert.equal(created.spec.enableServiceLinks, true);
  } finally {
    await close();
  }
  assert.deepEqual(await problems(withContainer({}, { dnsPolicy: 'Google' as NonNullable<PodSpec['dnsPolicy']> })), [
    'spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
  ]);
  assert.deepEqual(await problems(withContainer({}, { dnsPolicy: 'None' })), ['spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None']);
  const bad = await problems(withContainer({}, { dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1', 'x', '3.3.3.3', '4.4.4.4'], searches: ['Bad_Domain'] } }));
  assert.ok(bad.some((m) => m.startsWith('spec.dnsConfig.nameservers: Invalid value') && m.includes('more than 3 nameservers')), bad.join('\n'));
  assert.ok(bad.some((m) => m.startsWith('spec.dnsConfig.nameservers[1]: Invalid value: "x"')), bad.join('\n'));
  assert.ok(bad.some((m) => m.startsWith('spec.dnsConfig.searches[0]: Invalid value: "Bad_Domain"')), bad.join('\n'));
  assert.deepEqual(await problems(withContainer({}, { dnsPolicy: 'None', dnsConfig: { nameservers: ['10.0.0.10'], searches: ['svc.example.'] } })), []);
});
