// The real `skiff` binary (cli/dist/main.js, its own process) against an apiserver started in this
// process on a real etcd: apply, get (tables, -o yaml, -A, -w), describe, delete and kubectl's
// errors, as a user sees them. No kubelet or controllers run, so pods stay Pending.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Pod, ReplicaSet } from '@skiff/api';
import { parse } from 'yaml';
import { InProcessApi } from './testing/in-process-api.js';
import { parseTable, showRun, type Run } from './testing/run-skiff.js';

const NS = 'cli-it';

const api = new InProcessApi();
const cli = api.cli;
let manifests: string;
const skiff = (args: readonly string[], opts: { server?: string; input?: string } = {}): Promise<Run> => cli.run(args, opts);
const ok = (...args: string[]): Promise<string> => cli.ok(...args);
const show = showRun;
const table = parseTable;

before(async () => {
  await api.start('skiff-cli-it-');
  manifests = path.join(api.home, 'manifests');
  fs.mkdirSync(manifests);
  fs.writeFileSync(path.join(manifests, '00-namespace.yaml'), `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NS}\n`);
  fs.writeFileSync(
    path.join(manifests, '10-app.yaml'),
    [
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: solo',
      `  namespace: ${NS}`,
      '  labels: {app: solo}',
      'spec:',
      '  containers:',
      '  - name: main',
      '    image: skiff/busybox:latest',
      '    imagePullPolicy: Never',
      '---',
      'apiVersion: apps/v1',
      'kind: ReplicaSet',
      'metadata:',
      '  name: web',
      `  namespace: ${NS}`,
      'spec:',
      '  replicas: 2',
      '  selector: {matchLabels: {app: web}}',
      '  template:',
      '    metadata: {labels: {app: web}}',
      '    spec:',
      '      containers:',
      '      - name: web',
      '        image: skiff/demo-web:v1',
      '        imagePullPolicy: Never',
      '        ports: [{containerPort: 8080}]',
      '',
    ].join('\n'),
  );
});

after(() => api.stop());

test('apply -f DIR creates, re-applying is unchanged, an edit is configured', async () => {
  assert.equal(await ok('apply', '-f', manifests), `namespace/${NS} created\npod/solo created\nreplicaset.apps/web created\n`);
  assert.equal(await ok('apply', '-f', manifests), `namespace/${NS} unchanged\npod/solo unchanged\nreplicaset.apps/web unchanged\n`);
  const file = path.join(manifests, '10-app.yaml');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('replicas: 2', 'replicas: 3'));
  assert.match(await ok('apply', '-f', file), /^pod\/solo unchanged\nreplicaset\.apps\/web configured\n$/);
  const rs = await api.client.get<ReplicaSet>('replicasets', NS, 'web');
  assert.equal(rs.spec.replicas, 3);
});

test('apply -f - reads stdin; the namespace comes from -n', async () => {
  const r = await skiff(['apply', '-n', NS, '-f', '-'], { input: 'apiVersion: v1\nkind: Pod\nmetadata: {name: from-stdin}\nspec: {containers: [{name: c, image: skiff/busybox:latest}]}\n' });
  assert.equal(r.code, 0, show(r));
  assert.equal(r.stdout, 'pod/from-stdin created\n');
  assert.equal((await api.client.get<Pod>('pods', NS, 'from-stdin')).metadata.namespace, NS);
});

test('get: aligned tables, -A, -o yaml, -o name, several kinds', async () => {
  const pods = table(await ok('get', 'pods', '-n', NS));
  assert.deepEqual(
    pods.map((p) => [p['NAME'], p['READY'], p['STATUS'], p['RESTARTS']]),
    [['from-stdin', '0/1', 'Pending', '0'], ['solo', '0/1', 'Pending', '0']],
  );
  const all = await ok('get', 'pods', '-A');
  assert.match(all.split('\n')[0] ?? '', /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
  assert.ok(table(all).some((r) => r['NAMESPACE'] === NS && r['NAME'] === 'solo'));

  const rs = parse(await ok('get', 'rs', 'web', '-n', NS, '-o', 'yaml')) as ReplicaSet;
  assert.equal(rs.kind, 'ReplicaSet');
  assert.equal(rs.spec.replicas, 3);
  const list = parse(await ok('get', 'pods', '-n', NS, '-o', 'yaml')) as { kind: string; items: Pod[] };
  assert.equal(list.kind, 'List');
  assert.equal(list.items.length, 2);

  assert.equal(await ok('get', 'pods', '-n', NS, '-l', 'app=solo', '-o', 'name'), 'pod/solo\n');
  const both = await ok('get', 'pods,rs', '-n', NS);
  assert.match(both, /^NAME\s+READY.*\npod\/from-stdin .*\npod\/solo .*\n\nNAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\nreplicaset\.apps\/web\s+3\s+0\s+0\s+\S+\n$/);
  assert.match(await ok('get', 'nodes'), /^$/);
});

test('describe shows the object the way kubectl does', async () => {
  const out = await ok('describe', 'rs', 'web', '-n', NS);
  assert.match(out, /^Name: +web\nNamespace: +cli-it\nSelector: +app=web\n/);
  assert.match(out, /^Replicas: +0 current \/ 3 desired$/m);
  assert.match(out, /^Pods Status: +0 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m);
  assert.match(out, /^ {4}Image: +skiff\/demo-web:v1$/m);
  assert.match(out, /^Events: +<none>\n$/m);
  const pod = await ok('describe', 'pod', 'solo', '-n', NS);
  assert.match(pod, /^Node: +<none>$/m);
  assert.match(pod, /^Status: +Pending$/m);
});

test("errors read like kubectl's and exit 1", async () => {
  const missing = await skiff(['get', 'pod', 'nope', '-n', NS]);
  assert.equal(missing.code, 1, show(missing));
  assert.equal(missing.stderr, 'Error from server (NotFound): pods "nope" not found\n');

  const kind = await skiff(['get', 'widgets']);
  assert.equal(kind.code, 1);
  assert.equal(kind.stderr, 'error: the server doesn\'t have a resource type "widgets"\n');

  const bad = path.join(api.home, 'bad.yaml');
  fs.writeFileSync(bad, 'apiVersion: v1\nkind: Widget\nmetadata:\n  name: w\n');
  const unknown = await skiff(['apply', '-f', bad]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^error: resource mapping not found for name: "w" namespace: "" from ".*bad\.yaml": no matches for kind "Widget" in version "v1"\n/);

  fs.writeFileSync(bad, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: Bad_Name\nspec:\n  containers: [{name: c, image: i}]\n');
  const invalid = await skiff(['apply', '-n', NS, '-f', bad]);
  assert.equal(invalid.code, 1);
  assert.match(invalid.stderr, /^Error from server \(Invalid\): error when creating ".*bad\.yaml": Pod "Bad_Name" is invalid: metadata\.name/);

  const empty = await skiff(['get', 'pods', '-n', 'default']);
  assert.equal(empty.code, 0);
  assert.equal(empty.stderr, 'No resources found in default namespace.\n');

  // A port nothing listens on: the apiserver's own port once we know it is closed is not at
  // hand, so take a fresh free port and close it.
  const net = await import('node:net');
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const refused = await skiff(['get', 'pods'], { server: `127.0.0.1:${port}` });
  assert.equal(refused.code, 1);
  assert.equal(refused.stderr, `The connection to the server 127.0.0.1:${port} was refused - did you specify the right host or port?\n`);
});

test('get -w prints a row for each change until interrupted', async () => {
  const child = cli.spawn(['get', 'pods', '-n', NS, '-l', 'app=watched', '-w']);
  let stdout = '';
  const seen = (re: RegExp, what: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got:\n${stdout}`)), 15_000);
      const check = (): void => {
        if (re.test(stdout)) {
          clearTimeout(timer);
          child.stdout.off('data', check);
          resolve();
        }
      };
      child.stdout.on('data', check);
      check();
    });
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  try {
    // The watch starts after the (empty) list; create until the row shows up.
    const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'watched', namespace: NS, labels: { app: 'watched' } }, spec: { containers: [{ name: 'c', image: 'skiff/busybox:latest' }] } };
    await api.client.create('pods', pod);
    await seen(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nwatched\s+0\/1\s+Pending\s+0\s+\S+\n/, 'the header and the ADDED row');
    await api.client.delete('pods', NS, 'watched');
    await seen(/\nwatched\s+0\/1\s+\S+\s+0\s+\S+\n.*watched/s, 'a row for the deletion');
  } finally {
    child.kill('SIGINT');
  }
});

test('delete prints kubectl\'s line and waits until the object is gone', async () => {
  const r = await skiff(['delete', 'pod', 'solo', '-n', NS]);
  assert.equal(r.code, 0, show(r));
  assert.equal(r.stdout, 'pod "solo" deleted\n');
  await assert.rejects(api.client.get('pods', NS, 'solo'), /not found/);
  const again = await skiff(['delete', 'pod', 'solo', '-n', NS]);
  assert.equal(again.code, 1);
  assert.equal(again.stderr, 'Error from server (NotFound): pods "solo" not found\n');
  const quiet = await skiff(['delete', 'pod', 'solo', '-n', NS, '--ignore-not-found']);
  assert.equal(quiet.code, 0, show(quiet));
  assert.equal(await ok('delete', '-f', manifests, '--ignore-not-found', '--wait=false'), `namespace "${NS}" deleted\nreplicaset.apps "web" deleted\n`);
});
