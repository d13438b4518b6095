// REST API latency benchmark (`npm run bench:api -w bench`). Starts its own local cluster
// (`skiff up`, 2 nodes), fills it with 200 pods that stay Pending (a nodeSelector no node has, so no
// container is started and Docker plays no part), and prints p50/p99/max of:
//   - `kubectl get pods` (the whole process, as a user runs it, through the kubeconfig `skiff up`
//     wrote: HTTPS, token, a Table of 200 rows), against a raw etcd range read of the same pods;
//   - a create (a small ConfigMap) through the REST API (HTTPS, keep-alive, JSON) and through the
//     gRPC API (@skiff/client), each against a raw etcd put of a value of the same size;
//   - for context, kubectl's own start-up (`kubectl version --client`, no request), and a REST list of the 200 pods (JSON) and a gRPC list, against the same etcd read.
// The etcd baseline is measured in the same run with the etcd3 client against the cluster's etcd.
// Figures only: it asserts nothing about durations. Counts are bounded by the flags.
//
// Usage: node bench/dist/api-latency.js [--pods 200] [--gets 30] [--creates 200]

import crypto from 'node:crypto';
import https from 'node:https';
import { parseArgs } from 'node:util';
import { Etcd3 } from 'etcd3';
import type { ConfigMap, Pod } from '@skiff/api';
import { waitFor, type Cluster } from '@skiff/e2e/harness';
import { clusterKubeconfig, findKubectl } from '@skiff/e2e/kubectl';
import { restRequest, restTarget, showResponse } from '@skiff/e2e/rest-request';
import { runCommand } from '@skiff/e2e/run-cli';
import { machineLine, runBenchmark, say } from './bench-main.js';
import { ms, ratio, summarize, table, type Summary } from './stats.js';

const { values: flags } = parseArgs({
  options: {
    pods: { type: 'string', default: '200' },
    gets: { type: 'string', default: '30' },
    creates: { type: 'string', default: '200' },
  },
});
function count(name: string, v: string | undefined, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    process.stderr.write(`--${name} must be an integer in 1..${max}, got ${v ?? ''}\n`);
    process.exit(2);
  }
  return n;
}
const PODS = count('pods', flags.pods, 2000);
const GETS = count('gets', flags.gets, 500);
const CREATES = count('creates', flags.creates, 2000);
const NS = 'default';
const RUN = crypto.randomBytes(3).toString('hex');

function pendingPod(i: number): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `bench-api-${RUN}-${String(i).padStart(4, '0')}`, labels: { app: 'bench-api' } },
    spec: {
      // No node has this label: the pod stays Pending, nothing runs.
      nodeSelector: { 'bench.skiff.io/none': 'true' },
      containers: [{ name: 'main', image: 'skiff/busybox:latest', command: ['sleep', '3600'], resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
    },
  };
}

function configMap(prefix: string, i: number): ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${prefix}-${RUN}-${i}` }, data: { color: 'blue', index: String(i) } };
}

async function timed(n: number, op: (i: number) => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await op(i);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return samples;
}

async function body(cluster: Cluster): Promise<void> {
  const kubeconfig = clusterKubeconfig(cluster);
  const kubectl = findKubectl();
  const target = restTarget(kubeconfig);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  const env = { KUBECONFIG: kubeconfig, KUBECACHEDIR: `${cluster.dir}/kubectl-cache` };
  const etcd = new Etcd3({ hosts: cluster.state.etcd.clientUrl });
  try {
    say(`creating ${PODS} Pending pods (nodeSelector no node matches)`);
    for (let i = 0; i < PODS; i += 20) {
      await Promise.all(Array.from({ length: Math.min(20, PODS - i) }, (_, j) => cluster.client.create('pods', { ...pendingPod(i + j), metadata: { ...pendingPod(i + j).metadata, namespace: NS } })));
    }
    await waitFor(async () => (await cluster.client.list<Pod>('pods', { namespace: NS, labelSelector: 'app=bench-api' })).items.length === PODS, {
      timeoutMs: 60_000,
      what: `${PODS} pods listed`,
    });

    // Warm-up: kubectl's discovery cache, TLS session, the apiserver's code paths, etcd's connection.
    for (let i = 0; i < 3; i++) {
      const r = await runCommand([kubectl, 'get', 'pods'], { env, timeoutMs: 30_000 });
      if (r.code !== 0) throw new Error(`kubectl get pods failed:\n${r.stderr}`);
      const rows = r.stdout.trim().split('\n').length - 1;
      if (rows !== PODS) throw new Error(`kubectl get pods printed ${rows} rows, expected ${PODS}`);
    }
    await etcd.getAll().prefix('/registry/pods/').keys();

    say(`kubectl get pods × ${GETS}`);
    const kubectlGet = await timed(GETS, async () => {
      const r = await runCommand([kubectl, 'get', 'pods'], { env, timeoutMs: 30_000 });
      if (r.code !== 0) throw new Error(`kubectl get pods failed:\n${r.stderr}`);
    });
    say(`kubectl version --client × ${GETS} (the process alone, no request)`);
    const kubectlBare = await timed(GETS, async () => {
      const r = await runCommand([kubectl, 'version', '--client'], { env, timeoutMs: 30_000 });
      if (r.code !== 0) throw new Error(`kubectl version --client failed:\n${r.stderr}`);
    });
    say(`raw etcd range read of /registry/pods/ × ${GETS}`);
    const etcdRange = await timed(GETS, async () => {
      const kv = await etcd.getAll().prefix('/registry/pods/').buffers();
      if (Object.keys(kv).length < PODS) throw new Error(`etcd range returned ${Object.keys(kv).length} pods`);
    });
    say(`REST list of pods (JSON) × ${GETS}, gRPC list × ${GETS}`);
    const restList = await timed(GETS, async () => {
      const r = await restRequest(target, { path: `/api/v1/namespaces/${NS}/pods`, agent });
      if (r.status !== 200) throw new Error(`REST list: ${showResponse(r)}`);
    });
    const grpcList = await timed(GETS, async () => {
      await cluster.client.list<Pod>('pods', { namespace: NS });
    });

    say(`creates × ${CREATES}: REST, gRPC, raw etcd put`);
    const restCreate = await timed(CREATES, async (i) => {
      const r = await restRequest(target, {
        method: 'POST',
        path: `/api/v1/namespaces/${NS}/configmaps`,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(configMap('bench-rest', i)),
        agent,
      });
      if (r.status !== 201) throw new Error(`REST create: ${showResponse(r)}`);
    });
    const grpcCreate = await timed(CREATES, async (i) => {
      await cluster.client.create('configmaps', { ...configMap('bench-grpc', i), metadata: { ...configMap('bench-grpc', i).metadata, namespace: NS } });
    });
    // What the apiserver stores for such a ConfigMap, near enough: the object with its metadata.
    const stored = await cluster.client.get<ConfigMap>('configmaps', NS, `bench-grpc-${RUN}-0`);
    const value = JSON.stringify(stored);
    const etcdPut = await timed(CREATES, async (i) => {
      await etcd.put(`/bench-api/${RUN}/configmaps/${i}`).value(value);
    });
    const etcdGet = await timed(CREATES, async (i) => {
      await etcd.get(`/bench-api/${RUN}/configmaps/${i}`).string();
    });
    await etcd.delete().prefix(`/bench-api/${RUN}/`);

    const s = {
      kubectlGet: summarize(kubectlGet),
      kubectlBare: summarize(kubectlBare),
      etcdRange: summarize(etcdRange),
      restList: summarize(restList),
      grpcList: summarize(grpcList),
      restCreate: summarize(restCreate),
      grpcCreate: summarize(grpcCreate),
      etcdPut: summarize(etcdPut),
      etcdGet: summarize(etcdGet),
    };
    const row = (name: string, x: Summary, base: Summary | undefined): string[] => [
      name,
      String(x.n),
      ms1(x.p50),
      ms1(x.p99),
      ms1(x.max),
      base ? ratio(x.p50, base.p50) : '',
      base ? ratio(x.p99, base.p99) : '',
    ];
    process.stdout.write(`\nREST API latency, ${PODS} pods in the cluster (${RUN}); ${machineLine()}\n\n`);
    process.stdout.write(
      `${table(
        ['operation', 'n', 'p50', 'p99', 'max', 'p50 / etcd', 'p99 / etcd'],
        [
          row(`kubectl get pods (${PODS} rows, whole process)`, s.kubectlGet, s.etcdRange),
          row('kubectl version --client (process start only)', s.kubectlBare, undefined),
          row('REST GET pods list (JSON)', s.restList, s.etcdRange),
          row('gRPC list pods', s.grpcList, s.etcdRange),
          row(`etcd range read /registry/pods/ (${PODS} keys)`, s.etcdRange, undefined),
          row('create ConfigMap through REST (HTTPS)', s.restCreate, s.etcdPut),
          row('create ConfigMap through gRPC', s.grpcCreate, s.etcdPut),
          row(`etcd put (${value.length} B value)`, s.etcdPut, undefined),
          row('etcd get (one key)', s.etcdGet, undefined),
        ],
      )}\n`,
    );
    process.stdout.write('\nRatios: reads against the etcd range read of the same pods, creates against a raw etcd put of the same size (p50 to p50, p99 to p99).\n');
  } finally {
    agent.destroy();
    etcd.close();
  }
}

function ms1(v: number): string {
  return v < 10 ? `${v.toFixed(2)} ms` : ms(v);
}

runBenchmark({ prefix: 'bench-api', nodes: 2 }, body);
