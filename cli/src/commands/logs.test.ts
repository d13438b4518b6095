import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logsCommand, sinceOptions, type LogsOptions } from './logs.js';

/** Parses `skiff logs ARGS` with the real flag definitions; returns the options the action gets. */
async function parse(args: string[]): Promise<LogsOptions> {
  let seen: LogsOptions | undefined;
  const cmd = logsCommand()
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} })
    .action((_target: string, opts: LogsOptions) => {
      seen = opts;
    });
  await cmd.parseAsync(args, { from: 'user' });
  return seen ?? assert.fail('the action did not run');
}

test('--since takes a Go duration and --since-time an RFC 3339 time', async () => {
  assert.equal((await parse(['web', '--since', '10s'])).since, 10_000);
  assert.equal((await parse(['web', '--since=1h30m'])).since, 5_400_000);
  assert.equal((await parse(['web', '--since-time', '2024-05-01T12:00:00Z'])).sinceTime, '2024-05-01T12:00:00Z');
  const none = await parse(['web']);
  assert.equal(none.since, undefined);
  assert.equal(none.sinceTime, undefined);
  await assert.rejects(parse(['web', '--since', '10']), /time: invalid duration "10"/);
  await assert.rejects(parse(['web', '--since', 'ten']), /time: invalid duration "ten"/);
});

test('the flags become sinceSeconds / sinceTime as kubectl sends them', () => {
  assert.deepEqual(sinceOptions({}), {});
  assert.deepEqual(sinceOptions({ since: 0 }), {});
  assert.deepEqual(sinceOptions({ since: 10_000 }), { sinceSeconds: 10 });
  assert.deepEqual(sinceOptions({ since: 90_400 }), { sinceSeconds: 90 });
  assert.deepEqual(sinceOptions({ since: 200 }), { sinceSeconds: 1 }, 'a sub-second --since still bounds the log');
  assert.deepEqual(sinceOptions({ sinceTime: '2024-05-01T14:00:00.25+02:00' }), { sinceTime: '2024-05-01T12:00:00.250Z' });
});

test('both flags, a negative --since or a malformed --since-time are refused as kubectl refuses them', () => {
  assert.throws(() => sinceOptions({ since: 10_000, sinceTime: '2024-05-01T12:00:00Z' }), /^CliError: error: at most one of `sinceTime` or `sinceSeconds` may be specified$/);
  assert.throws(() => sinceOptions({ since: -1_000 }), /error: --since must be greater than 0/);
  for (const bad of ['yesterday', '2024-05-01', '2024-05-01T12:00:00', '2024-05-01 12:00:00Z']) {
    assert.throws(() => sinceOptions({ sinceTime: bad }), new RegExp(`parsing time "${bad}"`), bad);
  }
});
