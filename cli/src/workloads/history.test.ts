import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replicaSet } from './fixtures.js';
import { formatHistoryTable, historyOutput, revisionHistory } from './history.js';

const v1 = replicaSet('aaa', 'skiff/demo-web:v1', 1);
const v2 = replicaSet('bbb', 'skiff/demo-web:v2', 2, { changeCause: 'update to v2' });
const v3 = replicaSet('ccc', 'skiff/demo-web:v3', 3);

test('history rows: sorted by revision, change-cause or <none>', () => {
  const h = revisionHistory([v3, v1, v2]);
  assert.deepEqual(
    h.map((r) => [r.revision, r.changeCause]),
    [
      [1, undefined],
      [2, 'update to v2'],
      [3, undefined],
    ],
  );
  assert.equal(formatHistoryTable(h), 'REVISION  CHANGE-CAUSE\n1         <none>\n2         update to v2\n3         <none>\n');
});

test('a ReplicaSet whose revision is not a number is left out', () => {
  const bad = replicaSet('zzz', 'x', 1);
  bad.metadata.annotations = { 'deployment.kubernetes.io/revision': 'x' };
  assert.deepEqual(
    revisionHistory([bad, v1]).map((r) => r.revision),
    [1],
  );
});

test("the whole output: kubectl's name line, the table, a blank line", () => {
  assert.equal(historyOutput('deployment.apps/web', revisionHistory([v1, v2]), 0), 'deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         update to v2\n\n');
  assert.equal(historyOutput('deployment.apps/web', [], 0), 'deployment.apps/web \nNo rollout history found.\n');
});

test('--revision shows that revision\'s pod template, with its change-cause', () => {
  const out = historyOutput('deployment.apps/web', revisionHistory([v1, v2]), 2);
  assert.match(out, /^deployment\.apps\/web with revision #2\nPod Template:\n {2}Labels: +app=web\n +pod-template-hash=bbb\n {2}Annotations: +kubernetes\.io\/change-cause: update to v2\n {2}Containers:\n {3}web:\n {4}Image: +skiff\/demo-web:v2\n/);
  assert.doesNotMatch(historyOutput('deployment.apps/web', revisionHistory([v1]), 1), /Annotations/);
  assert.throws(() => historyOutput('deployment.apps/web', revisionHistory([v1, v2]), 7), /unable to find the specified revision/);
});
