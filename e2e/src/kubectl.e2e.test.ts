// End-to-end (issue 6): the real kubectl (found on PATH, 1.32 on these machines) drives a real local
// cluster (`skiff up`, 2 nodes) over HTTPS with the bearer token, through nothing but the kubeconfig
// `skiff up` wrote (KUBECONFIG, no flags). Every command of the issue's list is run; each check
// looks at both what kubectl printed and what the cluster then holds (read with the gRPC client, or
// over HTTP to the pods). The steps share the cluster and run in order; inside a step every
// command is its own subtest, so one failing command does not hide the others. When an object a
// step needs was not made by an earlier (failed) kubectl command, it is made with `skiff` instead.
//
// Run: node --test --test-concurrency=1 e2e/dist/kubectl.e2e.test.js   (after `npx tsc --build`)

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { findCondition, type ConfigMap, type Deployment, type KubeObject, type Node, type Pod, type ReplicaSet, type Secret, type Service } from '@skiff/api';
import { httpGet, nameOf, podRunning, showRun, waitFor, type Cluster } from './harness.js';
import { fillTemplate, fixturePath } from './fixtures.js';
import { clusterKubeconfig, findKubectl, Kubectl, runInPty, showKubectl, tracedRequests, type KubectlResult } from './kubectl.js';
import { getOrUndefined } from './objects.js';
import { restRequest, restTarget, showResponse, statusOf, type RestTarget } from './rest-request.js';
import { clusterSuite } from './suite.js';
import { parseTable, type Row } from './table.js';

const suite = clusterSuite({ prefix: 'e2e-kubectl', nodes: 2 });
const c = (): Cluster => suite.cluster();
const NS = 'default';
const TEAM_NS = 'kubectl-team';
const V1 = 'skiff/demo-web:v1';
const V2 = 'skiff/demo-web:v2';
const ROLLOUT_MS = 120_000;

let kubectlCache: Kubectl | undefined;
/** kubectl bound to the cluster's kubeconfig (from the `export KUBECONFIG=` line of `skiff up`). */
function k(): Kubectl {
  kubectlCache ??= new Kubectl(clusterKubeconfig(c()), findKubectl());
  return kubectlCache;
}
let workDir: string | undefined;
/** A scratch directory for filled-in manifests and the editor script. */
function scratch(): string {
  workDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-kubectl-e2e-'));
  return workDir;
}

/**
 * A step whose commands are subtests: each runs even when an earlier one failed, and the step fails
 * (so the suite keeps the cluster's logs) naming those that did.
 */
function step(name: string, timeoutMs: number, fn: (sub: (name: string, f: () => Promise<void>) => Promise<void>) => Promise<void>): void {
  suite.step(name, timeoutMs, async (t: TestContext) => {
    const failed: string[] = [];
    const sub = async (subName: string, f: () => Promise<void>): Promise<void> => {
      let ok = true;
      await t.test(subName, async () => {
        try {
          await f();
        } catch (e) {
          ok = false;
          throw e;
        }
      });
      if (!ok) failed.push(subName);
    };
    await fn(sub);
    if (failed.length > 0) throw new Error(`${failed.length} command(s) failed: ${failed.join('; ')}`);
  });
}

// ---- helpers ----------------------------------------------------------------------------------

function manifest(fileName: string, vars: Record<string, string>): string {
  const text = fillTemplate(fs.readFileSync(fixturePath('kubectl', fileName), 'utf8'), vars);
  const file = path.join(scratch(), `${path.basename(fileName, '.yaml')}-${Object.values(vars).join('-')}.yaml`);
  fs.writeFileSync(file, text);
  return file;
}

function get<T extends KubeObject>(resource: string, name: string, namespace = NS): Promise<T | undefined> {
  return getOrUndefined<T>(c().client, resource, namespace, name);
}

async function mustGet<T extends KubeObject>(resource: string, name: string, namespace = NS): Promise<T> {
  const o = await get<T>(resource, name, namespace);
  assert.ok(o, `${resource} ${namespace}/${name} does not exist`);
  return o;
}

function live(p: Readonly<Pod>): boolean {
  return p.metadata.deletionTimestamp === undefined;
}

function ready(p: Readonly<Pod>): boolean {
  return live(p) && podRunning(p) && findCondition(p.status?.conditions, 'Ready')?.status === 'True';
}

async function podsOf(app: string, namespace = NS): Promise<Pod[]> {
  return (await c().client.list<Pod>('pods', { namespace, labelSelector: `app=${app}` })).items;
}

/** Waits until exactly `n` live pods `app=<app>` exist and all are Ready (with the image, when given). */
async function readyPods(app: string, n: number, opts: { image?: string; namespace?: string; timeoutMs?: number } = {}): Promise<Pod[]> {
  return waitFor(
    async () => {
      const pods = (await podsOf(app, opts.namespace)).filter(live);
      const good = pods.filter((p) => ready(p) && (opts.image === undefined || p.spec.containers[0]?.image === opts.image));
      if (pods.length !== n || good.length !== n) {
        throw new Error(`${pods.length} live: ${pods.map((p) => `${nameOf(p)} ${p.status?.phase ?? '?'} ${p.spec.containers[0]?.image ?? ''}`).join(', ')}`);
      }
      return pods;
    },
    { timeoutMs: opts.timeoutMs ?? 90_000, what: `${n} Ready pods app=${app}${opts.image ? ` running ${opts.image}` : ''}` },
  );
}

/** The Deployment `web` exists with `replicas` Ready pods; made with `skiff apply` when kubectl did not make it. */
async function ensureWeb(replicas: number, tier = 'frontend'): Promise<Deployment> {
  if (!(await get<Deployment>('deployments', 'web'))) {
    const r = await c().skiff('apply', '-f', manifest('web.yaml', { REPLICAS: String(replicas), TIER: tier }));
    assert.equal(r.code, 0, `(fallback) ${showRun(r)}`);
  }
  await readyPods('web', (await mustGet<Deployment>('deployments', 'web')).spec.replicas ?? 1);
  return mustGet<Deployment>('deployments', 'web');
}

async function ensurePod(name: string, fixture: string): Promise<Pod> {
  if (!(await get<Pod>('pods', name))) {
    const r = await c().skiff('apply', '-f', fixturePath('kubectl', fixture));
    assert.equal(r.code, 0, `(fallback) ${showRun(r)}`);
  }
  return waitFor(async () => {
    const p = await mustGet<Pod>('pods', name);
    return ready(p) ? p : undefined;
  }, { timeoutMs: 60_000, what: `pod ${name} Ready` });
}

function rows(text: string): Row[] {
  return parseTable(text);
}

function assertHeaders(r: string, expected: readonly string[], context: string): void {
  const header = r.split('\n')[0] ?? '';
  const names = header.split(/\s{2,}/).map((s) => s.trim()).filter((s) => s !== '');
  assert.deepEqual(names, expected, `columns of ${context}:\n${r}`);
}

function lines(text: string): string[] {
  return text.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
}

/** The HTTP statuses kubectl logged for requests whose URL matches `re`. */
function statusesOf(r: KubectlResult, method: string, re: RegExp): number[] {
  return tracedRequests(r)
    .filter((q) => q.method === method && re.test(q.url))
    .map((q) => q.status);
}

let rest: RestTarget | undefined;
function api(): RestTarget {
  rest ??= restTarget(k().kubeconfig);
  return rest;
}

// ---- the kubeconfig, discovery, explain -------------------------------------------------------

step('skiff up writes a kubeconfig; kubectl finds the API over HTTPS with the token (version, api-resources, explain, get nodes)', 60_000, async (sub) => {
  await sub('skiff up prints `export KUBECONFIG=<abs path>` naming <cluster dir>/kubeconfig, https with a CA and a token', async () => {
    const file = clusterKubeconfig(c());
    assert.ok(path.isAbsolute(file), `not absolute: ${file}`);
    assert.equal(path.resolve(file), path.resolve(c().dir, 'kubeconfig'));
    const st = fs.statSync(file);
    assert.equal(st.mode & 0o077, 0, `the kubeconfig holds a token: mode ${(st.mode & 0o777).toString(8)} lets others read it`);
    const t = api();
    assert.equal(t.server.protocol, 'https:');
    assert.ok(t.token.length >= 16, 'a token');
  });

  await sub('kubectl version: client and server versions, server minor 32', async () => {
    const out = await k().ok(['version', '-o', 'json']);
    const v = JSON.parse(out) as { serverVersion?: { major?: string; minor?: string; gitVersion?: string } };
    assert.equal(v.serverVersion?.major, '1', out);
    assert.match(v.serverVersion?.minor ?? '', /^32/, out);
  });

  await sub('kubectl api-resources lists the kinds with short names, groups and namespacing', async () => {
    const out = await k().ok(['api-resources']);
    const table = rows(out);
    const find = (name: string): Row | undefined => table.find((r) => r['NAME'] === name);
    for (const [name, short, version, namespaced, kind] of [
      ['pods', 'po', 'v1', 'true', 'Pod'],
      ['nodes', 'no', 'v1', 'false', 'Node'],
      ['services', 'svc', 'v1', 'true', 'Service'],
      ['configmaps', 'cm', 'v1', 'true', 'ConfigMap'],
      ['namespaces', 'ns', 'v1', 'false', 'Namespace'],
      ['deployments', 'deploy', 'apps/v1', 'true', 'Deployment'],
      ['replicasets', 'rs', 'apps/v1', 'true', 'ReplicaSet'],
      ['leases', '', 'coordination.k8s.io/v1', 'true', 'Lease'],
      ['endpointslices', '', 'discovery.k8s.io/v1', 'true', 'EndpointSlice'],
      ['ingresses', 'ing', 'networking.k8s.io/v1', 'true', 'Ingress'],
    ] as const) {
      assert.deepEqual(find(name), { NAME: name, SHORTNAMES: short, APIVERSION: version, NAMESPACED: namespaced, KIND: kind }, `api-resources row ${name}:\n${out}`);
    }
  });

  await sub('kubectl explain deployment.spec.replicas and pod.spec.containers (real schemas from /openapi/v3)', async () => {
    const out = await k().ok(['explain', 'deployment.spec.replicas']);
    assert.match(out, /KIND:\s+Deployment/, out);
    assert.match(out, /FIELD:\s+replicas\s+<integer>/, out);
    assert.match(out, /DESCRIPTION:\s*\n\s+\S/, out);
    const pods = await k().ok(['explain', 'pod.spec.containers']);
    assert.match(pods, /FIELD:\s+containers\s+<\[\]Container>/, pods);
    assert.match(pods, /\bimage\s+<string>/, pods);
    assert.match(pods, /\bname\s+<string> -required-/, `Container.name is required in Kubernetes' schema (explain marks it -required-):\n${pods}`);
  });

  await sub('kubectl get nodes -o wide: both nodes Ready with their InternalIP', async () => {
    const out = await k().ok(['get', 'nodes', '-o', 'wide']);
    const table = rows(out);
    for (const n of c().state.nodes) {
      const row = table.find((r) => r['NAME'] === n.name);
      assert.ok(row, `no row for ${n.name}:\n${out}`);
      assert.equal(row['STATUS'], 'Ready', out);
      assert.equal(row['INTERNAL-IP'], n.address, out);
    }
  });
});

// ---- apply, get, describe ---------------------------------------------------------------------

step('apply (client-side and --server-side), get in every output, describe', 240_000, async (sub) => {
  const v2 = manifest('web.yaml', { REPLICAS: '2', TIER: 'frontend' });
  const v3 = manifest('web.yaml', { REPLICAS: '3', TIER: 'backend' });

  await sub('apply -f creates the Deployment (with the last-applied annotation); its 2 pods run', async () => {
    const out = await k().ok(['apply', '-f', v2]);
    assert.equal(out.trim(), 'deployment.apps/web created');
    const d = await mustGet<Deployment>('deployments', 'web');
    assert.equal(d.spec.replicas, 2);
    assert.ok(d.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], 'last-applied-configuration annotation');
    await readyPods('web', 2, { image: V1 });
  });

  await sub('apply -f again, unchanged: "unchanged", and no write reaches the server', async () => {
    await ensureWeb(2);
    const before = (await mustGet<Deployment>('deployments', 'web')).metadata.resourceVersion;
    const r = await k().run(['apply', '-f', v2]);
    assert.equal(r.code, 0, showKubectl(r));
    assert.equal(r.stdout.trim(), 'deployment.apps/web unchanged', showKubectl(r));
    assert.deepEqual(tracedRequests(r).filter((q) => q.method !== 'GET').map((q) => `${q.method} ${q.url}`), [], showKubectl(r));
    assert.equal((await mustGet<Deployment>('deployments', 'web')).metadata.resourceVersion, before);
  });

  await sub('apply -f with changes (3 replicas, label tier=backend): "configured" via a strategic merge patch; a 3rd pod runs', async () => {
    await ensureWeb(2);
    const r = await k().run(['apply', '-f', v3]);
    assert.equal(r.code, 0, showKubectl(r));
    assert.equal(r.stdout.trim(), 'deployment.apps/web configured', showKubectl(r));
    assert.deepEqual(statusesOf(r, 'PATCH', /\/deployments\/web\b/), [200], showKubectl(r));
    const d = await mustGet<Deployment>('deployments', 'web');
    assert.equal(d.spec.replicas, 3);
    assert.equal(d.metadata.labels?.['tier'], 'backend');
    assert.equal(d.spec.template.spec.containers.length, 1, 'the containers list merged by name, not appended');
    await readyPods('web', 3, { image: V1 });
  });

  await sub('apply --server-side creates a ConfigMap owned by field manager "kubectl"; re-applied with a change', async () => {
    const r = await k().run(['apply', '--server-side', '-f', manifest('settings-ssa.yaml', { COLOR: 'blue' })]);
    assert.equal(r.code, 0, showKubectl(r));
    assert.equal(r.stdout.trim(), 'configmap/ssa-settings serverside-applied', showKubectl(r));
    assert.deepEqual(statusesOf(r, 'PATCH', /\/configmaps\/ssa-settings\?.*fieldManager=kubectl/), [201], showKubectl(r));
    let cm = await mustGet<ConfigMap>('configmaps', 'ssa-settings');
    assert.equal(cm.data?.['color'], 'blue');
    const managers = (cm.metadata as { managedFields?: { manager?: string; operation?: string }[] }).managedFields ?? [];
    assert.ok(managers.some((m) => m.manager === 'kubectl' && m.operation === 'Apply'), `managedFields: ${JSON.stringify(managers)}`);
    const again = await k().ok(['apply', '--server-side', '-f', manifest('settings-ssa.yaml', { COLOR: 'green' })]);
    assert.equal(again.trim(), 'configmap/ssa-settings serverside-applied');
    cm = await mustGet<ConfigMap>('configmaps', 'ssa-settings');
    assert.equal(cm.data?.['color'], 'green');
  });

  await sub('apply --server-side by another manager conflicts on .data.color; --force-conflicts takes it over', async () => {
    const file = manifest('settings-ssa.yaml', { COLOR: 'red' });
    const r = await k().fails(['apply', '--server-side', '--field-manager=other', '-f', file]);
    assert.match(r.errors, /conflict/i, showKubectl(r));
    assert.match(r.errors, /\.data\.color/, showKubectl(r));
    assert.deepEqual(statusesOf(r, 'PATCH', /\/configmaps\/ssa-settings/), [409], showKubectl(r));
    assert.equal((await mustGet<ConfigMap>('configmaps', 'ssa-settings')).data?.['color'], 'green', 'nothing changed on conflict');
    const forced = await k().ok(['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', file]);
    assert.equal(forced.trim(), 'configmap/ssa-settings serverside-applied');
    assert.equal((await mustGet<ConfigMap>('configmaps', 'ssa-settings')).data?.['color'], 'red');
  });

  await sub('get pods: kubectl\'s columns; -o wide adds IP and NODE that match the cluster', async () => {
    await ensureWeb(3);
    const plain = await k().ok(['get', 'pods', '-l', 'app=web']);
    assertHeaders(plain, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'], 'kubectl get pods');
    const wide = await k().ok(['get', 'pods', '-l', 'app=web', '-o', 'wide']);
    assertHeaders(wide, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'], 'kubectl get pods -o wide');
    const pods = (await podsOf('web')).filter(live);
    const table = rows(wide);
    assert.equal(table.length, pods.length, wide);
    for (const p of pods) {
      const row = table.find((r) => r['NAME'] === nameOf(p));
      assert.ok(row, `no row for ${nameOf(p)}:\n${wide}`);
      assert.equal(row['READY'], '1/1', wide);
      assert.equal(row['STATUS'], 'Running', wide);
      assert.equal(row['IP'], p.status?.podIP, wide);
      assert.equal(row['NODE'], p.spec.nodeName, wide);
      assert.ok(c().nodes.includes(row['NODE'] ?? ''), wide);
    }
    const deploy = await k().ok(['get', 'deployment', 'web']);
    assertHeaders(deploy, ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'], 'kubectl get deployment');
    assert.deepEqual({ ...rows(deploy)[0], AGE: '' }, { NAME: 'web', READY: '3/3', 'UP-TO-DATE': '3', AVAILABLE: '3', AGE: '' }, deploy);
    const deployWide = await k().ok(['get', 'deployment', 'web', '-o', 'wide']);
    const dw = rows(deployWide)[0];
    assert.equal(dw?.['IMAGES'], V1, deployWide);
    assert.equal(dw?.['SELECTOR'], 'app=web', deployWide);
  });

  await sub('get -o yaml | json | name | jsonpath', async () => {
    await ensureWeb(3);
    const yaml = await k().ok(['get', 'deployment', 'web', '-o', 'yaml']);
    assert.match(yaml, /^apiVersion: apps\/v1$/m, yaml);
    assert.match(yaml, /^kind: Deployment$/m, yaml);
    assert.match(yaml, /^ {2}name: web$/m, yaml);
    assert.match(yaml, /^ {2}replicas: 3$/m, yaml);
    const json = JSON.parse(await k().ok(['get', 'pods', '-l', 'app=web', '-o', 'json'])) as { kind: string; items: Pod[] };
    assert.equal(json.kind, 'List');
    const names = (await podsOf('web')).filter(live).map(nameOf).sort();
    assert.deepEqual(json.items.map(nameOf).sort(), names);
    assert.ok(json.items.every((p) => p.kind === 'Pod' && p.apiVersion === 'v1'), 'items carry kind and apiVersion');
    const byName = await k().ok(['get', 'pods', '-l', 'app=web', '-o', 'name']);
    assert.deepEqual(lines(byName).sort(), names.map((n) => `pod/${n}`));
    const jp = await k().ok(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.podIP}{"\\n"}{end}']);
    const pods = (await podsOf('web')).filter(live);
    assert.deepEqual(lines(jp).sort(), pods.map((p) => `${nameOf(p)}=${p.status?.podIP ?? ''}`).sort());
  });

  await sub('get -l, --show-labels, --sort-by', async () => {
    await ensureWeb(3);
    const none = await k().run(['get', 'pods', '-l', 'app=nothing-has-this']);
    assert.equal(none.code, 0, showKubectl(none));
    assert.match(none.errors, /No resources found in default namespace\./, showKubectl(none));
    const labelled = await k().ok(['get', 'pods', '-l', 'app=web', '--show-labels']);
    const table = rows(labelled);
    assert.equal(table.length, 3, labelled);
    for (const r of table) assert.match(r['LABELS'] ?? '', /^app=web,pod-template-hash=[a-z0-9]+$/, labelled);
    const sorted = await k().ok(['get', 'pods', '-l', 'app=web', '--sort-by=.metadata.name']);
    const names = rows(sorted).map((r) => r['NAME'] ?? '');
    assert.deepEqual(names, [...names].sort(), sorted);
    const byIp = await k().ok(['get', 'pods', '-l', 'app=web', '--sort-by=.status.podIP', '-o', 'wide']);
    const ips = rows(byIp).map((r) => r['IP'] ?? '');
    const ipKey = (ip: string): number => ip.split('.').reduce((a, x) => a * 256 + Number(x), 0);
    assert.deepEqual(ips, [...ips].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), `sorted by .status.podIP as strings:\n${byIp}`);
    assert.ok(ips.every((ip) => ipKey(ip) > 0), byIp);
  });

  await sub('get -w prints the existing pods, then a new pod when the Deployment scales up', async () => {
    await ensureWeb(3);
    const before = new Set((await podsOf('web')).map(nameOf));
    const watch = k().start(['get', 'pods', '-l', 'app=web', '-w']);
    try {
      await watch.waitForOutput(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n(?:.*\n){3}/m, 15_000, 'the header and 3 rows');
      await c().client.patch('deployments', NS, 'web', { spec: { replicas: 4 } });
      const fresh = await watch.waitForText(
        (out) => [...out.matchAll(/^(web-[a-z0-9]+-[a-z0-9]+)\s/gm)].map((m) => m[1] ?? '').find((n) => !before.has(n)),
        30_000,
        'a row for a new pod',
      );
      assert.ok(fresh.startsWith('web-'), watch.show());
    } finally {
      await watch.stop();
      await c().client.patch('deployments', NS, 'web', { spec: { replicas: 3 } });
    }
    await readyPods('web', 3);
  });

  await sub('describe deployment, pod and node', async () => {
    await ensureWeb(3);
    const d = await k().ok(['describe', 'deployment', 'web']);
    assert.match(d, /^Name:\s+web$/m, d);
    assert.match(d, /^Namespace:\s+default$/m, d);
    assert.match(d, /^Selector:\s+app=web$/m, d);
    assert.match(d, /^Replicas:\s+3 desired \| 3 updated \| 3 total \| 3 available \| 0 unavailable$/m, d);
    assert.match(d, /^StrategyType:\s+RollingUpdate$/m, d);
    assert.match(d, /^\s+Image:\s+skiff\/demo-web:v1$/m, d);
    assert.match(d, /^\s+Port:\s+8080\/TCP$/m, d);
    assert.match(d, /^NewReplicaSet:\s+web-[a-z0-9]+ \(3\/3 replicas created\)$/m, d);
    assert.match(d, /^Events:/m, d);
    assert.match(d, /ScalingReplicaSet/, d);
    const pod = (await podsOf('web')).filter(live)[0];
    assert.ok(pod);
    const p = await k().ok(['describe', 'pod', nameOf(pod)]);
    assert.match(p, new RegExp(`^Name:\\s+${nameOf(pod)}$`, 'm'), p);
    assert.match(p, new RegExp(`^Node:\\s+${pod.spec.nodeName ?? '?'}/`, 'm'), p);
    assert.match(p, /^Status:\s+Running$/m, p);
    assert.match(p, new RegExp(`^IP:\\s+${(pod.status?.podIP ?? '?').replace(/\./g, '\\.')}$`, 'm'), p);
    assert.match(p, /^Controlled By:\s+ReplicaSet\/web-[a-z0-9]+$/m, p);
    assert.match(p, /^\s+Ready\s+True\s*$/m, p);
    assert.match(p, /Scheduled/, p);
    const node = c().nodes[0] ?? '';
    const n = await k().ok(['describe', 'node', node]);
    assert.match(n, new RegExp(`^Name:\\s+${node}$`, 'm'), n);
    assert.match(n, /^Conditions:/m, n);
    assert.match(n, /^\s+Ready\s+True\s/m, n);
    assert.match(n, /^Non-terminated Pods:/m, n);
  });
});

// ---- create, expose, label, annotate, edit, scale ---------------------------------------------

step('create deployment|namespace|configmap|secret|service, expose, label, annotate, edit, scale, get -A', 180_000, async (sub) => {
  await sub('create namespace', async () => {
    const out = await k().ok(['create', 'namespace', TEAM_NS]);
    assert.equal(out.trim(), `namespace/${TEAM_NS} created`);
    const ns = await mustGet<KubeObject & { status?: { phase?: string } }>('namespaces', TEAM_NS, '');
    assert.equal(ns.status?.phase, 'Active');
  });

  await sub('create deployment (protobuf body) in that namespace; its pod runs', async () => {
    if (!(await get('namespaces', TEAM_NS, ''))) await c().skiff('create', 'namespace', TEAM_NS);
    const r = await k().run(['create', 'deployment', 'hello', `--image=${V1}`, '--replicas=1', '--port=8080', '-n', TEAM_NS]);
    assert.equal(r.code, 0, showKubectl(r));
    assert.equal(r.stdout.trim(), 'deployment.apps/hello created');
    const d = await mustGet<Deployment>('deployments', 'hello', TEAM_NS);
    assert.equal(d.spec.template.spec.containers[0]?.image, V1);
    assert.deepEqual(d.spec.selector.matchLabels, { app: 'hello' });
    await readyPods('hello', 1, { namespace: TEAM_NS });
  });

  await sub('get deployments -A lists both namespaces with a NAMESPACE column', async () => {
    await ensureWeb(3);
    const out = await k().ok(['get', 'deployments', '-A']);
    assertHeaders(out, ['NAMESPACE', 'NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'], 'kubectl get deployments -A');
    const got = rows(out).map((r) => `${r['NAMESPACE'] ?? ''}/${r['NAME'] ?? ''}`);
    assert.ok(got.includes('default/web'), out);
    assert.ok(got.includes(`${TEAM_NS}/hello`), out);
  });

  await sub('create configmap --from-literal', async () => {
    const out = await k().ok(['create', 'configmap', 'settings', '--from-literal=color=blue', '--from-literal=size=large']);
    assert.equal(out.trim(), 'configmap/settings created');
    assert.deepEqual((await mustGet<ConfigMap>('configmaps', 'settings')).data, { color: 'blue', size: 'large' });
  });

  await sub('create secret generic --from-literal (data base64 as read back)', async () => {
    const out = await k().ok(['create', 'secret', 'generic', 'creds', '--from-literal=password=s3cret']);
    assert.equal(out.trim(), 'secret/creds created');
    const s = await mustGet<Secret>('secrets', 'creds');
    assert.equal(Buffer.from(s.data?.['password'] ?? '', 'base64').toString('utf8'), 's3cret');
    const jp = await k().ok(['get', 'secret', 'creds', '-o', 'jsonpath={.data.password}']);
    assert.equal(Buffer.from(jp, 'base64').toString('utf8'), 's3cret');
  });

  await sub('create service clusterip gets a ClusterIP from the range', async () => {
    const out = await k().ok(['create', 'service', 'clusterip', 'backend', '--tcp=80:8080']);
    assert.equal(out.trim(), 'service/backend created');
    const svc = await mustGet<Service>('services', 'backend');
    assert.match(svc.spec?.clusterIP ?? '', /^\d+\.\d+\.\d+\.\d+$/);
    assert.deepEqual(svc.spec?.selector, { app: 'backend' });
    const row = rows(await k().ok(['get', 'service', 'backend']))[0];
    assert.equal(row?.['TYPE'], 'ClusterIP');
    assert.equal(row?.['CLUSTER-IP'], svc.spec?.clusterIP);
    assert.equal(row?.['PORT(S)'], '80/TCP');
  });

  await sub('expose deployment web: a Service selecting its pods, with endpoints', async () => {
    await ensureWeb(3);
    const out = await k().ok(['expose', 'deployment', 'web', '--port=80', '--target-port=8080']);
    assert.equal(out.trim(), 'service/web exposed');
    const svc = await mustGet<Service>('services', 'web');
    assert.deepEqual(svc.spec?.selector, { app: 'web' });
    const ips = (await podsOf('web')).filter(ready).map((p) => p.status?.podIP).sort();
    await waitFor(async () => {
      const ep = await k().ok(['get', 'endpoints', 'web', '-o', 'jsonpath={.subsets[*].addresses[*].ip}']);
      return JSON.stringify(ep.split(/\s+/).filter((s) => s !== '').sort()) === JSON.stringify(ips) ? ep : undefined;
    }, { timeoutMs: 20_000, what: `endpoints web = ${ips.join(',')}` });
  });

  await sub('label and annotate (and remove a label with key-)', async () => {
    await ensureWeb(3);
    assert.equal((await k().ok(['label', 'deployment', 'web', 'team=blue'])).trim(), 'deployment.apps/web labeled');
    assert.equal((await k().ok(['annotate', 'deployment', 'web', 'owner=alice@example.com'])).trim(), 'deployment.apps/web annotated');
    let d = await mustGet<Deployment>('deployments', 'web');
    assert.equal(d.metadata.labels?.['team'], 'blue');
    assert.equal(d.metadata.annotations?.['owner'], 'alice@example.com');
    const shown = rows(await k().ok(['get', 'deployments', '-l', 'team=blue', '-o', 'name']).then((s) => `NAME\n${s}`));
    assert.deepEqual(shown.map((r) => r['NAME']), ['deployment.apps/web']);
    const taken = await k().run(['label', 'deployment', 'web', 'team=red']);
    assert.notEqual(taken.code, 0, `relabel without --overwrite must fail:\n${showKubectl(taken)}`);
    assert.match(taken.errors, /already has a value \(blue\)/, showKubectl(taken));
    assert.equal((await k().ok(['label', 'deployment', 'web', 'team-'])).trim(), 'deployment.apps/web unlabeled');
    d = await mustGet<Deployment>('deployments', 'web');
    assert.equal(d.metadata.labels?.['team'], undefined);
  });

  await sub('edit configmap with an editor that changes a value', async () => {
    if (!(await get('configmaps', 'settings'))) await c().skiff('create', 'configmap', 'settings', '--from-literal=color=blue', '--from-literal=size=large');
    const editor = path.join(scratch(), 'editor.sh');
    fs.writeFileSync(editor, '#!/bin/sh\n# the test\'s editor: turns color blue into purple in the file kubectl hands it\nsed -i -e "s/^  color: blue$/  color: purple/" "$1"\n', { mode: 0o755 });
    const r = await k().run(['edit', 'configmap', 'settings'], { env: { EDITOR: editor, KUBE_EDITOR: editor } });
    assert.equal(r.code, 0, showKubectl(r));
    assert.equal(r.stdout.trim(), 'configmap/settings edited', showKubectl(r));
    assert.deepEqual((await mustGet<ConfigMap>('configmaps', 'settings')).data, { color: 'purple', size: 'large' });
  });

  await sub('scale deployment web to 4, then back to 3', async () => {
    await ensureWeb(3);
    assert.equal((await k().ok(['scale', 'deployment', 'web', '--replicas=4'])).trim(), 'deployment.apps/web scaled');
    assert.equal((await mustGet<Deployment>('deployments', 'web')).spec.replicas, 4);
    await readyPods('web', 4);
    assert.equal((await k().ok(['scale', 'deploy/web', '--replicas=3'])).trim(), 'deployment.apps/web scaled');
    await readyPods('web', 3);
  });
});

// ---- rollouts ---------------------------------------------------------------------------------

step('set image, rollout status|history|undo|restart|pause|resume', 420_000, async (sub) => {
  const rs = async (): Promise<ReplicaSet[]> => (await c().client.list<ReplicaSet>('replicasets', { namespace: NS, labelSelector: 'app=web' })).items;
  const status = async (): Promise<void> => {
    const r = await k().run(['rollout', 'status', 'deployment/web', '--timeout=110s'], { timeoutMs: ROLLOUT_MS });
    assert.equal(r.code, 0, showKubectl(r));
    assert.match(r.stdout, /deployment "web" successfully rolled out/, showKubectl(r));
  };

  await sub('set image web=v2 + rollout status: waits, then every pod runs v2', async () => {
    await ensureWeb(3);
    assert.equal((await k().ok(['set', 'image', 'deployment/web', `web=${V2}`])).trim(), 'deployment.apps/web image updated');
    await status();
    await readyPods('web', 3, { image: V2 });
  });

  await sub('rollout history lists revisions 1 and 2; --revision=2 shows the v2 template', async () => {
    const out = await k().ok(['rollout', 'history', 'deployment/web']);
    assert.match(out, /^deployment\.apps\/web\s*$/m, out);
    const revs = rows(out.split('\n').slice(1).join('\n')).map((r) => r['REVISION']);
    assert.deepEqual(revs, ['1', '2'], out);
    const two = await k().ok(['rollout', 'history', 'deployment/web', '--revision=2']);
    assert.match(two, /Image:\s+skiff\/demo-web:v2/, two);
  });

  await sub('rollout undo: back to v1 (revision 3 reuses the first ReplicaSet)', async () => {
    const before = await rs();
    assert.equal((await k().ok(['rollout', 'undo', 'deployment/web'])).trim(), 'deployment.apps/web rolled back');
    await status();
    await readyPods('web', 3, { image: V1 });
    const after = await rs();
    assert.equal(after.length, before.length, `no new ReplicaSet: ${after.map(nameOf).join(', ')}`);
    const v1 = after.find((r) => r.spec.template.spec.containers[0]?.image === V1);
    assert.equal(v1?.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
  });

  await sub('rollout restart: template annotation restartedAt, new pods replace all old ones', async () => {
    await ensureWeb(3);
    const old = new Set((await podsOf('web')).filter(live).map(nameOf));
    assert.equal((await k().ok(['rollout', 'restart', 'deployment/web'])).trim(), 'deployment.apps/web restarted');
    const d = await mustGet<Deployment>('deployments', 'web');
    assert.ok(d.spec.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'], 'restartedAt annotation');
    await status();
    const pods = await readyPods('web', 3);
    assert.ok(pods.every((p) => !old.has(nameOf(p))), `old pods left: ${pods.map(nameOf).join(', ')}`);
  });

  await sub('rollout pause: set image does not roll; resume: it rolls out', async () => {
    await ensureWeb(3);
    assert.equal((await k().ok(['rollout', 'pause', 'deployment/web'])).trim(), 'deployment.apps/web paused');
    assert.equal((await mustGet<Deployment>('deployments', 'web')).spec.paused, true);
    const before = (await rs()).map(nameOf).sort();
    await k().ok(['set', 'image', 'deployment/web', `web=${V2}`]);
    // The controller has seen the paused Deployment's new template when observedGeneration catches up.
    await waitFor(async () => {
      const d = await mustGet<Deployment>('deployments', 'web');
      return (d.status?.observedGeneration ?? 0) >= (d.metadata.generation ?? 1);
    }, { timeoutMs: 20_000, what: 'observedGeneration caught up with the paused Deployment' });
    assert.deepEqual((await rs()).map(nameOf).sort(), before, 'no ReplicaSet made while paused');
    assert.ok((await podsOf('web')).filter(live).every((p) => p.spec.containers[0]?.image !== V2), 'no v2 pod while paused');
    assert.equal((await k().ok(['rollout', 'resume', 'deployment/web'])).trim(), 'deployment.apps/web resumed');
    await status();
    await readyPods('web', 3, { image: V2 });
  });
});

// ---- logs, exec, port-forward -----------------------------------------------------------------

step('logs (--tail, -f, deploy/x), exec (and -it through a pty), port-forward (pod and svc/x)', 180_000, async (sub) => {
  await sub('apply the ticker pod', async () => {
    assert.equal((await k().ok(['apply', '-f', fixturePath('kubectl', 'ticker-pod.yaml')])).trim(), 'pod/ticker created');
    await ensurePod('ticker', 'ticker-pod.yaml');
  });

  await sub('logs --tail=2: the last two lines, consecutive ticks', async () => {
    await ensurePod('ticker', 'ticker-pod.yaml');
    await waitFor(async () => (await c().client.get<Pod>('pods', NS, 'ticker')).status?.phase === 'Running', { timeoutMs: 30_000, what: 'ticker Running' });
    const out = await waitFor(async () => {
      const o = await k().ok(['logs', 'ticker', '--tail=2']);
      return lines(o).length === 2 ? o : undefined;
    }, { timeoutMs: 10_000, what: 'two log lines' });
    const [a, b] = lines(out).map((l) => Number(/^tick-(\d+)$/.exec(l)?.[1]));
    assert.ok(a !== undefined && b !== undefined && Number.isInteger(a) && b === a + 1, out);
  });

  await sub('logs -f follows: new ticks arrive after it started; stopping it is clean', async () => {
    await ensurePod('ticker', 'ticker-pod.yaml');
    const f = k().start(['logs', '-f', 'ticker', '--tail=1']);
    try {
      const first = Number((await f.waitForOutput(/tick-(\d+)/, 15_000))[1]);
      await f.waitForOutput(new RegExp(`tick-${first + 3}\\b`), 15_000, `tick-${first + 3}`);
    } finally {
      await f.stop();
    }
  });

  await sub('logs deploy/web picks one of its pods', async () => {
    await ensureWeb(3);
    const r = await k().run(['logs', 'deploy/web']);
    assert.equal(r.code, 0, showKubectl(r));
    assert.match(r.stdout, /demo-web v\d listening on :8080 \(hostname web-[a-z0-9]+-[a-z0-9]+\)/, showKubectl(r));
  });

  await sub('exec: stdout, stderr and the exit code come back; -i passes stdin', async () => {
    await ensurePod('ticker', 'ticker-pod.yaml');
    const r = await k().run(['exec', 'ticker', '--', 'sh', '-c', 'echo to-stdout; echo to-stderr >&2; exit 3']);
    assert.equal(r.stdout.trim(), 'to-stdout', showKubectl(r));
    assert.match(r.errors, /to-stderr/, showKubectl(r));
    assert.equal(r.code, 3, showKubectl(r));
    const cat = await k().run(['exec', '-i', 'ticker', '--', 'sh', '-c', 'cat; echo "[$(hostname)]"'], { stdin: 'hello through stdin\n' });
    assert.equal(cat.code, 0, showKubectl(cat));
    assert.equal(cat.stdout, 'hello through stdin\n[ticker]\n', showKubectl(cat));
  });

  await sub('exec -it through a pseudo-terminal: a tty in the container, an interactive shell', async () => {
    await ensurePod('ticker', 'ticker-pod.yaml');
    const r = await runInPty([k().binary, 'exec', '-it', 'ticker', '--', 'sh'], {
      env: k().env,
      input: 'tty; echo "sum=$((6*7))"; stty size\nexit 0\n',
      timeoutMs: 30_000,
      rows: 37,
      cols: 101,
    });
    assert.equal(r.code, 0, showRun(r));
    assert.match(r.stdout, /^\/dev\/pts\/\d+\r?$/m, `tty inside the container:\n${r.stdout}`);
    assert.match(r.stdout, /^sum=42\r?$/m, r.stdout);
    assert.match(r.stdout, /^37 101\r?$/m, `stty size: the terminal's size (37 rows, 101 columns) reached the container:\n${r.stdout}`);
  });

  await sub('port-forward pod/<web pod> :8080, then HTTP GET / through it reaches that pod', async () => {
    await ensureWeb(3);
    const [pod] = (await podsOf('web')).filter(ready);
    assert.ok(pod);
    const pf = k().start(['port-forward', `pod/${nameOf(pod)}`, ':8080']);
    try {
      const port = Number((await pf.waitForOutput(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/, 15_000))[1]);
      for (let i = 0; i < 3; i++) {
        const res = await httpGet('127.0.0.1', port, '/');
        assert.equal(res.status, 200, res.body);
        assert.match(res.body, new RegExp(nameOf(pod)), res.body);
      }
    } finally {
      await pf.stop();
    }
  });

  await sub('port-forward svc/web :80 forwards to a pod behind the Service (targetPort 8080)', async () => {
    await ensureWeb(3);
    if (!(await get('services', 'web'))) await c().skiff('expose', 'deployment', 'web', '--port', '80', '--target-port', '8080');
    const pf = k().start(['port-forward', 'svc/web', ':80']);
    try {
      const port = Number((await pf.waitForOutput(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/, 15_000))[1]);
      const res = await httpGet('127.0.0.1', port, '/');
      assert.equal(res.status, 200, res.body);
      const names = (await podsOf('web')).map(nameOf);
      assert.ok(names.some((n) => res.body.includes(n)), `answer from one of ${names.join(', ')}: ${res.body}`);
    } finally {
      await pf.stop();
    }
  });
});

// ---- delete -----------------------------------------------------------------------------------

step('delete: a pod waits for its graceful end; -f; a namespace with what is in it', 180_000, async (sub) => {
  await sub('delete pod waits until the pod (ignoring SIGTERM, 4 s grace) is gone', async () => {
    await ensurePod('slow-stop', 'slow-stop-pod.yaml').catch(async () => {
      await k().ok(['apply', '-f', fixturePath('kubectl', 'slow-stop-pod.yaml')]);
      return ensurePod('slow-stop', 'slow-stop-pod.yaml');
    });
    const r = await k().run(['delete', 'pod', 'slow-stop'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, showKubectl(r));
    assert.equal(r.stdout.trim(), 'pod "slow-stop" deleted');
    assert.equal(await get('pods', 'slow-stop'), undefined, 'kubectl delete returned while the pod still existed');
    const left = await c().containers({ labels: { 'skiff.io/pod-name': 'slow-stop', 'skiff.io/role': 'app' } });
    assert.deepEqual(left.map((x) => x.Id.slice(0, 12)), [], 'its container is stopped');
    const again = await k().fails(['delete', 'pod', 'slow-stop']);
    assert.match(again.errors, /Error from server \(NotFound\): pods "slow-stop" not found/, showKubectl(again));
  });

  await sub('delete -f the ticker manifest', async () => {
    const out = await k().ok(['delete', '-f', fixturePath('kubectl', 'ticker-pod.yaml')], { timeoutMs: 60_000 });
    assert.equal(out.trim(), 'pod "ticker" deleted');
    assert.equal(await get('pods', 'ticker'), undefined);
  });

  await sub('delete configmap, secret, service by name', async () => {
    const out = await k().ok(['delete', 'configmap/settings', 'secret/creds', 'service/backend']);
    assert.deepEqual(lines(out), ['configmap "settings" deleted', 'secret "creds" deleted', 'service "backend" deleted']);
    for (const [r, n] of [['configmaps', 'settings'], ['secrets', 'creds'], ['services', 'backend']] as const) assert.equal(await get(r, n), undefined, `${r}/${n}`);
  });

  await sub('delete namespace: its Deployment and pods go with it', async () => {
    const out = await k().ok(['delete', 'namespace', TEAM_NS, '--timeout=90s'], { timeoutMs: 100_000 });
    assert.equal(out.trim(), `namespace "${TEAM_NS}" deleted`);
    assert.equal(await get('namespaces', TEAM_NS, ''), undefined);
    assert.deepEqual((await c().containers({ labels: { 'skiff.io/pod-namespace': TEAM_NS } })).map((x) => x.Labels['skiff.io/pod-name']), []);
  });
});

// ---- nodes ------------------------------------------------------------------------------------

step('cordon, uncordon and drain', 240_000, async (sub) => {
  const [first, second] = c().nodes;
  assert.ok(first && second);

  await sub('cordon: the node is unschedulable (SchedulingDisabled); uncordon undoes it', async () => {
    assert.equal((await k().ok(['cordon', second])).trim(), `node/${second} cordoned`);
    assert.equal((await mustGet<Node>('nodes', second, '')).spec?.unschedulable, true);
    const row = rows(await k().ok(['get', 'node', second]))[0];
    assert.equal(row?.['STATUS'], 'Ready,SchedulingDisabled');
    assert.equal((await k().ok(['uncordon', second])).trim(), `node/${second} uncordoned`);
    assert.ok(!(await mustGet<Node>('nodes', second, '')).spec?.unschedulable);
  });

  await sub(`drain ${first}: its pods are evicted and run again on the other node`, async () => {
    await ensureWeb(3);
    const r = await k().run(['drain', first, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=120s'], { timeoutMs: 150_000 });
    assert.equal(r.code, 0, showKubectl(r));
    assert.match(r.stdout, new RegExp(`node/${first} cordoned`), showKubectl(r));
    assert.match(r.stdout, new RegExp(`node/${first} drained`), showKubectl(r));
    assert.ok(statusesOf(r, 'POST', /\/eviction$/).every((s) => s === 201) || statusesOf(r, 'POST', /\/eviction/).length === 0, showKubectl(r));
    const pods = await readyPods('web', 3);
    assert.deepEqual([...new Set(pods.map((p) => p.spec.nodeName))], [second], `pods on: ${pods.map((p) => `${nameOf(p)}@${p.spec.nodeName ?? ''}`).join(', ')}`);
    const onFirst = (await c().client.list<Pod>('pods', { fieldSelector: `spec.nodeName=${first}` })).items.filter(live);
    assert.deepEqual(onFirst.map(nameOf), [], 'nothing left on the drained node');
  });

  await sub('uncordon after the drain', async () => {
    assert.equal((await k().ok(['uncordon', first])).trim(), `node/${first} uncordoned`);
  });
});

// ---- bad input --------------------------------------------------------------------------------

step('bad input: 401 without a token, 415, 422 naming the field, 404, 413, a malformed upgrade; the server keeps serving', 120_000, async (sub) => {
  await sub('no token → 401 Status; a wrong token → kubectl says Unauthorized', async () => {
    const res = await restRequest(api(), { path: '/api/v1/namespaces/default/pods', auth: false });
    assert.equal(res.status, 401, showResponse(res));
    assert.equal(statusOf(res)?.reason, 'Unauthorized', showResponse(res));
    const wrong = await restRequest(api(), { path: '/api/v1/namespaces/default/pods', token: 'not-the-token' });
    assert.equal(wrong.status, 401, showResponse(wrong));
    const r = await k().fails(['get', 'pods', '--token=not-the-token']);
    assert.match(r.errors, /You must be logged in to the server \(Unauthorized\)/, showKubectl(r));
  });

  await sub('a body with Content-Type text/plain → 415 Status; nothing created', async () => {
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'plain-text' }, data: { a: 'b' } });
    const res = await restRequest(api(), { method: 'POST', path: '/api/v1/namespaces/default/configmaps', headers: { 'Content-Type': 'text/plain' }, body });
    assert.equal(res.status, 415, showResponse(res));
    assert.equal(statusOf(res)?.reason, 'UnsupportedMediaType', showResponse(res));
    assert.equal(await get('configmaps', 'plain-text'), undefined);
    const patch = await restRequest(api(), { method: 'PATCH', path: '/apis/apps/v1/namespaces/default/deployments/web', headers: { 'Content-Type': 'application/json' }, body: '{"spec":{"replicas":9}}' });
    assert.equal(patch.status, 415, `PATCH with application/json (not a patch type):\n${showResponse(patch)}`);
  });

  await sub('kubectl patch with replicas -1 → 422 Invalid naming spec.replicas; nothing changed', async () => {
    await ensureWeb(3);
    const before = (await mustGet<Deployment>('deployments', 'web')).metadata.resourceVersion;
    const r = await k().fails(['patch', 'deployment', 'web', '--type=merge', '-p', '{"spec":{"replicas":-1}}']);
    assert.deepEqual(statusesOf(r, 'PATCH', /\/deployments\/web/), [422], showKubectl(r));
    assert.match(r.errors, /spec\.replicas/, showKubectl(r));
    assert.match(r.errors, /is invalid/, showKubectl(r));
    assert.equal((await mustGet<Deployment>('deployments', 'web')).metadata.resourceVersion, before);
  });

  await sub('kubectl patch --type=json that does not apply → 422 naming the path; nothing changed', async () => {
    await ensureWeb(3);
    const before = (await mustGet<Deployment>('deployments', 'web')).metadata.resourceVersion;
    const r = await k().fails(['patch', 'deployment', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/nosuchfield/x","value":1}]']);
    assert.deepEqual(statusesOf(r, 'PATCH', /\/deployments\/web/), [422], showKubectl(r));
    assert.match(r.errors, /nosuchfield/, showKubectl(r));
    assert.equal((await mustGet<Deployment>('deployments', 'web')).metadata.resourceVersion, before);
  });

  await sub('an unknown group and an unknown resource → 404 Status; kubectl names the type', async () => {
    const res = await restRequest(api(), { path: '/apis/nope.example.com/v1/namespaces/default/things' });
    assert.equal(res.status, 404, showResponse(res));
    assert.equal(statusOf(res)?.reason, 'NotFound', showResponse(res));
    const r = await k().fails(['get', 'things']);
    assert.match(r.errors, /the server doesn't have a resource type "things"/, showKubectl(r));
  });

  await sub('a body over 3 MiB → 413 Status; nothing created', async () => {
    const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'too-big' }, data: { a: 'x'.repeat(3.5 * 1024 * 1024) } });
    const res = await restRequest(api(), { method: 'POST', path: '/api/v1/namespaces/default/configmaps', headers: { 'Content-Type': 'application/json' }, body, timeoutMs: 20_000 }).catch(
      (e: unknown) => ({ status: -1, headers: {}, body: `request failed: ${e instanceof Error ? e.message : String(e)}` }),
    );
    assert.equal(res.status, 413, showResponse(res));
    assert.equal(statusOf(res)?.reason, 'RequestEntityTooLarge', showResponse(res));
    assert.equal(await get('configmaps', 'too-big'), undefined);
  });

  await sub('an exec upgrade without Sec-WebSocket-Key → 400 Status', async () => {
    const pod = (await podsOf('web')).filter(ready)[0];
    assert.ok(pod);
    const res = await restRequest(api(), {
      path: `/api/v1/namespaces/default/pods/${nameOf(pod)}/exec?command=true&stdout=true`,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Protocol': 'v5.channel.k8s.io', 'Sec-WebSocket-Version': '13' },
    });
    assert.equal(res.status, 400, showResponse(res));
    assert.equal(statusOf(res)?.code, 400, showResponse(res));
  });

  await sub('after all that the server still answers', async () => {
    const out = await k().ok(['get', 'namespace', 'default', '-o', 'name']);
    assert.equal(out.trim(), 'namespace/default');
  });

  await sub('delete -f the Deployment manifest: "deleted", its pods go', async () => {
    await ensureWeb(3);
    const out = await k().ok(['delete', '-f', manifest('web.yaml', { REPLICAS: '3', TIER: 'backend' })], { timeoutMs: 60_000 });
    assert.equal(out.trim(), 'deployment.apps "web" deleted');
    assert.equal(await get('deployments', 'web'), undefined);
    await waitFor(async () => (await podsOf('web')).length === 0, { timeoutMs: 60_000, what: 'web pods garbage-collected' });
  });
});
