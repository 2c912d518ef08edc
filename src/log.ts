/** Structured one-line logs. The Node edge writes them to stderr; secrets must never be passed in. */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface Logger {
  readonly verbose: boolean;
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { verbose: false, log() {} };
