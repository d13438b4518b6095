import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildDeployment, containerNameForImage } from './create-deployment.js';

test("container names: the image's last path segment without tag or digest", () => {
  assert.equal(containerNameForImage('skiff/demo-web:v1'), 'demo-web');
  assert.equal(containerNameForImage('registry.local:5000/team/busybox@sha256:abc'), 'busybox');
  assert.equal(containerNameForImage('nginx'), 'nginx');
  assert.equal(containerNameForImage('my_app.v2:1', () => 0), 'my-app-v2-bbbbb');
});

test('the generated Deployment: app=NAME labels and selector, replicas, port on the first container', () => {
  const d = buildDeployment({ name: 'web', images: ['skiff/demo-web:v1', 'skiff/busybox:latest'], replicas: 3, port: 8080, command: [] });
  assert.deepEqual(d.metadata, { name: 'web', labels: { app: 'web' } });
  assert.equal(d.spec.replicas, 3);
  assert.deepEqual(d.spec.selector, { matchLabels: { app: 'web' } });
  assert.deepEqual(d.spec.template.metadata, { labels: { app: 'web' } });
  assert.deepEqual(d.spec.template.spec.containers, [
    { name: 'demo-web', image: 'skiff/demo-web:v1', ports: [{ containerPort: 8080 }] },
    { name: 'busybox', image: 'skiff/busybox:latest' },
  ]);
});

test('a command runs in the container; no port without --port; -n sets the namespace', () => {
  const d = buildDeployment({ name: 'job', images: ['skiff/busybox:latest'], replicas: 1, port: -1, command: ['sleep', '3600'], namespace: 'dev' });
  assert.equal(d.metadata.namespace, 'dev');
  assert.deepEqual(d.spec.template.spec.containers, [{ name: 'busybox', image: 'skiff/busybox:latest', command: ['sleep', '3600'] }]);
});
