// skiff get KIND[,KIND] [NAME...] [-n NS | -A] [-l SELECTOR] [--field-selector F] [-o FORMAT] [-w]
// [--show-labels]: kubectl's tables (or yaml/json/name), then, with -w, one row per change.

import { ApiError, apiVersionOf, type KubeObject, type ResourceInfo } from '@skiff/api';
import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { nameOutput, objectsOutput, parseOutputFormat, toJson, toYaml, type OutputFormat } from '../printers/output.js';
import { TablePrinter } from '../printers/table.js';
import { parseResourceArgs, type ResourceRequest } from '../resource-args.js';
import { reportError, withContext, type Io } from './common.js';

export interface GetOptions {
  allNamespaces?: boolean;
  selector?: string;
  fieldSelector?: string;
  output?: string;
  watch?: boolean;
  showLabels?: boolean;
}

interface Fetched {
  request: ResourceRequest;
  items: KubeObject[];
  /** The list's resourceVersion (where a watch starts). */
  resourceVersion: string;
}

/** List items may lack apiVersion/kind; kubectl always prints them. */
export function withTypeMeta(info: Readonly<ResourceInfo>, obj: KubeObject): KubeObject {
  if (obj.apiVersion && obj.kind) return obj;
  return { ...obj, apiVersion: obj.apiVersion || apiVersionOf(info), kind: obj.kind || info.kind };
}

/** -o yaml|json while watching: one document per object, YAML ones separated by `---`. */
class WatchObjectPrinter {
  private count = 0;

  constructor(
    private readonly io: Io,
    private readonly format: OutputFormat,
  ) {}

  print(obj: KubeObject): void {
    if (this.format === 'yaml') this.io.out(`${this.count > 0 ? '---\n' : ''}${toYaml(obj)}`);
    else this.io.out(toJson(obj));
    this.count++;
  }
}

function namespaceFor(ctx: CliContext, info: Readonly<ResourceInfo>, all: boolean): string {
  return info.namespaced && !all ? ctx.namespace : '';
}

async function fetch(ctx: CliContext, request: ResourceRequest, opts: GetOptions, errors: unknown[]): Promise<Fetched> {
  const { info, names } = request;
  const all = opts.allNamespaces === true;
  const namespace = namespaceFor(ctx, info, all);
  if (names.length === 0) {
    const listOpts = {
      namespace,
      ...(opts.selector ? { labelSelector: opts.selector } : {}),
      ...(opts.fieldSelector ? { fieldSelector: opts.fieldSelector } : {}),
    };
    const list = await ctx.api().list(info.resource, listOpts);
    return { request, items: list.items.map((o) => withTypeMeta(info, o)), resourceVersion: list.metadata.resourceVersion ?? '' };
  }
  const items: KubeObject[] = [];
  let resourceVersion = '';
  for (const name of names) {
    try {
      const obj = withTypeMeta(info, await ctx.api().get(info.resource, namespace, name));
      items.push(obj);
      resourceVersion = obj.metadata.resourceVersion ?? resourceVersion;
    } catch (e) {
      if (e instanceof ApiError && e.reason === 'NotFound') errors.push(e);
      else throw e;
    }
  }
  return { request, items, resourceVersion };
}

function noResourcesMessage(ctx: CliContext, requests: readonly ResourceRequest[], all: boolean): string {
  const namespaced = requests.some((r) => r.info.namespaced);
  return all || !namespaced ? 'No resources found\n' : `No resources found in ${ctx.namespace} namespace.\n`;
}

export async function runGet(ctx: CliContext, io: Io, args: string[], opts: GetOptions, signal?: AbortSignal): Promise<number> {
  const requests = parseResourceArgs(args, 'get');
  const format: OutputFormat = parseOutputFormat(opts.output);
  const all = opts.allNamespaces === true;
  if (all && requests.some((r) => r.names.length > 0)) {
    throw new CliError('error: a resource cannot be retrieved by name across all namespaces');
  }
  if (opts.watch && requests.length > 1) throw new CliError('error: you may only specify a single resource type');

  const errors: unknown[] = [];
  const fetched: Fetched[] = [];
  for (const r of requests) fetched.push(await fetch(ctx, r, opts, errors));

  const single = requests.length === 1 && requests[0]?.names.length === 1;
  const printer = new TablePrinter({
    wide: format === 'wide',
    withNamespace: all,
    showLabels: opts.showLabels === true,
    withKind: requests.length > 1,
  });
  const now = Date.now();
  const total = fetched.reduce((n, f) => n + f.items.length, 0);
  let headerPrinted = false;

  const yamlJson = new WatchObjectPrinter(io, format);
  if (format === 'yaml' || format === 'json') {
    const items = fetched.flatMap((f) => f.items);
    // Watching prints objects one by one (as kubectl does), else one object or a List.
    if (opts.watch) for (const obj of items) yamlJson.print(obj);
    else if (!(single && items.length === 0)) io.out(objectsOutput(items, format, single));
  } else if (format === 'name') {
    for (const f of fetched) for (const obj of f.items) io.out(nameOutput(f.request.info, obj) + '\n');
  } else {
    // One table per kind, a blank line between them; each kind's columns align on their own.
    for (const f of fetched) {
      if (f.items.length === 0) continue;
      if (headerPrinted) io.out('\n');
      printer.nextTable();
      io.out(printer.print([printer.header(f.request.info), ...f.items.map((obj) => printer.row(f.request.info, obj, now))]));
      headerPrinted = true;
    }
  }

  for (const e of errors) reportError(io, e, ctx.server);
  if (total === 0 && errors.length === 0 && !opts.watch && format !== 'yaml' && format !== 'json') {
    io.err(noResourcesMessage(ctx, requests, all));
  }
  if (!opts.watch) return errors.length > 0 ? 1 : 0;

  const f = fetched[0];
  if (!f) return 0;
  return watch(ctx, io, f, opts, format, printer, yamlJson, headerPrinted, signal);
}

async function watch(
  ctx: CliContext,
  io: Io,
  f: Fetched,
  opts: GetOptions,
  format: OutputFormat,
  printer: TablePrinter,
  objects: WatchObjectPrinter,
  headerPrinted: boolean,
  signal?: AbortSignal,
): Promise<number> {
  const { info, names } = f.request;
  if (names.length > 1) throw new CliError('error: watch is only supported on individual resources and resource collections, but 2 resources were found');
  const fieldSelector = [names.length === 1 ? `metadata.name=${names[0]}` : '', opts.fieldSelector ?? ''].filter((s) => s !== '').join(',');
  const stream = ctx.api().watch(info.resource, {
    namespace: namespaceFor(ctx, info, opts.allNamespaces === true),
    resourceVersion: f.resourceVersion,
    ...(opts.selector ? { labelSelector: opts.selector } : {}),
    ...(fieldSelector ? { fieldSelector } : {}),
  });
  const stop = (): void => stream.close();
  signal?.addEventListener('abort', stop, { once: true });
  let printed = headerPrinted;
  try {
    for await (const ev of stream) {
      if (ev.type === 'BOOKMARK') continue;
      const obj = withTypeMeta(info, ev.object);
      if (format === 'yaml' || format === 'json') objects.print(obj);
      else if (format === 'name') io.out(nameOutput(info, obj) + '\n');
      else {
        const lines = printed ? [] : [printer.header(info)];
        lines.push(printer.row(info, obj, Date.now()));
        io.out(printer.print(lines));
        printed = true;
      }
    }
  } finally {
    signal?.removeEventListener('abort', stop);
  }
  return 0;
}

export function getCommand(): Command {
  return new Command('get')
    .description('Display one or many resources')
    .argument('[resource...]', 'TYPE[,TYPE...] [NAME...] | TYPE/NAME...')
    .option('-A, --all-namespaces', 'list the requested objects across all namespaces')
    .option('-l, --selector <selector>', 'label selector to filter on (e.g. app=web,tier!=db)')
    .option('--field-selector <selector>', 'field selector to filter on (e.g. spec.nodeName=node-1)')
    .option('-o, --output <format>', 'output format: wide, yaml, json or name')
    .option('-w, --watch', 'after listing/getting the requested objects, watch for changes')
    .option('--show-labels', 'show all labels as the last column')
    .action(withContext((ctx, io, args: string[], opts: GetOptions) => runGet(ctx, io, args, opts)));
}
