/**
 * Every NM_ERR_* code has an HTTP status in node/errors.ts and a row in docs/errors.md with the
 * same status (cf. fastify's test/internals/errors.test.js), and the doc lists no code that
 * does not exist.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, NmError, type ErrorCode } from '../../node/errors';

const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'errors.md'), 'utf8');
/** `| \`NM_ERR_X\` | 400 | meaning |` rows: code -> [status, meaning]. */
const rows = new Map([...doc.matchAll(/^\| `(NM_ERR_[A-Z_]+)` \| (\d+) \| (.+) \|$/gm)].map((m) => [m[1], { status: Number(m[2]), meaning: m[3] }]));
const codes = Object.keys(ERROR_CODES) as ErrorCode[];
/** Codes documented although they are not in ERROR_CODES: sent only by the error handler or the CLI. */
const OUTSIDE_MAP = ['NM_ERR_INTERNAL', 'NM_ERR_DATA_DIR_IN_USE', 'NM_ERR_LISTEN', 'NM_ERR_KEY_FILE'];

describe('error codes', () => {
  it.each(codes)('%s has a 4xx/5xx status and a documented row with that status and a meaning', (code) => {
    const status = ERROR_CODES[code];
    expect(Number.isInteger(status) && status >= 400 && status < 600).toBe(true);
    const row = rows.get(code);
    expect(row).toBeDefined();
    expect(row!.status).toBe(status);
    expect(row!.meaning.length).toBeGreaterThan(20);
  });

  it('documents no code that does not exist', () => {
    const unknown = [...rows.keys()].filter((c) => !(c in ERROR_CODES) && !OUTSIDE_MAP.includes(c));
    expect(unknown).toEqual([]);
  });

  it('gives NmError the status of its code', () => {
    for (const code of codes) expect(new NmError(code, 'x').statusCode).toBe(ERROR_CODES[code]);
  });
});
