import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Container, Pod } from '@skiff/api';
import { describeProbe, writeEnvironment, writeMounts, writeVolumes } from './container-config.js';
import { describePod } from './pod.js';
import { PrefixWriter } from './prefix-writer.js';

test('probes as kubectl describes them', () => {
  assert.equal(describeProbe({ httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 }), 'http-get http://:8080/healthz delay=0s timeout=1s period=5s #success=1 #failure=3');
  assert.equal(describeProbe({ httpGet: { path: '/', port: 'http', scheme: 'HTTPS', host: '10.0.0.1' } }), 'http-get https://10.0.0.1:http/ delay=0s timeout=1s period=10s #success=1 #failure=3');
  assert.equal(describeProbe({ exec: { command: ['cat', '/tmp/healthy'] }, initialDelaySeconds: 5, failureThreshold: 1 }), 'exec [cat /tmp/healthy] delay=5s timeout=1s period=10s #success=1 #failure=1');
  assert.equal(describeProbe({ tcpSocket: { port: 6379 } }), 'tcp-socket :6379 delay=0s timeout=1s period=10s #success=1 #failure=3');
});

const app: Container = {
  name: 'app',
  image: 'img',
  resources: { limits: { memory: '128Mi', cpu: '500m' } },
  envFrom: [{ configMapRef: { name: 'settings' } }, { secretRef: { name: 'creds', optional: true }, prefix: 'DB_' }],
  env: [
    { name: 'PLAIN', value: 'x' },
    { name: 'POD', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
    { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
    { name: 'CPUS', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
    { name: 'REQ', valueFrom: { resourceFieldRef: { resource: 'requests.memory' } } },
    { name: 'PASS', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
    { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'settings', key: 'color', optional: true } } },
  ],
  volumeMounts: [
    { name: 'data', mountPath: '/var/data' },
    { name: 'config', mountPath: '/etc/app', readOnly: true, subPath: 'app.conf' },
  ],
};

const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'default' }, spec: { containers: [app] } };

test('environment: envFrom sources, then each variable with where its value comes from', () => {
  const w = new PrefixWriter();
  writeEnvironment(w, pod, app);
  assert.equal(
    w.toString(),
    [
      '    Environment Variables from:',
      '      settings  ConfigMap                 Optional: false',
      "      creds     Secret with prefix 'DB_'  Optional: true",
      '    Environment:',
      '      PLAIN:  x',
      '      POD:    web-1 (v1:metadata.name)',
      '      MEM:    128 (limits.memory)',
      '      CPUS:   1 (limits.cpu)',
      '      REQ:    0 (requests.memory)',
      "      PASS:   <set to the key 'password' in secret 'creds'>      Optional: false",
      "      COLOR:  <set to the key 'color' of config map 'settings'>  Optional: true",
      '',
    ].join('\n'),
  );
  const bare = new PrefixWriter();
  writeEnvironment(bare, pod, { name: 'bare', image: 'img', env: [{ name: 'CPUS', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } }] });
  assert.equal(bare.toString(), '    Environment:\n      CPUS:  node allocatable (limits.cpu)\n', 'no limit set: the node decides');
});

test('mounts sorted by path with ro/rw and subPath; volumes by kind', () => {
  const w = new PrefixWriter();
  writeMounts(w, app);
  writeVolumes(w, [
    { name: 'config', configMap: { name: 'settings' } },
    { name: 'creds', secret: { secretName: 'creds', optional: true } },
    { name: 'data', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    { name: 'host', hostPath: { path: '/var/log' } },
    { name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
  ]);
  const out = w.toString();
  assert.match(out, /^ {4}Mounts:\n {6}\/etc\/app from config \(ro,path="app\.conf"\)\n {6}\/var\/data from data \(rw\)\n/);
  assert.match(out, /^ {2}config:\n {4}Type: +ConfigMap \(a volume populated by a ConfigMap\)\n {4}Name: +settings\n {4}Optional: +false$/m);
  assert.match(out, /^ {4}SecretName: +creds\n {4}Optional: +true$/m);
  assert.match(out, /^ {4}Type: +EmptyDir \(a temporary directory that shares a pod's lifetime\)\n {4}Medium: +Memory\n {4}SizeLimit: +64Mi$/m);
  assert.match(out, /^ {4}Type: +HostPath \(bare host directory volume\)\n {4}Path: +\/var\/log\n {4}HostPathType: +<none>$/m);
  assert.match(out, /^ {6}metadata\.labels -> labels$/m);
});

test('describe pod: init containers first, probes, OOMKilled last state, volumes', () => {
  const p: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'default' },
    spec: {
      initContainers: [{ name: 'migrate', image: 'img', command: ['sh', '-c', 'true'] }],
      containers: [{ name: 'app', image: 'img', livenessProbe: { httpGet: { path: '/healthz', port: 8080 } }, readinessProbe: { tcpSocket: { port: 8080 } } }],
      volumes: [{ name: 'scratch', emptyDir: {} }],
    },
    status: {
      phase: 'Running',
      initContainerStatuses: [{ name: 'migrate', ready: true, restartCount: 0, image: 'img', imageID: '', lastState: {}, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
      containerStatuses: [
        {
          name: 'app',
          ready: true,
          restartCount: 1,
          image: 'img',
          imageID: '',
          state: { running: { startedAt: '2024-05-01T11:59:00Z' } },
          lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: '2024-05-01T11:58:00Z', finishedAt: '2024-05-01T11:58:59Z' } },
        },
      ],
    },
  };
  const out = describePod(p, undefined, Date.parse('2024-05-01T12:00:00Z'));
  assert.ok(out.indexOf('Init Containers:\n  migrate:') < out.indexOf('Containers:\n  app:'), out);
  assert.match(out, /^ {4}Last State: +Terminated\n {6}Reason: +OOMKilled\n {6}Exit Code: +137$/m);
  assert.match(out, /^ {4}Liveness: +http-get http:\/\/:8080\/healthz delay=0s timeout=1s period=10s #success=1 #failure=3$/m);
  assert.match(out, /^ {4}Readiness: +tcp-socket :8080 delay=0s/m);
  assert.match(out, /^Volumes:\n {2}scratch:\n {4}Type: +EmptyDir/m);
});
