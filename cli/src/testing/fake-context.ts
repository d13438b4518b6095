// For unit tests of commands: a CliContext whose client is an in-memory API (a FakeApi or a
// wrapper of one), and an Io that records what a command prints.

import path from 'node:path';
import type { ApiClient, ApiInterface } from '@skiff/client';
import { CliContext } from '../context.js';
import type { Io } from '../commands/common.js';

export class FakeContext extends CliContext {
  constructor(
    /** A FakeApi, or any object with the ApiClient methods the command calls. */
    private readonly fake: Partial<ApiInterface> | Partial<ApiClient>,
    namespace = 'default',
  ) {
    super({ server: 'fake:6444', namespace, config: path.join('/nonexistent', 'skiff-config.json') });
  }

  override api(): ApiClient {
    return this.fake as unknown as ApiClient;
  }
}

export interface RecordingIo extends Io {
  stdout: string;
  stderr: string;
}

export function recordingIo(): RecordingIo {
  const io: RecordingIo = {
    stdout: '',
    stderr: '',
    out: (text) => void (io.stdout += text),
    err: (text) => void (io.stderr += text),
  };
  return io;
}
