import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '@skiff/component';
import { RealClock } from '@skiff/machinery';
import { service } from '../testing/objects.js';
import { snapshot } from '../testing/snapshot.js';
import { FakeAddressProgrammer } from './address-programmer.js';
import { UserspaceProxier } from './userspace-proxier.js';

// ClusterIPs and node addresses in 127.0.0.0/8 (bindable without configuration), random per run.
const base = `127.${100 + Math.floor(Math.random() * 100)}.${Math.floor(Math.random() * 250)}`;
const port = 20000 + Math.floor(Math.random() * 20000);

function get(ip: string, p: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: ip, port: p, path: '/', agent: false, timeout: 3000 }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject)
      .on('timeout', function (this: http.ClientRequest) {
        this.destroy(new Error('timeout'));
      });
  });
}

function udpAsk(ip: string, p: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      reject(new Error('udp timeout'));
    }, 3000);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve(m.toString());
    });
    s.send(text, p, ip);
  });
}

describe('UserspaceProxier', () => {
  const backends: http.Server[] = [];
  const ports: number[] = [];
  let udp: dgram.Socket;
  let udpPort = 0;
  let deadPort = 0;

  before(async () => {
    for (const name of ['a', 'b']) {
      const srv = http.createServer((_req, res) => res.end(name));
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
      backends.push(srv);
      ports.push((srv.address() as AddressInfo).port);
    }
    udp = dgram.createSocket('udp4');
    udp.on('message', (m, r) => udp.send(`echo ${m.toString()}`, r.port, r.address));
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
    udpPort = udp.address().port;
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    deadPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
  });
  after(async () => {
    for (const s of backends) await new Promise<void>((r) => s.close(() => r()));
    udp.close();
  });

  it('owns each ClusterIP and forwards TCP round robin across ready endpoints', async () => {
    const addresses = new FakeAddressProgrammer();
    const p = new UserspaceProxier({ addresses, clock: new RealClock(), log: silentLogger() });
    const ip = `${base}.10`;
    const web = service('web', { clusterIP: ip, ports: [{ port }] });
    const stats = await p.sync(snapshot([web], { 'default/web/TCP': [`127.0.0.1:${ports[0]}`, `127.0.0.1:${ports[1]}`] }));
    assert.deepEqual([...addresses.addresses], [ip]);
    assert.equal(stats.listeners, 1);
    const seen = [await get(ip, port), await get(ip, port), await get(ip, port), await get(ip, port)];
    assert.deepEqual(seen.sort(), ['a', 'a', 'b', 'b']);
    await p.shutdown();
  });

  it('tries the next endpoint when a connect fails, and refuses when none is ready', async () => {
    const addresses = new FakeAddressProgrammer();
    const p = new UserspaceProxier({ addresses, clock: new RealClock(), log: silentLogger() });
    const ip = `${base}.11`;
    const web = service('web', { clusterIP: ip, ports: [{ port }] });
    await p.sync(snapshot([web], { 'default/web/TCP': [`127.0.0.1:${deadPort}`, `127.0.0.1:${ports[0]}`] }));
    for (let i = 0; i < 4; i++) assert.equal(await get(ip, port), 'a');

    const stats = await p.sync(snapshot([web], { 'default/web/TCP': [] }));
    assert.equal(stats.listeners, 0);
    assert.deepEqual([...addresses.addresses], [ip], 'the ClusterIP stays owned, so nothing leaves the host');
    await assert.rejects(get(ip, port), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
    await p.shutdown();
  });

  it('serves NodePorts on every node address, with ClientIP affinity', async () => {
    const addresses = new FakeAddressProgrammer();
    const p = new UserspaceProxier({ addresses, clock: new RealClock(), log: silentLogger() });
    const ip = `${base}.12`;
    const nodes = [`${base}.2`, `${base}.3`];
    const np = service('np', { clusterIP: ip, ports: [{ port, nodePort: port + 1 }], sessionAffinity: { timeoutSeconds: 60 } });
    await p.sync(snapshot([np], { 'default/np/TCP': [`127.0.0.1:${ports[0]}`, `127.0.0.1:${ports[1]}`] }, nodes));
    assert.deepEqual(p.listening(), [`TCP ${ip}:${port}`, `TCP ${nodes[0]}:${port + 1}`, `TCP ${nodes[1]}:${port + 1}`].sort());
    const first = await get(nodes[0] as string, port + 1);
    for (let i = 0; i < 4; i++) assert.equal(await get(nodes[1] as string, port + 1), first, 'the same client keeps its endpoint');
    await p.shutdown();
  });

  it('forwards UDP and gives back addresses of Services that are gone', async () => {
    const addresses = new FakeAddressProgrammer();
    const p = new UserspaceProxier({ addresses, clock: new RealClock(), log: silentLogger() });
    const ip = `${base}.13`;
    const dns = service('dns', { clusterIP: ip, ports: [{ name: 'dns', port, protocol: 'UDP' }] });
    await p.sync(snapshot([dns], { 'default/dns:dns/UDP': [`127.0.0.1:${udpPort}`] }));
    assert.equal(await udpAsk(ip, port, 'hello'), 'echo hello');
    assert.equal(await udpAsk(ip, port, 'again'), 'echo again');

    const stats = await p.sync(snapshot([], {}));
    assert.equal(stats.listeners, 0);
    assert.deepEqual([...addresses.addresses], []);
    assert.deepEqual(addresses.log, [`add ${ip}`, `del ${ip}`]);
    await p.shutdown();
  });
});
