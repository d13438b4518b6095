// What every resource command needs: where the apiserver is (--server, else the client config
// `skiff up` wrote, else 127.0.0.1:6444), the namespace (-n, else the config's, else `default`)
// and a client, made on first use.

import { ApiClient, readConfig } from '@skiff/client';

export const DEFAULT_SERVER = '127.0.0.1:6444';

export interface GlobalOptions {
  server?: string;
  namespace?: string;
  config?: string;
}

export class CliContext {
  readonly server: string;
  readonly namespace: string;
  /** True when -n was given: an object's own namespace must then agree with it. */
  readonly namespaceExplicit: boolean;
  private client: ApiClient | undefined;

  constructor(opts: GlobalOptions) {
    const config = readConfig(opts.config);
    this.server = opts.server || config?.server || DEFAULT_SERVER;
    this.namespaceExplicit = opts.namespace !== undefined && opts.namespace !== '';
    this.namespace = (this.namespaceExplicit ? opts.namespace : undefined) || config?.namespace || 'default';
  }

  api(): ApiClient {
    this.client ??= new ApiClient({ server: this.server });
    return this.client;
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }
}
