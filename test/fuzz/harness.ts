/**
 * The fuzz suites' runner and invariants. `fuzz()` runs one fast-check property with the
 * suite's seed (FUZZ_SEED, else random, named in every failure), a run count (scaled by
 * FUZZ_RUNS) and a time budget. `send()` speaks raw HTTP (any bytes, any path, repeated
 * headers). The checks of each answer: no 5xx; a refusal is exactly `{ error: { code,
 * message } }` with the status of its code (an HTML page on page routes); and of the process:
 * nothing thrown or rejected unhandled, nothing logged at error level. What the node holds
 * afterwards is checked by holdings.ts.
 */
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import fc from 'fast-check';
import pino from 'pino';
import { z } from 'zod';
import type { ErrorBody } from '../../protocol/api';
import { ERROR_CODES, type ErrorCode } from '../../node/errors';
import type { Logger } from '../../node/logger';
import type { TestNode } from '../helpers/node';

// ---- seed, runs, budget ----------------------------------------------------------------

const envSeed = Number(process.env.FUZZ_SEED);
/** One seed for the whole suite: FUZZ_SEED=N replays it. */
export const SEED = Number.isInteger(envSeed) ? envSeed : Math.floor(Math.random() * 2 ** 31);
const runsScale = Number(process.env.FUZZ_RUNS);
const SCALE = Number.isFinite(runsScale) && runsScale > 0 ? runsScale : 1;

export interface FuzzOptions<T> {
  /** Names the property in the FUZZ_STATS=1 tally of answers. */
  label?: string;
  numRuns: number;
  /** Values tried first, every time: the inputs of bugs found before (regressions). */
  examples?: T[];
  /** Time budget of this property (runs and shrinking), ms; scaled with FUZZ_RUNS. */
  timeMs: number;
}

/**
 * Runs `predicate` on values of `arb`. A failure names the seed and the replay path; the
 * predicate still running when the budget ends is awaited, so the suite's later checks never
 * race a request in flight.
 */
export async function fuzz<T>(arb: fc.Arbitrary<T>, predicate: (v: T) => Promise<void>, opts: FuzzOptions<T>): Promise<void> {
  tallyLabel = opts.label ?? 'fuzz';
  let inFlight: Promise<void> = Promise.resolve();
  const run = (v: T) => (inFlight = predicate(v));
  try {
    await fc.assert(fc.asyncProperty(arb, run), {
      seed: SEED,
      numRuns: Math.ceil(opts.numRuns * SCALE),
      plugins: [fc.interruptAfterTimeLimit(opts.timeMs * SCALE)],
      includeErrorInReport: true,
      examples: (opts.examples ?? []).map((e): [T] => [e]),
    });
  } catch (err) {
    (err as Error).message = `fuzz failure (replay the suite with FUZZ_SEED=${SEED}):\n${(err as Error).message}`;
    throw err;
  } finally {
    await inFlight.catch(() => undefined);
    if (process.env.FUZZ_STATS) {
      const rows = [...(tally.get(tallyLabel) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1]);
      process.stderr.write(`${tallyLabel}: ${rows.map(([k, n]) => `${k} x${n}`).join(', ')}\n`);
    }
  }
}

/** FUZZ_STATS=1: how each property's requests were answered (status and code), to see what the fuzzing reaches; FUZZ_STATS=messages adds the refusals' texts. */
const tally = new Map<string, Map<string, number>>();
let tallyLabel = 'fuzz';
function count(key: string): void {
  const t = tally.get(tallyLabel) ?? new Map<string, number>();
  t.set(key, (t.get(key) ?? 0) + 1);
  tally.set(tallyLabel, t);
}

// ---- raw HTTP --------------------------------------------------------------------------

export interface RawRequest {
  method: string;
  /** Path and query exactly as they go on the wire (made wire-safe by the arbitraries). */
  path: string;
  /** Header lines; a name may repeat. */
  headers?: [string, string][];
  body?: Buffer;
  /** Send the body in two chunks without a Content-Length (Transfer-Encoding: chunked). */
  chunked?: boolean;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

export function closeAgent(): void {
  agent.destroy();
}

export function send(base: string, r: RawRequest): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise<RawResponse>((resolve, fail) => {
    const reject = (err: Error) => fail(new Error(`no answer (${err.message}) to ${describeRequest(r)}`));
    const req = request({ host: url.hostname, port: url.port, method: r.method, path: r.path, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const grouped = new Map<string, string[]>();
    for (const [k, v] of r.headers ?? []) grouped.set(k, [...(grouped.get(k) ?? []), v]);
    for (const [k, vs] of grouped) req.setHeader(k, vs.length === 1 ? vs[0] : vs);
    if (r.body !== undefined && r.chunked) {
      req.write(r.body.subarray(0, r.body.length >> 1));
      req.end(r.body.subarray(r.body.length >> 1));
      return;
    }
    if (r.body !== undefined) req.setHeader('content-length', r.body.length);
    req.end(r.body);
  });
}

/** UTF-8 text of bytes the node accepted, or a failure saying it took bytes that are not UTF-8. */
export function strictUtf8(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new Error(`took a body that is not valid UTF-8 (it cannot have stored it as sent): ${JSON.stringify(bytes.subarray(0, 300).toString('latin1'))}`);
  }
}

/** A short description of a request for failure messages (bodies cut). */
export function describeRequest(r: RawRequest): string {
  const body = r.body === undefined ? '(no body)' : JSON.stringify(r.body.subarray(0, 300).toString('latin1')) + (r.body.length > 300 ? `… (${r.body.length} bytes)` : '');
  return `${r.method} ${r.path.slice(0, 300)} ${JSON.stringify(r.headers ?? [])} ${body}`;
}

// ---- answers ---------------------------------------------------------------------------

/** Throws a failure naming the request and its answer. */
export function fail(what: string, r: RawRequest, res: RawResponse): never {
  throw new Error(`${what}\n  request: ${describeRequest(r)}\n  answer: ${res.status} ${res.headers['content-type'] ?? ''} ${res.text.slice(0, 500)}`);
}

const StrictErrorSchema = z.strictObject({ error: z.strictObject({ code: z.string(), message: z.string().min(1) }) });

/**
 * The invariants of a JSON route's answer: never 5xx; a 4xx is `{ error: { code, message } }`
 * and nothing else, its code one of node/errors.ts with that status, its message free of
 * stack traces. Returns the parsed JSON (undefined for an empty answer).
 */
export function checkJsonAnswer(r: RawRequest, res: RawResponse): unknown {
  count(`${res.status}${res.status >= 400 ? ` ${/"code":"(\w+)"/.exec(res.text)?.[1] ?? '?'}` : ''}`);
  if (process.env.FUZZ_STATS === 'messages') count(res.text.slice(0, 110));
  if (res.status >= 500) fail('a 5xx answer', r, res);
  if (res.status < 400) {
    if (res.text.length === 0 || r.method === 'HEAD') return undefined;
    try {
      return JSON.parse(res.text);
    } catch {
      return res.text;
    }
  }
  if (r.method === 'HEAD') return undefined;
  if (!/^application\/json/.test(String(res.headers['content-type']))) fail('a refusal that is not JSON', r, res);
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    fail('a refusal that does not parse as JSON', r, res);
  }
  const parsed = StrictErrorSchema.safeParse(body);
  if (!parsed.success) fail('a refusal not shaped { error: { code, message } }', r, res);
  const { code, message } = parsed.data.error;
  if (!(code in ERROR_CODES)) fail(`an error code not in node/errors.ts: ${code}`, r, res);
  if (ERROR_CODES[code as ErrorCode] !== res.status) fail(`status ${res.status} for ${code}, which is ${ERROR_CODES[code as ErrorCode]}`, r, res);
  if (/FST_ERR|\n\s+at /.test(message)) fail('a refusal message with internals', r, res);
  return body;
}

/**
 * Page routes: never 5xx, and a refusal is an HTML page; the API's JSON error only where no
 * route was found (no route, a path that does not decode, a request that is not HTTP).
 */
export function checkPageAnswer(r: RawRequest, res: RawResponse): void {
  count(String(res.status));
  if (process.env.FUZZ_STATS === 'messages') count(`${res.status} ${/<title>([^<]*)/.exec(res.text)?.[1]} ${/(?:<main[^>]*>[\s\S]*?<p>|<\/strong>)([^<]{0,100})/.exec(res.text)?.[1]}`);
  if (res.status >= 500) fail('a 5xx answer', r, res);
  if (res.status < 400 || r.method === 'HEAD') return;
  const type = String(res.headers['content-type']);
  if (/^text\/html/.test(type)) {
    if (!/<html/i.test(res.text)) fail('an HTML refusal that is no page', r, res);
    return;
  }
  if (/^application\/json/.test(type)) {
    const { error } = checkJsonAnswer(r, res) as ErrorBody;
    if (/^(no route |path: |request: )/.test(error.message)) return;
  }
  fail('a page refusal that is not an HTML page', r, res);
}

// ---- the process -----------------------------------------------------------------------

export interface Watch {
  logger: Logger;
  /** Unhandled rejections, uncaught exceptions and error-level log lines seen so far. */
  problems: string[];
  stop(): void;
}

/** Records what would crash or worry a real node: unhandled rejections, uncaught errors, error logs. */
export function watchProcess(): Watch {
  const problems: string[] = [];
  const onRejection = (reason: unknown) => problems.push(`unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}`);
  const onException = (err: Error) => problems.push(`uncaught exception: ${err.stack}`);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  const logger = pino({ level: 'error' }, { write: (line: string) => void problems.push(`logged at error level: ${line.slice(0, 2000)}`) });
  return {
    logger,
    problems,
    stop: () => {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

/** Healthz on both listeners: the node still answers. */
export async function checkAlive(node: TestNode): Promise<void> {
  for (const base of [node.webUrl, node.peerUrl]) {
    const res = await send(base, { method: 'GET', path: '/healthz' });
    if (res.status !== 200) throw new Error(`${base}/healthz answered ${res.status}`);
  }
}
