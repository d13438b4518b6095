import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs on stdout (or the file a supervisor redirects it to), bound to the component name.
 * Children add `{controller, key}` and the like. Level from SKIFF_LOG_LEVEL (default info).
 */
export function createLogger(component: string, bindings: Record<string, string> = {}): Logger {
  return pino({ level: process.env['SKIFF_LOG_LEVEL'] ?? 'info', base: { component, ...bindings } });
}

/** A logger that drops everything: for unit tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
