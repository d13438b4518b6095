// Network benchmark (`npm run bench:network -w bench`): the cost of reaching a pod through a Service.
// Prints, in one run:
//   - requests/s and p99 latency for the same bounded load (fixed duration, N connections;
//     keep-alive off = a new connection per request, and on) sent
//       (a) directly to a pod IP,
//       (b) to a ClusterIP programmed by kube-proxy in iptables mode,
//       (c) to a ClusterIP served by kube-proxy in userspace mode,
//     each as a ratio to (a); rows run in interleaved rounds: the median round is reported, and the
//     ratios are the median of the rounds' own ratios;
//   - the time for kube-proxy (iptables mode) to program 1,000 Services with one endpoint each:
//     from its start (the objects already in the API) to every rule in place, that sync alone, and
//     the time for one change among them (an endpoint added) to be in place on the running proxy.
// No cluster: the pod is a container on a Docker network of the run's own (label
// skiff.io/node=kp-bench-<run>) and the API is a FakeApi, so the figures are the data path and
// kube-proxy's programming alone. kube-proxy runs inside this process (in userspace mode it does
// the forwarding here); the load generator runs in a child process. Load goes only to the pod's IP
// and to the run's own service range, which a traffic guard keeps on this host.
//
// The Ingress row is bench/src/ingress-throughput.ts (`npm run bench:ingress`), with the same load
// (`compareRows` in http-load.ts).
//
// Usage: node bench/dist/proxy-throughput.js [--duration S] [--connections N] [--rounds R]
//          [--services N] [--backend node|demo-web] [--no-keepalive-rows]

import { randomBytes, randomInt } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { cleanup, run, type KubeProxyConfig } from '@skiff/kube-proxy';
import { defaultConfig } from '@skiff/kube-proxy/config';
import type { SyncStats } from '@skiff/kube-proxy/proxier';
import { httpGet, until } from '@skiff/kube-proxy/testing/http';
import { endpointSlice, service } from '@skiff/kube-proxy/testing/objects';
import { installTrafficGuard, startPodNetwork, type PodNetwork } from '@skiff/kube-proxy/testing/pod-network';
import { machineLine, runStandalone, say } from './bench-main.js';
import { compareRows, type LoadRow } from './http-load.js';
import { table } from './stats.js';

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '3' },
    services: { type: 'string', default: '1000' },
    backend: { type: 'string', default: 'node' },
    'no-keepalive-rows': { type: 'boolean', default: false },
  },
});
const DURATION = Number(flags.duration);
const CONNECTIONS = Number(flags.connections);
const ROUNDS = Number(flags.rounds);
const SERVICES = Number(flags.services);
const BACKEND = flags.backend;
for (const [name, v] of [['duration', DURATION], ['connections', CONNECTIONS], ['rounds', ROUNDS], ['services', SERVICES]] as const) {
  if (!Number.isFinite(v) || v < 1) {
    process.stderr.write(`--${name} must be a positive number\n`);
    process.exit(2);
  }
}
if (BACKEND !== 'node' && BACKEND !== 'demo-web') {
  process.stderr.write('--backend must be node or demo-web\n');
  process.exit(2);
}

const RUN = randomBytes(3).toString('hex');
const PREFIX = `KPB${RUN.toUpperCase()}`;
/** The run's service range: 198.18.0.0/15 is for benchmarking (RFC 2544) and never routed here. */
const SVC_NET = `198.18.${randomInt(0, 256)}`;
const BIG_NET = `198.19.${randomInt(0, 252)}`;
const POD_PORT = 8080;

/** A keep-alive Node HTTP server: the host's own node binary, mounted read-only into a busybox container. */
const NODE_BACKEND = {
  image: 'skiff/busybox:latest',
  runArgs: ['-v', `${process.execPath}:/node:ro`, '-v', '/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu:ro', '-v', '/lib64:/lib64:ro'],
  command: [
    '/node',
    '-e',
    `const h=require('os').hostname();const s=require('http').createServer((q,r)=>r.end('hostname: '+h+'\\n'));s.keepAliveTimeout=60000;s.listen(${POD_PORT})`,
  ],
};

interface Proxy {
  ctl: AbortController;
  done: Promise<void>;
  syncs: SyncStats[];
  /** How long each sync took (ms). */
  syncMs: number[];
  /** Asks the running proxy for a sync now. */
  requestSync: () => void;
}

function startProxy(api: FakeApi, over: Partial<KubeProxyConfig>): Proxy {
  const ctl = new AbortController();
  const p: Proxy = { ctl, done: Promise.resolve(), syncs: [], syncMs: [], requestSync: () => undefined };
  const config: KubeProxyConfig = { ...defaultConfig(), httpPort: 0, nodeAddresses: [], ...over };
  p.done = run(ctl.signal, config, {
    client: api,
    log: silentLogger(),
    onSync: (s, ms) => {
      p.syncs.push(s);
      p.syncMs.push(ms);
    },
    onProxy: (proxy) => (p.requestSync = () => proxy.requestSync()),
  });
  return p;
}

async function stopProxy(p: Proxy | undefined): Promise<void> {
  if (!p) return;
  p.ctl.abort();
  await p.done;
}

interface Programming {
  /** kube-proxy started with the Services already in the API → every rule in place. */
  coldStartS: number;
  /** That sync alone. */
  syncS: number;
  natRules: number;
  /** One more endpoint for one of the Services, on a running idle proxy → in place. */
  changeS: number;
  changeSyncS: number;
}

function bigServiceIP(i: number): string {
  return `198.19.${Number(BIG_NET.split('.')[2]) + Math.floor(i / 250)}.${(i % 250) + 1}`;
}

async function programServices(pod: string): Promise<Programming> {
  const api = new FakeApi();
  for (let i = 0; i < SERVICES; i++) {
    await api.create('services', service(`svc-${i}`, { clusterIP: bigServiceIP(i), ports: [{ name: 'http', port: 80, targetPort: POD_PORT }] }));
    await api.create('endpointslices', endpointSlice(`svc-${i}-1`, `svc-${i}`, [{ ip: pod }], [{ name: 'http', port: POD_PORT }]));
  }
  const started = Date.now();
  const proxy = startProxy(api, { chainPrefix: `${PREFIX}B` });
  try {
    const all = (endpoints: number) => (st: SyncStats): boolean => st.servicePorts === SERVICES && st.endpoints === endpoints;
    await until(`${SERVICES} services programmed`, async () => proxy.syncs.some(all(SERVICES)), 120_000);
    const coldStartS = (Date.now() - started) / 1000;
    const first = proxy.syncs.findIndex(all(SERVICES));
    const check = await httpGet(bigServiceIP(SERVICES - 1), 80);
    if (!check.ok) throw new Error(`the last Service (${bigServiceIP(SERVICES - 1)}) does not answer: ${check.code}`);

    // A change on a quiet proxy (past --min-sync-period): one Service gets a second endpoint, an
    // address in the pod network that no traffic is sent to.
    await new Promise((r) => setTimeout(r, 1500));
    const i = Math.floor(SERVICES / 2);
    const slice = await api.get<ReturnType<typeof endpointSlice>>('endpointslices', 'default', `svc-${i}-1`);
    const extra = pod.replace(/\.\d+$/, '.250');
    const changed = Date.now();
    await api.update('endpointslices', { ...slice, endpoints: [...slice.endpoints, { addresses: [extra], conditions: { ready: true } }] });
    await until('the change programmed', async () => proxy.syncs.some(all(SERVICES + 1)), 60_000);
    const changeS = (Date.now() - changed) / 1000;
    const after = proxy.syncs.findIndex(all(SERVICES + 1));
    return {
      coldStartS,
      syncS: (proxy.syncMs[first] ?? NaN) / 1000,
      natRules: proxy.syncs[first]?.rules?.nat ?? 0,
      changeS,
      changeSyncS: (proxy.syncMs[after] ?? NaN) / 1000,
    };
  } finally {
    await stopProxy(proxy);
    await cleanup({ chainPrefix: `${PREFIX}B` }, { log: silentLogger() });
  }
}

let net: PodNetwork | undefined;
let unguard: (() => Promise<void>) | undefined;
let iptablesProxy: Proxy | undefined;
let userspaceProxy: Proxy | undefined;

async function teardown(): Promise<void> {
  await stopProxy(iptablesProxy).catch(() => undefined);
  await stopProxy(userspaceProxy).catch(() => undefined);
  for (const p of [`${PREFIX}I`, `${PREFIX}U`, `${PREFIX}B`]) await cleanup({ chainPrefix: p }, { log: silentLogger() }).catch(() => undefined);
  await unguard?.().catch(() => undefined);
  await net?.cleanup().catch(() => undefined);
}

async function main(): Promise<void> {
  say(machineLine());
  net = await startPodNetwork({ name: `kp-bench-${RUN}`, pods: 1, ...(BACKEND === 'node' ? NODE_BACKEND : {}) });
  const pod = net.pods[0]?.ip as string;
  unguard = await installTrafficGuard(`KPG${RUN.toUpperCase()}`, '198.18.0.0/15');
  await until('the pod serving', async () => (await httpGet(pod, POD_PORT)).ok, 20_000);
  say(`pod ${pod} (${BACKEND === 'node' ? 'Node http server' : 'skiff/demo-web, busybox httpd'}) on ${net.name} ${net.subnet}`);

  // iptables and userspace proxies, each with its own API (and so its own Service), side by side.
  const iptablesApi = new FakeApi();
  const userspaceApi = new FakeApi();
  const iptablesIP = `${SVC_NET}.10`;
  const userspaceIP = `${SVC_NET}.20`;
  await iptablesApi.create('services', service('web', { clusterIP: iptablesIP, ports: [{ name: 'http', port: 80, targetPort: POD_PORT }] }));
  await userspaceApi.create('services', service('web', { clusterIP: userspaceIP, ports: [{ name: 'http', port: 80, targetPort: POD_PORT }] }));
  for (const api of [iptablesApi, userspaceApi]) await api.create('endpointslices', endpointSlice('web-1', 'web', [{ ip: pod }], [{ name: 'http', port: POD_PORT }]));
  iptablesProxy = startProxy(iptablesApi, { chainPrefix: `${PREFIX}I` });
  userspaceProxy = startProxy(userspaceApi, { chainPrefix: `${PREFIX}U`, proxyMode: 'userspace' });
  await until('the ClusterIPs answering', async () => (await httpGet(iptablesIP, 80)).ok && (await httpGet(userspaceIP, 80)).ok, 20_000);

  // The Ingress row is bench/src/ingress-throughput.ts (same load, compareRows).
  const rows: LoadRow[] = [
    { name: 'direct to pod IP', url: `http://${pod}:${POD_PORT}/` },
    { name: 'ClusterIP, iptables', url: `http://${iptablesIP}/` },
    { name: 'ClusterIP, userspace', url: `http://${userspaceIP}/` },
  ];
  const out = await compareRows(rows, {
    rounds: ROUNDS,
    connections: CONNECTIONS,
    durationSeconds: DURATION,
    keepAlive: flags['no-keepalive-rows'] ? [false] : [false, true],
    log: say,
  });
  await stopProxy(iptablesProxy);
  await stopProxy(userspaceProxy);
  iptablesProxy = undefined;
  userspaceProxy = undefined;

  say(`programming ${SERVICES} Services (iptables mode)`);
  const prog = await programServices(pod);

  process.stdout.write(`${machineLine()}\n`);
  process.stdout.write(
    `load: ${CONNECTIONS} connections from one child process (keep-alive on: autocannon; off: node:http, a new connection per request), ${DURATION} s per run after 1 s of warm-up, median of ${ROUNDS} interleaved rounds; ` +
      `backend: ${BACKEND === 'node' ? 'one Node http server' : 'one skiff/demo-web (busybox httpd)'} in a container; kube-proxy, the backend and the load generator share the host's ${os.cpus().length} cores\n\n`,
  );
  process.stdout.write(table(['path', 'keep-alive', 'req/s', 'p99', 'req/s vs direct', 'p99 vs direct'], out) + '\n\n');
  process.stdout.write(
    `programming ${SERVICES} Services (iptables mode, 1 endpoint each): ${prog.coldStartS.toFixed(2)} s from kube-proxy's start (Services already in the API) ` +
      `to every rule in place, of which the sync (${prog.natRules} nat rules, one iptables-restore) took ${prog.syncS.toFixed(2)} s; ` +
      `one endpoint added to one of them on the running proxy: in place ${prog.changeS.toFixed(2)} s later (that sync: ${prog.changeSyncS.toFixed(2)} s)\n`,
  );
}

runStandalone(main, teardown);
