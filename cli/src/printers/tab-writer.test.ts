import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DESCRIBE_OPTIONS, TABLE_OPTIONS, TabWriter, tabbed } from './tab-writer.js';

test('a table aligns like kubectl get: three spaces, minimum width 6, last column unpadded', () => {
  const out = tabbed('NAME\tREADY\tSTATUS\tRESTARTS\tAGE\nweb-abcde\t1/1\tRunning\t0\t5m\nx\t0/1\tPending\t0\t3s\n', TABLE_OPTIONS);
  assert.equal(
    out,
    ['NAME        READY   STATUS    RESTARTS   AGE', 'web-abcde   1/1     Running   0          5m', 'x           0/1     Pending   0          3s', ''].join('\n'),
  );
});

test('short columns are at least minWidth wide', () => {
  assert.equal(tabbed('NS\tA\nx\ty\n', TABLE_OPTIONS), 'NS    A\nx     y\n');
});

test('a line without a cell in a column ends the column block (describe sections)', () => {
  const text = 'Name:\tweb\nNamespace:\tdefault\nContainers:\n  main:\n    Image:\tbusybox\n    Restart Count:\t0\n';
  assert.equal(
    tabbed(text, DESCRIBE_OPTIONS),
    ['Name:       web', 'Namespace:  default', 'Containers:', '  main:', '    Image:          busybox', '    Restart Count:  0', ''].join('\n'),
  );
});

test('nested columns align within their own block', () => {
  const text = 'a\tbb\tc\naaaa\tb\tcc\nz\n';
  assert.equal(tabbed(text, { minWidth: 0, padding: 1 }), 'a    bb c\naaaa b  cc\nz\n');
});

test('rememberWidths keeps later flushes aligned with earlier ones (watch rows)', () => {
  const w = new TabWriter(TABLE_OPTIONS);
  w.write('NAME\tSTATUS\tAGE\nweb-long-name\tRunning\t1s\n');
  assert.equal(w.flush(), 'NAME            STATUS    AGE\nweb-long-name   Running   1s\n');
  w.write('a\tPending\t0s\n');
  assert.equal(w.flush(), 'a               Pending   0s\n');
  w.write('b\tContainerCreating\t0s\n');
  assert.equal(w.flush(), 'b               ContainerCreating   0s\n');
});

test('without rememberWidths each flush aligns on its own; text without a final newline is kept as is', () => {
  const w = new TabWriter({ minWidth: 0, padding: 2 });
  w.write('long-key:\tv\n');
  assert.equal(w.flush(), 'long-key:  v\n');
  w.write('k:\tv');
  assert.equal(w.flush(), 'k:  v');
});

test('widths count characters, not bytes', () => {
  assert.equal(tabbed('é\tx\nab\ty\n', { minWidth: 0, padding: 1 }), 'é  x\nab y\n');
});
