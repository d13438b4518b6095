import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTable, rowNamed } from './table.js';

test('parseTable splits rows at the header columns, keeping cells with single spaces', () => {
  const text = [
    'NAME        READY   STATUS              RESTARTS     AGE   NOMINATED NODE',
    'web-abcde   1/1     Running             1 (5s ago)   2m    <none>',
    'e2e-nope    0/1     ErrImageNeverPull   0            10s   <none>',
    '',
  ].join('\n');
  const rows = parseTable(text);
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[0], { NAME: 'web-abcde', READY: '1/1', STATUS: 'Running', RESTARTS: '1 (5s ago)', AGE: '2m', 'NOMINATED NODE': '<none>' });
  assert.equal(rowNamed(text, 'e2e-nope')?.['STATUS'], 'ErrImageNeverPull');
  assert.equal(rowNamed(text, 'missing'), undefined);
});

test('parseTable of empty output is no rows', () => {
  assert.deepEqual(parseTable(''), []);
  assert.deepEqual(parseTable('NAME   STATUS\n'), []);
});
