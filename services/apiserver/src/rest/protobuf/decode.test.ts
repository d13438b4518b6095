import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isApiError } from '@skiff/api';
import { CREATE_DEPLOYMENT_1_31_JSON, PROTOBUF_BODIES } from './captured-bodies.js';
import { decodeProtobufObject } from './decode.js';

function protobufBody(file: string): Buffer {
  const b64 = PROTOBUF_BODIES[file];
  assert.ok(b64, `${file} holds a protobuf request`);
  return Buffer.from(b64, 'base64');
}

/** What Kubernetes' JSON leaves out anyway: nulls and empty objects (creationTimestamp: null, resources: {}). */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const n = normalize(x);
    if (n === null || n === undefined) continue;
    if (typeof n === 'object' && !Array.isArray(n) && Object.keys(n).length === 0) continue;
    out[k] = n;
  }
  return out;
}

test('create deployment (--image nginx:1.25 --replicas 2 --port 80) decodes to the JSON kubectl would send', () => {
  assert.deepEqual(decodeProtobufObject(protobufBody('create-deploy-pb.jsonl')), {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] },
      },
    },
  });
});

test('create deployment matches the JSON body kubectl 1.31 sends for the same command', () => {
  // kubectl 1.31 `create deployment web1.31 --image=nginx --dry-run=server` sent JSON; the protobuf
  // capture is `create deployment web --image=nginx:1.25`.
  const expected = JSON.parse(CREATE_DEPLOYMENT_1_31_JSON.replaceAll('web1.31', 'web').replace('"image":"nginx"', '"image":"nginx:1.25"')) as object;
  assert.deepEqual(decodeProtobufObject(protobufBody('create-415.jsonl')), normalize(expected));
});

test('create namespace, configmap, secret decode to their objects', () => {
  assert.deepEqual(decodeProtobufObject(protobufBody('pbchk-create_namespace.jsonl')), {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'demo' },
  });
  assert.deepEqual(decodeProtobufObject(protobufBody('pbchk-create_configmap.jsonl')), {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cm1' },
    data: { a: 'b' },
  });
  // `create secret generic s1 --from-literal=a=b`: data bytes travel raw, JSON carries base64.
  assert.deepEqual(decodeProtobufObject(protobufBody('pbchk-create_secret.jsonl')), {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's1' },
    data: { a: Buffer.from('b').toString('base64') },
  });
});

test('create service clusterip (--tcp 80:80) decodes targetPort IntOrString to a number', () => {
  assert.deepEqual(decodeProtobufObject(protobufBody('pbchk-create_service.jsonl')), {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 's1', labels: { app: 's1' } },
    spec: {
      ports: [{ name: '80-80', protocol: 'TCP', port: 80, targetPort: 80 }],
      selector: { app: 's1' },
      type: 'ClusterIP',
    },
  });
});

test('autoscale decodes to an autoscaling/v1 HorizontalPodAutoscaler', () => {
  for (const [file, name] of [
    ['autoscale-pb.jsonl', 'web'],
    ['autoscale.jsonl', 'nginx'],
  ] as const) {
    assert.deepEqual(decodeProtobufObject(protobufBody(file)), {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name },
      spec: {
        scaleTargetRef: { kind: 'Deployment', name, apiVersion: 'apps/v1' },
        minReplicas: 2,
        maxReplicas: 5,
        targetCPUUtilizationPercentage: 80,
      },
    });
  }
});

test('a kind without a message is 415, naming the kind', () => {
  assert.throws(
    () => decodeProtobufObject(protobufBody('pbchk-create_job.jsonl')),
    (e: unknown) => isApiError(e, 'UnsupportedMediaType') && e.code === 415 && /Job \(batch\/v1\)/.test(e.message),
  );
});

test('bad bodies are 400 naming what could not be decoded', () => {
  const good = protobufBody('pbchk-create_namespace.jsonl');
  const cases: [Buffer, RegExp][] = [
    [Buffer.from('{"kind":"Namespace"}'), /magic/],
    [good.subarray(0, good.length - 5), /runtime\.Unknown|v1 Namespace/],
    [Buffer.concat([Buffer.from('k8s\0'), Buffer.from([0x0a, 0x00])]), /typeMeta/],
  ];
  for (const [body, re] of cases) {
    assert.throws(
      () => decodeProtobufObject(body),
      (e: unknown) => isApiError(e, 'BadRequest') && e.code === 400 && re.test(e.message),
      re.source,
    );
  }
});

test('a non-empty field Skiff does not know is refused by message and number', () => {
  // runtime.Unknown{typeMeta{v1, Namespace}, raw: Namespace{metadata{name "x"}, field 9: "y"}}
  const typeMeta = Buffer.from([0x0a, 0x02, ...Buffer.from('v1'), 0x12, 0x09, ...Buffer.from('Namespace')]);
  const meta = Buffer.from([0x0a, 0x01, 0x78]);
  const raw = Buffer.from([0x0a, meta.length, ...meta, 0x4a, 0x01, 0x79]);
  const unknown = Buffer.from([0x0a, typeMeta.length, ...typeMeta, 0x12, raw.length, ...raw]);
  assert.throws(
    () => decodeProtobufObject(Buffer.concat([Buffer.from('k8s\0'), unknown])),
    (e: unknown) => isApiError(e, 'BadRequest') && /Namespace: field number 9/.test(e.message),
  );
  // The same field empty is what Go writes for an unset non-pointer field: ignored.
  const emptyRaw = Buffer.from([0x0a, meta.length, ...meta, 0x4a, 0x00]);
  const ok = Buffer.from([0x0a, typeMeta.length, ...typeMeta, 0x12, emptyRaw.length, ...emptyRaw]);
  assert.deepEqual(decodeProtobufObject(Buffer.concat([Buffer.from('k8s\0'), ok])), {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'x' },
  });
});
