import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { CliError } from './errors.js';
import { manifestFiles, parseManifests, readManifests } from './manifests.js';

const names = (ms: { object: { metadata: { name?: string } } }[]) => ms.map((m) => m.object.metadata.name);

test('several YAML documents, empty ones skipped', () => {
  const text = '---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n---\n---\napiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: b\n...\n';
  const ms = parseManifests(text, 'f.yaml');
  assert.deepEqual(names(ms), ['a', 'b']);
  assert.equal(ms[1]?.object.kind, 'ReplicaSet');
  assert.equal(ms[0]?.source, 'f.yaml');
});

test('a List (or a <Kind>List) stands for its items', () => {
  const text = JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a' } },
      { apiVersion: 'v1', kind: 'PodList', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b' } }] },
    ],
  });
  assert.deepEqual(names(parseManifests(text, 'l.json')), ['a', 'b']);
});

test('malformed YAML names the file and the line', () => {
  const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   labels: [unclosed\n';
  assert.throws(
    () => parseManifests(text, 'bad.yaml'),
    (e: unknown) => e instanceof CliError && /^error: error parsing bad\.yaml: .*yaml: line \d+: /.test(e.message) && !e.message.includes('\n'),
  );
});

test('malformed JSON names the file and the line', () => {
  const text = '{"apiVersion": "v1",\n "kind": "Pod", "metadata": {"name": "x"}, "spec": {"containers": [\n';
  assert.throws(() => parseManifests(text, 'bad.json'), (e: unknown) => e instanceof CliError && /error parsing bad\.json: .*line \d+/.test(e.message));
});

test('a document that is not an object, or lacks apiVersion/kind, is refused with the file named', () => {
  assert.throws(() => parseManifests('- a\n- b\n', 'x.yaml'), /error parsing x\.yaml: line 1: a manifest must be an object/);
  assert.throws(() => parseManifests('metadata:\n  name: x\n', 'y.yaml'), /error validating "y\.yaml": error validating data: \[apiVersion not set, kind not set\]/);
  assert.throws(() => parseManifests('apiVersion: v1\n', 'z.yaml'), /error validating "z\.yaml": error validating data: kind not set$/);
});

test('a missing metadata becomes an empty one (the server then names what is missing)', () => {
  assert.deepEqual(parseManifests('apiVersion: v1\nkind: Pod\n', 'a.yaml')[0]?.object.metadata, {});
});

test('directories: their .yaml/.yml/.json files in name order, not recursive; a missing path is an error', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-manifests-'));
  try {
    fs.writeFileSync(path.join(dir, 'b.yml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: b}\n');
    fs.writeFileSync(path.join(dir, 'a.json'), '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}}');
    fs.writeFileSync(path.join(dir, 'c.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: c}\n');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a manifest');
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub', 'd.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: d}\n');
    assert.deepEqual(manifestFiles(dir).map((f) => path.basename(f)), ['a.json', 'b.yml', 'c.yaml']);
    const ms = await readManifests([dir]);
    assert.deepEqual(names(ms), ['a', 'b', 'c']);
    assert.equal(ms[0]?.source, path.join(dir, 'a.json'));
    await assert.rejects(readManifests([path.join(dir, 'nope.yaml')]), /the path ".*nope\.yaml" does not exist/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('- reads stdin', async () => {
  const stdin = Readable.from([Buffer.from('apiVersion: v1\nkind: Pod\nmetadata:\n  name: from-stdin\n')]);
  const ms = await readManifests(['-'], stdin);
  assert.deepEqual(names(ms), ['from-stdin']);
  assert.equal(ms[0]?.source, 'STDIN');
});

test('no -f at all is a usage error', async () => {
  await assert.rejects(readManifests([]), /must specify one of -f/);
});
