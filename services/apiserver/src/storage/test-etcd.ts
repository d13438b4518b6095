// A real etcd for integration and end-to-end tests: one process on free loopback ports with its own
// temporary data directory. `stop()` ends it (SIGTERM by PID) and removes the directory; `kill()`
// and `restart()` are for fault tests ("etcd crashed", "etcd stopped and started again") and keep
// the same ports and data, so clients configured with `endpoint` reconnect to the same cluster.
//
// A process-exit hook SIGKILLs any etcd still running and removes its directory, so a test run that
// crashes does not leave etcd processes behind.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestEtcd {
  /** `http://127.0.0.1:PORT`, the client URL (give it to EtcdStorage / `--etcd-servers`). */
  readonly endpoint: string;
  readonly dataDir: string;
  /** The PID of the running etcd process (a new one after `restart()`). */
  readonly pid: number;
  /** SIGTERM, wait for exit, remove the data directory. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL (a crash), wait for exit; keeps the data directory so `restart()` can bring it back. */
  kill(): Promise<void>;
  /** Stops the process if running (SIGTERM) and starts it again on the same ports and data dir. */
  restart(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;

const running = new Set<ChildProcess>();
const dirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
}

function etcdBinary(): string {
  return existsSync('/usr/bin/etcd') ? '/usr/bin/etcd' : 'etcd';
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not allocate a port'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function signalAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, signal);
  } catch {
    return;
  }
  const done = exited(child);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS);
  });
  const result = await Promise.race([done.then(() => 'exited' as const), timeout]);
  clearTimeout(timer);
  if (result === 'timeout' && signal !== 'SIGKILL') {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await done;
  }
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1_000) });
    if (!res.ok) return false;
    const body = (await res.json()) as { health?: unknown };
    return body.health === 'true' || body.health === true;
  } catch {
    return false;
  }
}

export async function startTestEtcd(): Promise<TestEtcd> {
  installExitHook();
  const root = mkdtempSync(join(tmpdir(), 'skiff-etcd-'));
  dirs.add(root);
  const dataDir = join(root, 'data');
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name', 'skiff-test',
    '--data-dir', dataDir,
    '--listen-client-urls', endpoint,
    '--advertise-client-urls', endpoint,
    '--listen-peer-urls', peerUrl,
    '--initial-advertise-peer-urls', peerUrl,
    '--initial-cluster', `skiff-test=${peerUrl}`,
    '--initial-cluster-state', 'new',
    '--log-level', 'error',
  ];

  let child: ChildProcess | undefined;
  let stderrTail = '';

  const launch = async (): Promise<void> => {
    stderrTail = '';
    const proc = spawn(etcdBinary(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    running.add(proc);
    proc.once('exit', () => running.delete(proc));
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-4_000);
    });
    let spawnError: Error | undefined;
    proc.once('error', (err) => {
      spawnError = err;
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`etcd exited during start (${proc.exitCode ?? proc.signalCode}): ${stderrTail}`);
      }
      if (spawnError !== undefined) throw new Error(`cannot start etcd: ${spawnError.message}`);
      if (await healthy(endpoint)) return;
      if (Date.now() > deadline) {
        await signalAndWait(proc, 'SIGKILL');
        throw new Error(`etcd at ${endpoint} not healthy after ${READY_TIMEOUT_MS} ms: ${stderrTail}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  try {
    await launch();
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    dirs.delete(root);
    throw err;
  }

  let stopped = false;
  return {
    endpoint,
    dataDir,
    get pid(): number {
      return child?.pid ?? -1;
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      if (child !== undefined) await signalAndWait(child, 'SIGTERM');
      rmSync(root, { recursive: true, force: true });
      dirs.delete(root);
    },
    async kill(): Promise<void> {
      if (child !== undefined) await signalAndWait(child, 'SIGKILL');
    },
    async restart(): Promise<void> {
      if (stopped) throw new Error('etcd was stopped for good; start a new one');
      if (child !== undefined) await signalAndWait(child, 'SIGTERM');
      await launch();
    },
  };
}
