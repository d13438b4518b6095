import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UpProgressPrinter } from './progress-printer.js';
import type { ComponentState } from './state.js';

function component(over: Partial<ComponentState> & Pick<ComponentState, 'name' | 'kind' | 'endpoints'>): ComponentState {
  return { command: 'x', args: [], log: `/h/clusters/c/logs/${over.name}.log`, readyUrl: '', pid: 1, startedAt: '', ...over };
}

test('one line per ready component with where it listens and its log, then the nodes', () => {
  let text = '';
  const printer = new UpProgressPrinter({ write: (s: string) => (text += s) }, '/h/clusters/c', 'Starting cluster "c"');
  printer.onProgress({ type: 'warning', message: 'image skiff/busybox:latest not found' });
  printer.onProgress({ type: 'waiting', what: 'etcd' });
  printer.onProgress({ type: 'ready', component: component({ name: 'etcd', kind: 'etcd', endpoints: { client: 'http://127.0.0.1:2379' } }), elapsedMs: 600 });
  printer.onProgress({
    type: 'ready',
    component: component({ name: 'kubelet-c-node-1', kind: 'kubelet', endpoints: { grpc: '127.0.0.2:10250', http: 'http://127.0.0.2:10248' } }),
    elapsedMs: 900,
  });
  printer.onProgress({ type: 'nodes-ready', nodes: [{ name: 'c-node-1', address: '127.0.0.2', port: 10250, httpPort: 10248 }], elapsedMs: 3210 });
  printer.stop();
  const lines = text.trimEnd().split('\n').map((l) => l.replace(/ +/g, ' '));
  assert.deepEqual(lines, [
    '! image skiff/busybox:latest not found',
    'Starting cluster "c"',
    '✓ etcd http://127.0.0.1:2379 logs/etcd.log',
    '✓ kubelet-c-node-1 grpc 127.0.0.2:10250 http://127.0.0.2:10248 logs/kubelet-c-node-1.log',
    '✓ 1 node Ready: c-node-1 (127.0.0.2) [3.2s]',
  ]);
});

test('no spinner escape codes when the output is not a terminal', () => {
  let text = '';
  const printer = new UpProgressPrinter({ write: (s: string) => (text += s), isTTY: false }, '/h');
  printer.onProgress({ type: 'waiting', what: 'nodes' });
  printer.stop();
  assert.equal(text, '');
});
