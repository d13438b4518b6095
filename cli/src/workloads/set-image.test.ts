import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PodSpec } from '@skiff/api';
import { setImages } from './set-image.js';

const spec: PodSpec = {
  initContainers: [{ name: 'init', image: 'skiff/busybox:latest' }],
  containers: [
    { name: 'web', image: 'skiff/demo-web:v1' },
    { name: 'sidecar', image: 'skiff/busybox:latest' },
  ],
};

test('set image by container name, init containers included', () => {
  const r = setImages(spec, new Map([['web', 'skiff/demo-web:v2'], ['init', 'skiff/busybox:v2']]));
  assert.equal(r.changed, true);
  assert.deepEqual(r.missing, []);
  assert.deepEqual(r.spec.containers.map((c) => c.image), ['skiff/demo-web:v2', 'skiff/busybox:latest']);
  assert.equal(r.spec.initContainers?.[0]?.image, 'skiff/busybox:v2');
  assert.equal(spec.containers[0]?.image, 'skiff/demo-web:v1', 'the input is not changed');
});

test('* sets every container', () => {
  const r = setImages(spec, new Map([['*', 'img']]));
  assert.deepEqual([...(r.spec.initContainers ?? []), ...r.spec.containers].map((c) => c.image), ['img', 'img', 'img']);
});

test('an unknown container is reported by name; the same image is no change', () => {
  assert.deepEqual(setImages(spec, new Map([['nope', 'x'], ['web', 'skiff/demo-web:v2']])).missing, ['nope']);
  assert.equal(setImages(spec, new Map([['web', 'skiff/demo-web:v1']])).changed, false);
});
