import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSetImageArgs } from './image.js';

test('set image arguments: resources, then CONTAINER=IMAGE pairs', () => {
  const { resources, images } = parseSetImageArgs(['deployment/web', 'web=skiff/demo-web:v2', 'side=skiff/busybox:latest']);
  assert.deepEqual(resources, ['deployment/web']);
  assert.deepEqual([...images], [['web', 'skiff/demo-web:v2'], ['side', 'skiff/busybox:latest']]);
});

test('set image needs a resource and an image; * stands alone', () => {
  assert.throws(() => parseSetImageArgs(['deployment/web']), /^Error: error: at least one image update is required$|at least one image update is required/);
  assert.throws(() => parseSetImageArgs(['web=x']), /one or more resources must be specified as <resource> <name> or <resource>\/<name>/);
  assert.throws(() => parseSetImageArgs(['deployment/web', '*=x', 'web=y']), /all containers are already specified by \*/);
});
