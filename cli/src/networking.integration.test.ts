// The networking commands of the real `skiff` binary against an apiserver started in this process
// on a real etcd: expose, create service, apply of Service/Endpoints/Ingress manifests, get of
// services, endpoints, endpointslices, ingresses and ingressclasses in kubectl's columns, and
// describe of services and ingresses. No controllers run: the EndpointSlices and the load-balancer
// status an endpointslice controller and an ingress controller would write are written by the test.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { LABEL_SERVICE_NAME, parseCidr, cidrContains, type EndpointSlice, type Ingress, type Service } from '@skiff/api';
import { InProcessApi } from './testing/in-process-api.js';
import { parseTable, showRun } from './testing/run-skiff.js';

const NS = 'cli-net';

const api = new InProcessApi();
const cli = api.cli;
const getSvc = (name: string): Promise<Service> => api.client.get<Service>('services', NS, name);
const inServiceRange = (ip: string | undefined): boolean => ip !== undefined && cidrContains(parseCidr('10.96.0.0/12'), ip);

before(async () => {
  await api.start('skiff-cli-net-');
  await cli.ok('create', 'namespace', NS);
  await cli.ok('config', 'set-context', '--current', '--namespace', NS);
});
after(() => api.stop());

test('expose deployment: a Service with the deployment\'s selector and labels, a ClusterIP and a NodePort', async () => {
  await cli.ok('create', 'deployment', 'web', '--image', 'skiff/demo-web:v1', '--port', '8080');
  assert.equal(await cli.ok('expose', 'deployment/web', '--port', '80', '--target-port', '8080', '--type', 'NodePort'), 'service/web exposed\n');
  const svc = await getSvc('web');
  assert.deepEqual(svc.spec.selector, { app: 'web' });
  assert.deepEqual(svc.metadata.labels, { app: 'web' });
  assert.equal(svc.spec.type, 'NodePort');
  assert.ok(inServiceRange(svc.spec.clusterIP), `ClusterIP ${svc.spec.clusterIP} from the range`);
  const nodePort = svc.spec.ports?.[0]?.nodePort ?? 0;
  assert.ok(nodePort >= 30000 && nodePort <= 32767, `NodePort ${nodePort}`);

  // Without --port, the deployment's one container port.
  assert.equal(await cli.ok('expose', 'deployment', 'web', '--name', 'web-direct'), 'service/web-direct exposed\n');
  assert.deepEqual((await getSvc('web-direct')).spec.ports?.map((p) => [p.port, p.targetPort, p.protocol]), [[8080, 8080, 'TCP']]);

  const again = await cli.fails('expose', 'deployment/web', '--port', '80');
  assert.equal(again.stderr, 'Error from server (AlreadyExists): services "web" already exists\n');
  const missing = await cli.fails('expose', 'deployment/nope', '--port', '80');
  assert.match(missing.stderr, /^Error from server \(NotFound\): deployments(\.apps)? "nope" not found\n$/);
  const node = await cli.fails('expose', 'node/x', '--port', '80');
  assert.equal(node.stderr, 'error: cannot expose a Node\n');

  const dry = await cli.ok('expose', 'deployment/web', '--name', 'web-dry', '--port', '81', '--dry-run=client', '-o', 'yaml');
  assert.match(dry, /^apiVersion: v1\nkind: Service\n/);
  await assert.rejects(getSvc('web-dry'), /not found/);
});

test("get svc: kubectl's columns, PORT(S) with the node port, -o wide adds the selector", async () => {
  const web = await getSvc('web');
  const rows = parseTable(await cli.ok('get', 'svc'));
  const row = rows.find((r) => r['NAME'] === 'web');
  assert.deepEqual(Object.keys(row ?? {}), ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
  assert.equal(row?.['TYPE'], 'NodePort');
  assert.equal(row?.['CLUSTER-IP'], web.spec.clusterIP);
  assert.equal(row?.['EXTERNAL-IP'], '<none>');
  assert.equal(row?.['PORT(S)'], `80:${web.spec.ports?.[0]?.nodePort}/TCP`);
  const wide = parseTable(await cli.ok('get', 'service', 'web', '-o', 'wide'));
  assert.equal(wide[0]?.['SELECTOR'], 'app=web');
});

test('create service clusterip|nodeport: kubectl\'s generated Service; a requested NodePort in use is refused', async () => {
  assert.equal(await cli.ok('create', 'service', 'clusterip', 'api', '--tcp=80:8080'), 'service/api created\n');
  const apiSvc = await getSvc('api');
  assert.deepEqual(apiSvc.spec.ports?.map((p) => [p.name, p.port, p.targetPort]), [['80-8080', 80, 8080]]);
  assert.deepEqual(apiSvc.spec.selector, { app: 'api' });

  const taken = (await getSvc('web')).spec.ports?.[0]?.nodePort ?? 0;
  const clash = await cli.fails('create', 'service', 'nodeport', 'other', '--tcp=80', `--node-port=${taken}`);
  assert.match(clash.stderr, /^error: failed to create NodePort service: .*already allocated/);
  const none = await cli.fails('create', 'service', 'clusterip', 'empty');
  assert.equal(none.stderr, 'error: at least one tcp port specifier must be provided\n');
});

test('apply -f: a selector-less Service with manual Endpoints, an Ingress; re-applying keeps the allocated NodePort', async () => {
  const dir = path.join(api.home, 'net-manifests');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'app.yaml');
  const manifest = (targetPort: number): string =>
    [
      'apiVersion: v1',
      'kind: Service',
      'metadata: {name: ext}',
      'spec:',
      '  type: NodePort',
      `  ports: [{port: 80, targetPort: ${targetPort}}]`,
      '---',
      'apiVersion: v1',
      'kind: Endpoints',
      'metadata: {name: ext}',
      'subsets:',
      '- addresses: [{ip: 10.250.0.50}, {ip: 10.250.0.51}, {ip: 10.250.0.52}, {ip: 10.250.0.53}]',
      `  ports: [{port: ${targetPort}}]`,
      '---',
      'apiVersion: networking.k8s.io/v1',
      'kind: Ingress',
      'metadata: {name: site}',
      'spec:',
      '  ingressClassName: skiff',
      '  rules:',
      '  - http:',
      '      paths:',
      '      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}',
      '      - {path: /web, pathType: Prefix, backend: {service: {name: missing, port: {number: 80}}}}',
      '',
    ].join('\n');
  fs.writeFileSync(file, manifest(9000));
  assert.equal(await cli.ok('apply', '-f', file), 'service/ext created\nendpoints/ext created\ningress.networking.k8s.io/site created\n');
  const first = await getSvc('ext');
  assert.equal(await cli.ok('apply', '-f', file), 'service/ext unchanged\nendpoints/ext unchanged\ningress.networking.k8s.io/site unchanged\n');
  fs.writeFileSync(file, manifest(9001));
  assert.equal(await cli.ok('apply', '-f', file), 'service/ext configured\nendpoints/ext configured\ningress.networking.k8s.io/site unchanged\n');
  const second = await getSvc('ext');
  assert.equal(second.spec.ports?.[0]?.targetPort, 9001);
  assert.equal(second.spec.ports?.[0]?.nodePort, first.spec.ports?.[0]?.nodePort, 'the NodePort stays');
  assert.equal(second.spec.clusterIP, first.spec.clusterIP, 'the ClusterIP stays');

  const ep = parseTable(await cli.ok('get', 'endpoints', 'ext'));
  assert.equal(ep[0]?.['ENDPOINTS'], '10.250.0.50:9001,10.250.0.51:9001,10.250.0.52:9001 + 1 more...');
});

test('get svc,endpoints,ingress: one table per kind, names with their kind; ingress ADDRESS from its status', async () => {
  const ing = await api.client.get<Ingress>('ingresses', NS, 'site');
  await api.client.updateStatus('ingresses', { ...ing, status: { loadBalancer: { ingress: [{ ip: '127.0.0.2' }] } } });
  const out = await cli.ok('get', 'svc,endpoints,ingress');
  const tables = out.trimEnd().split('\n\n').map(parseTable);
  assert.equal(tables.length, 3);
  assert.ok(tables[0]?.some((r) => r['NAME'] === 'service/web'));
  assert.ok(tables[1]?.some((r) => r['NAME'] === 'endpoints/ext'));
  assert.deepEqual(tables[2], [{ NAME: 'ingress.networking.k8s.io/site', CLASS: 'skiff', HOSTS: '*', ADDRESS: '127.0.0.2', PORTS: '80', AGE: tables[2]?.[0]?.['AGE'] ?? '' }]);
});

test('describe service and ingress show the endpoints of the EndpointSlices; a missing backend Service is named', async () => {
  const slice: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'api-abc12', namespace: NS, labels: { [LABEL_SERVICE_NAME]: 'api' } },
    addressType: 'IPv4',
    ports: [{ name: '80-8080', port: 8080, protocol: 'TCP' }],
    endpoints: [
      { addresses: ['10.244.1.5'], conditions: { ready: true } },
      { addresses: ['10.244.2.3'], conditions: { ready: false } },
    ],
  };
  await api.client.create('endpointslices', slice);
  const svc = await cli.ok('describe', 'service', 'api');
  assert.match(svc, /\nType: +ClusterIP\n/);
  assert.match(svc, /\nPort: +80-8080 +80\/TCP\nTargetPort: +8080\/TCP\nEndpoints: +10\.244\.1\.5:8080\n/);
  const ing = await cli.ok('describe', 'ingress', 'site');
  assert.match(ing, /\n +\/api +api:80 \(10\.244\.1\.5:8080\)\n/);
  assert.match(ing, /\n +\/web +missing:80 \(<error: services "missing" not found>\)\n/);
  assert.match(ing, /\nAddress: +127\.0\.0\.2\n/);

  const slices = parseTable(await cli.ok('get', 'endpointslices'));
  assert.deepEqual(
    slices.map((r) => [r['NAME'], r['ADDRESSTYPE'], r['PORTS'], r['ENDPOINTS']]),
    [['api-abc12', 'IPv4', '8080', '10.244.1.5,10.244.2.3']],
  );
  const ep = await cli.ok('describe', 'endpoints', 'ext');
  assert.match(ep, /\n {2}Addresses: +10\.250\.0\.50,10\.250\.0\.51,10\.250\.0\.52,10\.250\.0\.53\n/);
});

test('get ingressclasses: CONTROLLER and PARAMETERS', async () => {
  const r = await cli.run(['apply', '-f', '-'], {
    input: 'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: skiff-test}\nspec: {controller: skiff.io/ingress-controller}\n',
  });
  assert.equal(r.code, 0, showRun(r));
  const rows = parseTable(await cli.ok('get', 'ingressclasses', 'skiff-test'));
  assert.deepEqual(
    rows.map((x) => [x['NAME'], x['CONTROLLER'], x['PARAMETERS']]),
    [['skiff-test', 'skiff.io/ingress-controller', '<none>']],
  );
  await api.client.delete('ingressclasses', '', 'skiff-test');
});
