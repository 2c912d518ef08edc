import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LogLevelName } from '../config/schema.js';
import type { LogLevel, Logger } from '../log.js';

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };
/** OpenClaw's level names on our four ranks; `silent` writes nothing. */
const THRESHOLD: Record<LogLevelName, number> = {
  silent: -1,
  fatal: 0,
  error: 0,
  warn: 1,
  info: 2,
  debug: 3,
  trace: 3,
};

export interface LogSettings {
  /** `logging.level`: the file's threshold, and the console's unless `consoleLevel` is set. */
  level?: LogLevelName;
  consoleLevel?: LogLevelName;
  /** `gateway.logging.requests`: the per-request lines (info) reach the console whatever the level. */
  requests?: boolean;
  /** `logging.file`: JSON lines appended here too. */
  file?: string;
}

/**
 * JSON lines on stderr (warnings and errors unless `logging.consoleLevel`/`level` or `--verbose` say more)
 * and, with `logging.file`, appended to that file (from `info` unless `logging.level` says otherwise).
 * The file is written through a stream: never a synchronous write on the request path.
 */
export function stderrLogger(verbose: boolean, settings: LogSettings = {}): Logger {
  const level = THRESHOLD[settings.consoleLevel ?? settings.level ?? 'warn'];
  const consoleMax = verbose ? RANK.debug : settings.requests ? Math.max(level, RANK.info) : level;
  let fileMax = -1;
  let sink: ReturnType<typeof createWriteStream> | undefined;
  if (settings.file !== undefined) {
    fileMax = THRESHOLD[settings.level ?? 'info'];
    mkdirSync(dirname(settings.file), { recursive: true });
    sink = createWriteStream(settings.file, { flags: 'a' });
    sink.on('error', (err) => process.stderr.write(`openclaw: cannot write log file: ${err.message}\n`));
  }
  return {
    verbose: verbose || Math.max(consoleMax, fileMax) >= RANK.debug,
    log(level, msg, fields) {
      const rank = RANK[level];
      if (rank > consoleMax && rank > fileMax) return;
      const line = `${JSON.stringify({ t: new Date().toISOString(), level, msg, ...fields })}\n`;
      if (rank <= consoleMax) process.stderr.write(line);
      if (rank <= fileMax) sink?.write(line);
    },
  };
}
