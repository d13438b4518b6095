// skiff apiserver: `node services/apiserver/dist/main.js --etcd-servers http://127.0.0.1:2379`.

import { createLogger, intFlag, parseFlags, runMain } from '@skiff/component';
import { run } from './run.js';

const flags = parseFlags({
  'etcd-servers': { type: 'string' },
  'bind-address': { type: 'string' },
  port: { type: 'string' },
  'http-port': { type: 'string' },
});

const log = createLogger('apiserver');
const config = {
  etcdServers: String(flags['etcd-servers'] ?? 'http://127.0.0.1:2379')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== ''),
  bindAddress: String(flags['bind-address'] ?? '127.0.0.1'),
  port: intFlag('port', flags['port'] as string | undefined, 6444),
  httpPort: intFlag('http-port', flags['http-port'] as string | undefined, 6445),
};

runMain(log, (signal) => run(signal, config, { log }));
