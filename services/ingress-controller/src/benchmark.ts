// The hook the network benchmark calls: an ingress controller in this process, fed by a FakeApi
// holding one Service, its EndpointSlice (the endpoint the caller names) and an Ingress routing
// every path of every host to it. Returns the URL to send the load to; the caller sends the same
// load to the endpoint directly and compares (bench/src/ingress-throughput.ts).

import { FakeApi } from '@skiff/client/testing/fake-api';
import { newRegistry, silentLogger } from '@skiff/component';
import { run, type ListeningInfo } from './run.js';
import { endpointSlice, eventually, ingress, ingressPath, request, rule, service } from './testing/objects.js';

export interface BenchmarkIngress {
  /** `http://<address>:<port>/`: every path is routed to the endpoint. */
  url: string;
  address: string;
  port: number;
  stop(): Promise<void>;
}

export async function startBenchmarkIngress(opts: { endpoint: { ip: string; port: number }; bindAddress?: string }): Promise<BenchmarkIngress> {
  const address = opts.bindAddress ?? '127.0.0.1';
  const api = new FakeApi();
  await api.create('services', service('web', [{ name: 'http', port: 80 }]));
  await api.create('endpointslices', endpointSlice('web', 'http', opts.endpoint.port, [opts.endpoint.ip]));
  await api.create('ingresses', ingress('web', { rules: [rule(undefined, ingressPath('/', 'Prefix', 'web', 'http'))] }));
  const ctl = new AbortController();
  let done: Promise<void> = Promise.resolve();
  const info = await new Promise<ListeningInfo>((resolve, reject) => {
    done = run(
      ctl.signal,
      { apiserver: 'fake', bindAddresses: [address], port: 0, ingressClass: 'skiff', defaultClass: true, bindAddress: '127.0.0.1', httpPort: 0, drainTimeoutMs: 2000 },
      { client: api, log: silentLogger(), registry: newRegistry(), onListening: resolve },
    );
    done.catch(reject);
  });
  const port = info.proxy[0]?.port ?? 0;
  const stop = async (): Promise<void> => {
    ctl.abort();
    await done;
  };
  try {
    await eventually(async () => (await request(port, '/')).status === 200, 10_000);
  } catch (e) {
    await stop();
    throw new Error(`the benchmark Ingress never answered 200 from ${opts.endpoint.ip}:${opts.endpoint.port}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { url: `http://${address}:${port}/`, address, port, stop };
}
