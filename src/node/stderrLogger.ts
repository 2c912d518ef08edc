import type { LogLevel, Logger } from '../log.js';

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/**
 * JSON lines on stderr: warnings and errors always, info and debug only with --verbose;
 * `info` alone (per-request lines with `gateway.logging.requests`) lets info through.
 */
export function stderrLogger(verbose: boolean, info = false): Logger {
  const max = verbose ? RANK.debug : info ? RANK.info : RANK.warn;
  return {
    verbose,
    log(level, msg, fields) {
      if (RANK[level] > max) return;
      process.stderr.write(`${JSON.stringify({ t: new Date().toISOString(), level, msg, ...fields })}\n`);
    },
  };
}
