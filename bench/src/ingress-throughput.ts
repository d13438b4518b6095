// Ingress row of the network benchmark (`npm run bench:ingress -w bench`): requests/s and p99
// latency of the same bounded load (runLoad: autocannon in a child process, fixed duration, N
// connections, keep-alive off and on) sent
//   (a) directly to the endpoint, and
//   (b) through the ingress controller (an Ingress routing `/` to a Service whose EndpointSlice
//       names that endpoint; startBenchmarkIngress from @skiff/ingress-controller),
// with (b) as a ratio to (a); rows run in interleaved rounds and the median round is reported.
// The endpoint is a keep-alive Node http server in a child process of its own on 127.0.0.1; the
// ingress controller runs in this process, the load generator in another: three processes on
// this host's cores, like an ingress pod, a backend pod and a client. Load goes only to 127.0.0.1.
//
// Usage: node bench/dist/ingress-throughput.js [--duration S] [--connections N] [--rounds R]

import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { startBenchmarkIngress, type BenchmarkIngress } from '@skiff/ingress-controller/benchmark';
import { machineLine, runStandalone, say } from './bench-main.js';
import { compareRows, type LoadRow } from './http-load.js';
import { table } from './stats.js';

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '3' },
  },
});
const DURATION = Number(flags.duration);
const CONNECTIONS = Number(flags.connections);
const ROUNDS = Number(flags.rounds);
for (const [name, v] of [['duration', DURATION], ['connections', CONNECTIONS], ['rounds', ROUNDS]] as const) {
  if (!Number.isFinite(v) || v < 1) {
    process.stderr.write(`--${name} must be a positive number\n`);
    process.exit(2);
  }
}

/** The endpoint: prints its port once listening, answers every request with a short body. */
const BACKEND_SOURCE = `
const h = require('os').hostname();
const s = require('http').createServer((q, r) => r.end('hostname: ' + h + '\\n'));
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));
`;

function startBackend(): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', BACKEND_SOURCE], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`backend exited ${code}`)));
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      const port = Number(out.split('\n')[0]);
      if (out.includes('\n') && port > 0) resolve({ child, port });
    });
  });
}

let backend: { child: ChildProcess; port: number } | undefined;
let ingress: BenchmarkIngress | undefined;

async function teardown(): Promise<void> {
  await ingress?.stop().catch(() => undefined);
  backend?.child.removeAllListeners('exit');
  backend?.child.kill('SIGTERM');
}

async function main(): Promise<void> {
  say(machineLine());
  backend = await startBackend();
  ingress = await startBenchmarkIngress({ endpoint: { ip: '127.0.0.1', port: backend.port } });
  say(`endpoint 127.0.0.1:${backend.port}, ingress ${ingress.url}`);
  const rows: LoadRow[] = [
    { name: 'direct to the endpoint', url: `http://127.0.0.1:${backend.port}/` },
    { name: 'Ingress', url: ingress.url },
  ];
  const out = await compareRows(rows, { rounds: ROUNDS, connections: CONNECTIONS, durationSeconds: DURATION, keepAlive: [false, true], log: say });
  process.stdout.write(`${machineLine()}\n`);
  process.stdout.write(
    `load: autocannon in one child process, ${CONNECTIONS} connections, ${DURATION} s per run after 1 s of warm-up, median of ${ROUNDS} interleaved rounds; ` +
      `endpoint: one Node http server (own process, 127.0.0.1); the ingress controller, the endpoint and the load generator share the host's ${os.cpus().length} cores\n\n`,
  );
  process.stdout.write(table(['path', 'keep-alive', 'req/s', 'p99', 'req/s vs direct', 'p99 vs direct'], out) + '\n');
}

runStandalone(main, teardown);
