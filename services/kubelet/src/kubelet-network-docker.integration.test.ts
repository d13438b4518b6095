// The pod network on the real Docker engine: two kubelets (two nodes, two bridges) on this host, the
// test acting as the controller-manager's node IPAM. Pods get addresses from their node's pod CIDR,
// the cluster resolv.conf, hosts file and Service variables; pods on the two nodes reach each other
// by pod IP and the server sees the client's own address (no NAT between pods); a deleted pod runs
// its preStop hook, still serving, before SIGTERM. Node names are unique per run; the cleanup removes
// their containers, networks and iptables rules, and the last test checks that nothing is left.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cidrContains, parseCidr, type Node, type Pod, type Service } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { masqueradeChain } from './network/firewall.js';
import { LABEL_CONTAINER_NAME, LABEL_NODE, LABEL_POD_NAME } from './pod/labels.js';
import { run } from './run.js';
import { DockerRuntime } from './runtime/docker-runtime.js';
import { finishExec } from './runtime/runtime-contract.js';
import { dockerTestConfig, freeCidr, removeNodeFromDocker } from './testing/docker-node.js';
import { makePod } from './testing/fixtures.js';
import { until } from './testing/until.js';

const suffix = randomBytes(4).toString('hex');
const nodes = [`knet-a-${suffix}`, `knet-b-${suffix}`] as const;
const [nodeA, nodeB] = nodes;
const docker = new DockerRuntime();
const root = path.join(os.tmpdir(), `skiff-knet-${suffix}`);
const WAIT_MS = 30_000;

function iptables(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => execFile('iptables', ['-w', '5', ...args], (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout))));
}

/** Output of a command in a pod's container (its only app container). */
async function execIn(node: string, pod: string, cmd: string[]): Promise<{ stdout: string; exitCode: number }> {
  const [c] = (await docker.listContainers({ [LABEL_NODE]: node, [LABEL_POD_NAME]: pod })).filter((x) => x.labels[LABEL_CONTAINER_NAME] !== 'POD' && x.state === 'running');
  assert.ok(c, `a running container of ${pod}`);
  const r = await finishExec(await docker.exec(c.id, { cmd }));
  return { stdout: r.stdout, exitCode: r.exitCode };
}

/** A busybox httpd whose /cgi-bin/ip answers the client's address (REMOTE_ADDR). */
const ECHO_IP_SERVER = [
  'sh',
  '-c',
  'mkdir -p /w/cgi-bin && printf \'#!/bin/sh\\nprintf "Content-Type: text/plain\\\\r\\\\n\\\\r\\\\n"\\necho "$REMOTE_ADDR"\\n\' > /w/cgi-bin/ip && chmod +x /w/cgi-bin/ip && exec httpd -f -p 8080 -h /w',
];

describe(`the pod network on Docker (nodes ${nodeA}, ${nodeB})`, () => {
  const api = new FakeApi();
  const stops: (() => Promise<void>)[] = [];
  let clusterCIDR = '';
  const podCIDR: Record<string, string> = {};

  before(async () => {
    clusterCIDR = await freeCidr(docker, 16);
    const base = parseCidr(clusterCIDR).text.split('.');
    podCIDR[nodeA] = `${base[0]}.${base[1]}.1.0/24`;
    podCIDR[nodeB] = `${base[0]}.${base[1]}.2.0/24`;
    await api.create<Service>('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.96.0.77', ports: [{ name: 'http', port: 80 }] } });
    for (const node of nodes) {
      const ac = new AbortController();
      const config = dockerTestConfig(node, { clusterCIDR, rootDir: path.join(root, node), resolvConf: '' });
      const done = run(ac.signal, config, { runtime: docker, client: api, log: silentLogger() });
      stops.push(async () => {
        ac.abort();
        await done;
      });
    }
    // The node IPAM's part: each registered Node gets its block.
    for (const node of nodes) {
      const n = await until(`${node} registered`, () => api.peek<Node>('nodes', '', node), WAIT_MS);
      await api.update<Node>('nodes', { ...n, spec: { ...n.spec, podCIDR: podCIDR[node] ?? '', podCIDRs: [podCIDR[node] ?? ''] } });
    }
  });

  after(async () => {
    await Promise.all(stops.map((s) => s()));
    for (const node of nodes) await removeNodeFromDocker(docker, node);
    await rm(root, { recursive: true, force: true });
  });

  const podIP = (name: string) => api.peek<Pod>('pods', 'default', name)?.status?.podIP ?? '';
  const running = (name: string) => until(`${name} Running`, () => api.peek<Pod>('pods', 'default', name)?.status?.phase === 'Running', WAIT_MS);

  it('gives each pod an address in its node\'s pod CIDR, the cluster resolv.conf, a hosts file and Service variables', async () => {
    await api.create('pods', makePod({ name: 'server', uid: `uid-server-${suffix}`, node: nodeB, terminationGracePeriodSeconds: 10, containers: [{ name: 'srv', image: 'skiff/busybox:latest', command: ECHO_IP_SERVER, lifecycle: { preStop: { sleep: { seconds: 3 } } } }] }));
    await api.create('pods', makePod({ name: 'client', uid: `uid-client-${suffix}`, node: nodeA, containers: [{ name: 'cli', image: 'skiff/busybox:latest', command: ['sleep', '3600'] }] }));
    await Promise.all([running('server'), running('client')]);
    assert.ok(cidrContains(parseCidr(podCIDR[nodeA] ?? ''), podIP('client')), `${podIP('client')} in ${podCIDR[nodeA] ?? ''}`);
    assert.ok(cidrContains(parseCidr(podCIDR[nodeB] ?? ''), podIP('server')), `${podIP('server')} in ${podCIDR[nodeB] ?? ''}`);

    assert.equal((await execIn(nodeA, 'client', ['cat', '/etc/resolv.conf'])).stdout, 'nameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n');
    assert.match((await execIn(nodeA, 'client', ['cat', '/etc/hosts'])).stdout, new RegExp(`\n${podIP('client').replace(/\./g, '\\.')}\tclient\n`));
    assert.equal((await execIn(nodeA, 'client', ['sh', '-c', 'echo "$WEB_SERVICE_HOST:$WEB_SERVICE_PORT_HTTP"'])).stdout, '10.96.0.77:80\n');
  });

  it('lets pods on two nodes reach each other by pod IP, without NAT: the server sees the client\'s pod IP', async () => {
    const url = `http://${podIP('server')}:8080/cgi-bin/ip`;
    const r = await until('an answer across the bridges', async () => {
      const out = await execIn(nodeA, 'client', ['wget', '-qO-', url]);
      return out.exitCode === 0 ? out : undefined;
    }, WAIT_MS);
    assert.match(r.stdout.trim(), new RegExp(`(^|[^0-9.])${podIP('client').replace(/\./g, '\\.')}([^0-9.]|$)`), `the server saw ${r.stdout.trim()}, not the client's pod IP ${podIP('client')}`);
  });

  it('runs a deleted pod\'s preStop hook while the pod still serves, then stops it', async () => {
    const url = `http://${podIP('server')}:8080/cgi-bin/ip`;
    await api.delete('pods', 'default', 'server');
    assert.ok(api.peek<Pod>('pods', 'default', 'server')?.metadata.deletionTimestamp);
    // During the 3 s preStop sleep the container has not had SIGTERM: it still answers.
    const served = await execIn(nodeA, 'client', ['wget', '-qO-', url]);
    assert.equal(served.exitCode, 0, 'served while terminating');
    assert.ok(api.peek<Pod>('pods', 'default', 'server'), 'still terminating');
    await until('the server pod gone', () => api.peek<Pod>('pods', 'default', 'server') === undefined, WAIT_MS);
    assert.notEqual((await execIn(nodeA, 'client', ['wget', '-qO-', url])).exitCode, 0);
  });

  it('leaves no container, network or iptables rule of its nodes after the cleanup', async () => {
    await Promise.all(stops.splice(0).map((s) => s()));
    for (const node of nodes) await removeNodeFromDocker(docker, node);
    for (const node of nodes) {
      assert.deepEqual(await docker.listContainers({ [LABEL_NODE]: node }), []);
      assert.deepEqual(await docker.listNetworks({ [LABEL_NODE]: node }), []);
      assert.doesNotMatch(await iptables(['-S', 'DOCKER-USER']), new RegExp(`skiff node ${node}"`));
      assert.doesNotMatch(await iptables(['-t', 'nat', '-S', 'POSTROUTING']), new RegExp(`skiff node ${node}"`));
      await assert.rejects(iptables(['-t', 'nat', '-S', masqueradeChain(node)]));
    }
  });
});
