import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { claimIsLive, claimsOf, liveClaims, releaseClaims, takenByClaims, withClaimsLock, writeClaims } from './address-claims.js';
import { chooseNetworkPlan, NOTHING_TAKEN, planConflicts } from './network-plan.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-claims-test-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a plan claims its two blocks, its node addresses and its chain prefix, once', (t) => {
  const dir = tempDir(t);
  const claims = path.join(dir, 'claims');
  const planFile = path.join(dir, 'a', 'network.json');
  const plan = chooseNetworkPlan({ taken: NOTHING_TAKEN });
  fs.mkdirSync(path.dirname(planFile));
  fs.writeFileSync(planFile, JSON.stringify(plan));
  writeClaims(claims, plan, planFile);
  assert.deepEqual(
    fs.readdirSync(claims).sort(),
    [`chain-${plan.iptablesChainPrefix}`, `cidr-${plan.clusterCidr.replace('/', '-')}`, `cidr-${plan.serviceClusterIpRange.replace('/', '-')}`, `nodes-${plan.nodeAddressPrefix}`].sort(),
  );

  // Another cluster sees all of it as taken, and a plan chosen against it does not collide.
  const taken = takenByClaims(liveClaims(claims), path.join(dir, 'b', 'network.json'));
  assert.deepEqual(planConflicts(plan, taken).length, 4);
  const other = chooseNetworkPlan({ taken });
  assert.deepEqual(planConflicts(other, taken), []);
  // ...and cannot claim the same things.
  assert.throws(() => writeClaims(claims, plan, path.join(dir, 'b', 'network.json')), /already claimed/);
  // The cluster itself does not collide with its own claims, and may claim them again.
  assert.deepEqual(planConflicts(plan, takenByClaims(liveClaims(claims), planFile)), []);
  writeClaims(claims, plan, planFile);
  assert.equal(liveClaims(claims).length, 4);

  assert.equal(releaseClaims(claims, path.join(dir, 'b', 'network.json')), 0, 'releasing touches only the claims of that plan file');
  assert.equal(releaseClaims(claims, planFile), 4);
  assert.deepEqual(liveClaims(claims), []);
});

test('a claim holds while its plan file names it, or while its creator runs (briefly); else it is removed', (t) => {
  const dir = tempDir(t);
  const planFile = path.join(dir, 'network.json');
  const plan = chooseNetworkPlan({ taken: NOTHING_TAKEN });
  const [claim] = claimsOf(plan, planFile);
  assert.ok(claim);
  // No plan file yet, but this process (the creator) runs.
  assert.equal(claimIsLive(claim), true);
  assert.equal(claimIsLive(claim, Date.now() + 11 * 60_000), false, 'not forever');
  // A dead creator and no plan file: stale.
  assert.equal(claimIsLive({ ...claim, pid: 2 ** 22 + 12345 }), false);
  // The plan file names it: live whoever made it.
  fs.writeFileSync(planFile, JSON.stringify(plan));
  assert.equal(claimIsLive({ ...claim, pid: 2 ** 22 + 12345 }), true);
  // The plan file now holds another plan (the cluster was purged and started afresh): stale.
  fs.writeFileSync(planFile, JSON.stringify({ ...plan, iptablesChainPrefix: 'SKFFFF' }));
  assert.equal(claimIsLive({ ...claim, pid: 2 ** 22 + 12345 }), false);

  const claims = path.join(dir, 'claims');
  fs.mkdirSync(claims);
  fs.writeFileSync(path.join(claims, 'stale'), JSON.stringify({ ...claim, pid: 2 ** 22 + 12345 }));
  fs.writeFileSync(path.join(claims, 'garbage'), '{not json');
  assert.deepEqual(liveClaims(claims), []);
  assert.deepEqual(fs.readdirSync(claims), [], 'stale and unreadable claims are removed');
});

test('the lock lets one holder in at a time and is broken when left behind', async (t) => {
  const dir = tempDir(t);
  const order: string[] = [];
  const slow = withClaimsLock(dir, async () => {
    order.push('a in');
    await new Promise((r) => setTimeout(r, 100));
    order.push('a out');
  });
  await new Promise((r) => setTimeout(r, 10));
  await withClaimsLock(dir, () => void order.push('b'));
  await slow;
  assert.deepEqual(order, ['a in', 'a out', 'b']);

  // A lock left by a crashed process (older than 30 s) is broken.
  fs.mkdirSync(path.join(dir, '.lock'));
  const old = new Date(Date.now() - 60_000);
  fs.utimesSync(path.join(dir, '.lock'), old, old);
  assert.equal(await withClaimsLock(dir, () => 'got it', 1_000), 'got it');
  // A fresh one is waited for, up to the limit.
  fs.mkdirSync(path.join(dir, '.lock'));
  await assert.rejects(withClaimsLock(dir, () => 'never', 100), /timed out waiting for the address claims lock/);
});
