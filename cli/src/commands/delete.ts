// skiff delete KIND NAME... | KIND/NAME... | KIND -l SELECTOR | KIND --all | -f FILE: deletes,
// prints `pod "x" deleted`, and (unless --wait=false) waits until each object is gone, as kubectl
// does (a pod goes away once its kubelet has stopped its containers). --cascade picks what happens
// to the object's dependents (the propagationPolicy): background (default), foreground or orphan.

import { ApiError, type KubeObject, type ResourceInfo } from '@skiff/api';
import type { DeleteOptions as ApiDeleteOptions } from '@skiff/client';
import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { parseDuration } from '../duration.js';
import { CliError, withSource } from '../errors.js';
import { readManifests } from '../manifests.js';
import { kindName } from '../printers/table.js';
import { parseResourceArgs } from '../resource-args.js';
import { targetOf } from './apply.js';
import { collect, parseBoolFlag, parseIntFlag, reportError, withContext, type Io } from './common.js';

export interface DeleteOptions {
  filename?: string[];
  gracePeriod?: number;
  now?: boolean;
  force?: boolean;
  wait?: boolean;
  timeout?: string;
  ignoreNotFound?: boolean;
  selector?: string;
  all?: boolean;
  allNamespaces?: boolean;
  cascade?: string | boolean;
}

interface DeleteTarget {
  info: ResourceInfo;
  namespace: string;
  name: string;
  /** The manifest it came from (-f), for error messages. */
  source?: string;
}

type PropagationPolicy = NonNullable<ApiDeleteOptions['propagationPolicy']>;

/**
 * --cascade=background|foreground|orphan (the bare flag: background); kubectl's legacy
 * --cascade=true|false still mean background|orphan, with its deprecation warning.
 */
export function parseCascade(value: string | boolean | undefined): { policy: PropagationPolicy; warning?: string } {
  if (value === undefined || value === true || value === 'background') return { policy: 'Background' };
  if (value === 'foreground') return { policy: 'Foreground' };
  if (value === 'orphan') return { policy: 'Orphan' };
  if (value === 'true') return { policy: 'Background', warning: 'warning: --cascade=true is deprecated (boolean value) and can be replaced with --cascade=background.\n' };
  if (value === false || value === 'false') return { policy: 'Orphan', warning: 'warning: --cascade=false is deprecated (boolean value) and can be replaced with --cascade=orphan.\n' };
  throw new CliError(`error: invalid cascade value (${String(value)}). Must be "background", "foreground", or "orphan".`);
}

/** The grace period to send: --now is 1 s; 0 only with --force (else 1), as kubectl. */
export function effectiveGracePeriod(opts: Pick<DeleteOptions, 'gracePeriod' | 'now' | 'force'>): number | undefined {
  if (opts.now) {
    if (opts.gracePeriod !== undefined && opts.gracePeriod >= 0) throw new CliError('error: --now and --grace-period cannot be specified together');
    return 1;
  }
  const g = opts.gracePeriod;
  if (g === undefined || g < 0) return opts.force ? 0 : undefined;
  if (g === 0 && !opts.force) return 1;
  return g;
}

async function targets(ctx: CliContext, args: string[], opts: DeleteOptions): Promise<DeleteTarget[]> {
  if (opts.filename?.length) {
    if (args.length > 0) throw new CliError('error: cannot specify both a resource and -f');
    const manifests = await readManifests(opts.filename);
    return manifests.map((m) => targetOf(ctx, m)).map(({ info, namespace, name, source }) => ({ info, namespace, name, source }));
  }
  const requests = parseResourceArgs(args, 'delete');
  const out: DeleteTarget[] = [];
  for (const { info, names } of requests) {
    const namespace = info.namespaced && !opts.allNamespaces ? ctx.namespace : '';
    if (names.length > 0) {
      if (opts.selector || opts.all) throw new CliError('error: name cannot be provided when a selector is specified');
      for (const name of names) out.push({ info, namespace, name });
      continue;
    }
    if (!opts.selector && !opts.all) throw new CliError('error: resource(s) were provided, but no name was specified');
    const list = await ctx.api().list(info.resource, { namespace, ...(opts.selector ? { labelSelector: opts.selector } : {}) });
    for (const o of list.items) out.push({ info, namespace: o.metadata.namespace ?? '', name: o.metadata.name ?? '' });
  }
  return out;
}

/** Resolves true once the object (this uid) is gone, false at the deadline. */
export async function waitForDeletion(ctx: CliContext, t: DeleteTarget, uid: string | undefined, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    let current: KubeObject;
    try {
      current = await ctx.api().get(t.info.resource, t.namespace, t.name);
    } catch (e) {
      if (e instanceof ApiError && e.reason === 'NotFound') return true;
      throw e;
    }
    if (uid && current.metadata.uid !== uid) return true;
    const stream = ctx.api().watch(t.info.resource, {
      namespace: t.namespace,
      fieldSelector: `metadata.name=${t.name}`,
      resourceVersion: current.metadata.resourceVersion ?? '',
    });
    const timer = setTimeout(() => stream.close(), Math.max(0, Math.min(5_000, deadline - Date.now())));
    try {
      for await (const ev of stream) {
        if (ev.type === 'DELETED' && (!uid || ev.object.metadata.uid === uid)) return true;
      }
    } catch {
      // The watch failed (e.g. its revision was compacted): look again with a get.
      await new Promise((r) => setTimeout(r, 250));
    } finally {
      clearTimeout(timer);
      stream.close();
    }
  }
  return false;
}

export async function runDelete(ctx: CliContext, io: Io, args: string[], opts: DeleteOptions): Promise<number> {
  const grace = effectiveGracePeriod(opts);
  const cascade = parseCascade(opts.cascade);
  if (cascade.warning) io.err(cascade.warning);
  const list = await targets(ctx, args, opts);
  if (list.length === 0) {
    io.err('No resources found\n');
    return 0;
  }
  const deleted: { t: DeleteTarget; uid: string | undefined }[] = [];
  let failed = false;
  for (const t of list) {
    try {
      const obj = await ctx.api().delete(t.info.resource, t.namespace, t.name, {
        propagationPolicy: cascade.policy,
        ...(grace === undefined ? {} : { gracePeriodSeconds: grace }),
      });
      io.out(`${kindName(t.info)} "${t.name}" ${opts.force && grace === 0 ? 'force deleted' : 'deleted'}\n`);
      deleted.push({ t, uid: obj?.metadata?.uid });
    } catch (e) {
      if (e instanceof ApiError && e.reason === 'NotFound' && opts.ignoreNotFound) continue;
      if (!(e instanceof ApiError) || e.reason !== 'NotFound') throw e;
      reportError(io, withSource('deleting', t.source ?? '', e), ctx.server);
      failed = true;
    }
  }
  if (opts.wait !== false) {
    const timeoutMs = opts.timeout && opts.timeout !== '0s' && opts.timeout !== '0' ? parseDuration(opts.timeout) : ((grace ?? 30) + 60) * 1000;
    const deadline = Date.now() + timeoutMs;
    for (const { t, uid } of deleted) {
      if (!(await waitForDeletion(ctx, t, uid, deadline))) {
        throw new CliError(`error: timed out waiting for the condition on ${t.info.resource}/${t.name}`);
      }
    }
  }
  return failed ? 1 : 0;
}

export function deleteCommand(): Command {
  return new Command('delete')
    .description('Delete resources by file names, stdin, resources and names, or by resources and label selector')
    .argument('[resource...]', 'TYPE NAME... | TYPE/NAME...')
    .option('-f, --filename <path>', 'a file, a directory or - naming the objects to delete (repeatable)', collect)
    .option('--cascade [strategy]', 'background (default), foreground (wait for the dependents) or orphan (keep them)', 'background')
    .option('--grace-period <seconds>', 'seconds given to the object to terminate gracefully (-1: its default)', parseIntFlag)
    .option('--now', 'signal the object to stop at once (grace period 1)')
    .option('--force', 'with --grace-period=0, remove the object at once without waiting for its termination')
    .option('--wait [bool]', 'wait until the objects are gone (default true)', parseBoolFlag, true)
    .option('--timeout <duration>', 'how long to wait for the deletion (e.g. 60s; 0: from the grace period)')
    .option('--ignore-not-found', 'treat "resource not found" as a successful delete')
    .option('-l, --selector <selector>', 'delete the objects matching this label selector')
    .option('--all', 'delete every object of the kind in the namespace')
    .option('-A, --all-namespaces', 'with -l or --all, across all namespaces')
    .action(withContext((ctx, io, args: string[], opts: DeleteOptions) => runDelete(ctx, io, args, opts)));
}
