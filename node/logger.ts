/**
 * One root pino logger per node, bound to `{ node }`; parts take children with a
 * `component` binding. Logs go to stderr (stdout carries only the contract's ready line), one
 * JSON object a line, with `time` as an ISO 8601 UTC string rather than epoch milliseconds.
 */
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(nodeName: string, level = 'info'): Logger {
  return pino({ level, base: { node: nodeName }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ fd: 2, sync: false }));
}

/** A logger that drops everything, for tests and benchmarks. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
