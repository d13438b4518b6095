// The product Storage: etcd v3 through npm `etcd3`. Every write is one transaction with a compare
// on the key's revisions (create: createRevision == 0; update/delete: modRevision == expected), so
// the registry's optimistic concurrency is etcd's own. Watches use etcd3's watch manager, which
// multiplexes them on one gRPC stream and re-attaches them after a disconnect from the revision
// after the last one delivered.
//
// Fault handling (etcd3 wraps every call in cockatiel policies). Its defaults are a 3-attempt retry
// around a per-host circuit breaker that opens for 5 s after 3 failures, and a watch reconnect
// backoff of up to 30 s: with a single etcd that turns an outage into slow failures and a recovery
// delayed by up to 5 s (calls) or 30 s (watches). Here instead:
//   - one endpoint: no retry and no breaker. A refused connection fails at once and the first call
//     after etcd is back goes through;
//   - several endpoints: a breaker per host (half-open after 1 s) so calls skip a dead member, and
//     a retry on UNAVAILABLE that moves the call to another member;
//   - every unary call carries a deadline (`dialTimeoutMs`, default 5 s), so a hung or unreachable
//     etcd gives StorageUnavailable within that time instead of hanging;
//   - gRPC reconnects with a backoff capped at 1 s, and watch streams re-establish with a backoff
//     from 100 ms capped at 2 s;
//   - keepalive pings on open streams (30 s, 10 s timeout, as Kubernetes' etcd client does) so a
//     silently dead connection is noticed.

import type { Logger } from '@skiff/component';
import { silentLogger } from '@skiff/component';
import {
  ConsecutiveBreaker,
  ExponentialBackoff,
  circuitBreaker,
  handleWhen,
  isBrokenCircuitError,
  noop,
  retry,
} from 'cockatiel';
import {
  ClientClosedError,
  Etcd3,
  GRPCDeadlineExceededError,
  GRPCOutOfRangeError,
  GRPCUnavailableError,
  isRecoverableError,
  type IKeyValue,
  type IOptions,
  type ITxnResponse,
  type IWatchResponse,
  type Watcher,
} from 'etcd3';
import {
  StorageCompacted,
  StorageConflict,
  StorageKeyExists,
  StorageKeyNotFound,
  StorageUnavailable,
  type ListResult,
  type Storage,
  type StorageEvent,
  type StorageWatch,
  type StoredValue,
  type WatchHandlers,
} from './storage.js';

export interface EtcdStorageOptions {
  /** Client URLs, e.g. `['http://127.0.0.1:2379']`. */
  endpoints: string[];
  log?: Logger;
  /**
   * The deadline of every unary call, connection included: when etcd is down, hung or unreachable
   * a call fails with StorageUnavailable after at most this long. Default 5000.
   */
  dialTimeoutMs?: number;
}

const DEFAULT_CALL_TIMEOUT_MS = 5_000;
/** How long closing a watch waits for etcd to confirm the cancel before giving up on it. */
const CANCEL_TIMEOUT_MS = 2_000;
const COMPACTED_MESSAGE = 'required revision has been compacted';

function isObject(e: unknown): e is object {
  return typeof e === 'object' && e !== null;
}

/** True when the error means "etcd cannot be reached right now" rather than a rejected request. */
export function isUnavailableError(e: unknown): boolean {
  if (!isObject(e)) return false;
  return (
    e instanceof StorageUnavailable ||
    isRecoverableError(e as Error) ||
    isBrokenCircuitError(e) ||
    e instanceof GRPCUnavailableError ||
    e instanceof GRPCDeadlineExceededError ||
    e instanceof ClientClosedError
  );
}

/** The error's message, without grpc-js's trailing (often empty) "Resolution note:" and final dot. */
function errorMessage(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.replace(/\.?\s*Resolution note:.*$/s, '').trim();
}

function stringValue(kv: IKeyValue | undefined): string | undefined {
  return kv === undefined || kv === null ? undefined : kv.value.toString('utf8');
}

export class EtcdStorage implements Storage {
  private readonly client: Etcd3;
  private readonly log: Logger;
  private readonly callTimeoutMs: number;
  private readonly watches = new Set<{ cancel(): Promise<void> }>();
  private closed = false;

  constructor(opts: EtcdStorageOptions) {
    if (opts.endpoints.length === 0) throw new Error('EtcdStorage needs at least one endpoint');
    this.log = opts.log ?? silentLogger();
    this.callTimeoutMs = opts.dialTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    const several = opts.endpoints.length > 1;
    const options: IOptions = {
      hosts: opts.endpoints,
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + this.callTimeoutMs }),
      grpcOptions: {
        'grpc.keepalive_time_ms': 30_000,
        'grpc.keepalive_timeout_ms': 10_000,
        'grpc.initial_reconnect_backoff_ms': 100,
        'grpc.max_reconnect_backoff_ms': 1_000,
        // Lists of many objects exceed gRPC's default 4 MiB receive limit.
        'grpc.max_receive_message_length': 256 * 1024 * 1024,
      },
      faultHandling: {
        host: () =>
          several
            ? circuitBreaker(handleWhen(isRecoverableError), {
                halfOpenAfter: 1_000,
                breaker: new ConsecutiveBreaker(3),
              })
            : noop,
        global: several
          ? retry(
              handleWhen((e) => e instanceof GRPCUnavailableError || isBrokenCircuitError(e)),
              { maxAttempts: opts.endpoints.length - 1 },
            )
          : noop,
        // etcd3 calls next() on this for the first delay, as on the factory it defaults to.
        watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2_000 }).next(),
      },
    };
    this.client = new Etcd3(options);
  }

  async create(key: string, value: string): Promise<number> {
    const res = await this.call('create', key, () =>
      this.client.if(key, 'Create', '==', 0).then(this.client.put(key).value(value)).commit(),
    );
    if (!res.succeeded) throw new StorageKeyExists(key);
    return Number(res.header.revision);
  }

  async get(key: string): Promise<StoredValue | undefined> {
    const res = await this.call('get', key, () => this.client.get(key).exec());
    const kv = res.kvs[0];
    if (kv === undefined) return undefined;
    return { key, value: kv.value.toString('utf8'), modRevision: Number(kv.mod_revision) };
  }

  async list(prefix: string): Promise<ListResult> {
    // One range request: etcd answers it at a single revision, in key order.
    const res = await this.call('list', prefix, () => this.client.getAll().prefix(prefix).exec());
    return {
      items: res.kvs.map((kv) => ({
        key: kv.key.toString('utf8'),
        value: kv.value.toString('utf8'),
        modRevision: Number(kv.mod_revision),
      })),
      revision: Number(res.header.revision),
    };
  }

  async update(key: string, value: string, expectedRevision: number): Promise<number> {
    const res = await this.call('update', key, () =>
      this.client
        .if(key, 'Mod', '==', expectedRevision)
        .and(key, 'Create', '>', 0)
        .then(this.client.put(key).value(value))
        .else(this.client.get(key))
        .commit(),
    );
    if (res.succeeded) return Number(res.header.revision);
    throw this.failedCompare(key, res);
  }

  async delete(key: string, expectedRevision?: number): Promise<number> {
    const res = await this.call('delete', key, () => {
      const txn =
        expectedRevision === undefined
          ? this.client.if(key, 'Create', '>', 0)
          : this.client.if(key, 'Mod', '==', expectedRevision).and(key, 'Create', '>', 0);
      return txn.then(this.client.delete().key(key)).else(this.client.get(key)).commit();
    });
    if (res.succeeded) return Number(res.header.revision);
    throw this.failedCompare(key, res);
  }

  async revision(): Promise<number> {
    const res = await this.call('revision', '', () => this.client.get('/').exec());
    return Number(res.header.revision);
  }

  async compact(revision: number): Promise<void> {
    try {
      await this.call('compact', '', () => this.client.kv.compact({ revision, physical: true }));
    } catch (err) {
      // Compacting to a revision that is already compacted is a no-op, as in MemoryStorage.
      if (err instanceof GRPCOutOfRangeError && err.message.includes(COMPACTED_MESSAGE)) return;
      throw err;
    }
  }

  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): StorageWatch {
    const log = this.log.child({ watch: prefix });
    if (this.closed) {
      queueMicrotask(() => handlers.onError(new StorageUnavailable('etcd storage is closed')));
      return { close: async () => {} };
    }
    const watcher: Watcher = this.client
      .watch()
      .prefix(prefix)
      .startRevision(String(fromRevision + 1))
      .withPreviousKV()
      .watcher();
    let lastRevision = fromRevision;
    let state: 'open' | 'failed' | 'closed' = 'open';
    let disconnected = false;

    watcher.on('data', (res: IWatchResponse) => {
      if (state !== 'open') return;
      const events: StorageEvent[] = [];
      for (const ev of res.events) {
        const modRevision = Number(ev.kv.mod_revision);
        // After a reconnect etcd may replay what was delivered already.
        if (modRevision <= lastRevision) continue;
        lastRevision = modRevision;
        const isPut = ev.type === 'Put';
        events.push({
          type: isPut ? 'put' : 'delete',
          key: ev.kv.key.toString('utf8'),
          value: isPut ? ev.kv.value.toString('utf8') : undefined,
          prevValue: stringValue(ev.prev_kv),
          modRevision,
        });
      }
      if (res.events.length > 0) {
        // etcd3 resumes from the response header's revision + 1. When etcd sends a long backlog in
        // parts, that header is the store's current revision, not the last event's, and resuming
        // from it after a disconnect would skip events: resume from what was delivered instead.
        watcher.request.start_revision = lastRevision + 1;
      }
      if (events.length === 0) return;
      try {
        handlers.onEvents(events);
      } catch (err) {
        log.error({ err }, 'watch handler threw');
      }
    });
    watcher.on('disconnected', (err) => {
      if (state !== 'open' || disconnected) return;
      disconnected = true;
      log.warn({ err: errorMessage(err), fromRevision: lastRevision }, 'etcd watch disconnected; reconnecting');
    });
    watcher.on('connected', () => {
      if (state !== 'open' || !disconnected) return;
      disconnected = false;
      log.info({ fromRevision: lastRevision }, 'etcd watch reconnected');
    });
    watcher.on('error', (err) => {
      if (state !== 'open') return;
      state = 'failed';
      this.watches.delete(handle);
      const message = errorMessage(err);
      // etcd 3.4 cancels a watch whose start revision is compacted with an empty cancel reason
      // ("Watcher canceled: "); later versions say "required revision has been compacted".
      const compacted = message.includes(COMPACTED_MESSAGE) || /Watcher canceled:\s*$/.test(message);
      const failure: Error & { compacted?: boolean } = compacted
        ? new StorageCompacted(lastRevision)
        : new Error(`etcd watch on ${prefix} failed: ${message}`);
      log.warn({ err: message, fromRevision: lastRevision, compacted }, 'etcd watch ended');
      try {
        handlers.onError(failure);
      } catch (e) {
        log.error({ err: e }, 'watch error handler threw');
      }
    });

    const handle = {
      cancel: async (): Promise<void> => {
        if (state === 'closed') return;
        const wasOpen = state === 'open';
        state = 'closed';
        this.watches.delete(handle);
        // A watch etcd canceled itself is gone from etcd3's manager already.
        if (wasOpen) await this.cancelWatcher(watcher, log);
      },
    };
    this.watches.add(handle);
    return { close: () => handle.cancel() };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Cancel watches first: once the client is closed, etcd3's watch manager would keep trying to
    // re-establish their stream.
    await Promise.all([...this.watches].map((w) => w.cancel()));
    this.client.close();
  }

  private async cancelWatcher(watcher: Watcher, log: Logger): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        log.debug('etcd did not confirm the watch cancel in time');
        resolve();
      }, CANCEL_TIMEOUT_MS);
    });
    try {
      await Promise.race([watcher.cancel().catch(() => undefined), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private failedCompare(key: string, res: ITxnResponse): Error {
    const current = res.responses[0]?.response_range?.kvs[0];
    return current === undefined ? new StorageKeyNotFound(key) : new StorageConflict(key);
  }

  /** Runs one etcd call, turning "cannot reach etcd" into StorageUnavailable. */
  private async call<T>(op: string, key: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StorageUnavailable('etcd storage is closed');
    try {
      return await fn();
    } catch (err) {
      if (isUnavailableError(err)) {
        this.log.debug({ op, key, err: errorMessage(err) }, 'etcd unavailable');
        throw new StorageUnavailable(`etcd is unavailable (${op}): ${errorMessage(err)}`, { cause: err });
      }
      throw err;
    }
  }
}
