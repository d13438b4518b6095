import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CliError } from '../errors.js';
import { buildService, parseTcpPort } from './create-service.js';

const cliError = (re: RegExp) => (e: unknown) => e instanceof CliError && re.test(e.message);

test("create service: app=NAME label and selector, one TCP port per --tcp named after it", () => {
  assert.deepEqual(buildService({ type: 'NodePort', name: 'web', tcp: ['80:8080', '9090'], nodePort: 30080 }), {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      type: 'NodePort',
      selector: { app: 'web' },
      ports: [
        { name: '80-8080', port: 80, targetPort: 8080, protocol: 'TCP', nodePort: 30080 },
        { name: '9090', port: 9090, targetPort: 9090, protocol: 'TCP', nodePort: 30080 },
      ],
    },
  });
  const headless = buildService({ type: 'ClusterIP', name: 'db', tcp: [], clusterIp: 'None' });
  assert.equal(headless.spec.clusterIP, 'None');
  const ext = buildService({ type: 'ExternalName', name: 'x', tcp: [], externalName: 'db.example.com' });
  assert.equal(ext.spec.externalName, 'db.example.com');
});

test("kubectl's checks: ports required, headless only for ClusterIP, a DNS name for ExternalName", () => {
  assert.throws(() => buildService({ type: 'ClusterIP', name: 'a', tcp: [] }), cliError(/^error: at least one tcp port specifier must be provided$/));
  assert.throws(() => buildService({ type: 'NodePort', name: 'a', tcp: ['80'], clusterIp: 'None' }), cliError(/ClusterIP=None can only be used with ClusterIP service type/));
  assert.throws(() => buildService({ type: 'ExternalName', name: 'a', tcp: [], externalName: 'Not_A_Name' }), cliError(/invalid service external name Not_A_Name/));
});

test('--tcp port[:targetPort]: a port 0-65535, a target port number 1-65535 or a port name', () => {
  assert.deepEqual(parseTcpPort('80'), { port: 80, targetPort: 80 });
  assert.deepEqual(parseTcpPort('80:http'), { port: 80, targetPort: 'http' });
  assert.throws(() => parseTcpPort('70000'), cliError(/invalid port "70000"/));
  assert.throws(() => parseTcpPort('x:80'), cliError(/invalid port "x"/));
  assert.throws(() => parseTcpPort('80:0'), cliError(/must be between 1 and 65535, inclusive/));
  assert.throws(() => parseTcpPort('80:Bad_Name'), CliError);
});
