/**
 * A small client of the local JSON API for the CLI subcommands. Errors come back as the
 * API's `{ error: { code, message } }` and become a CliError with that message. Every change
 * is sent as a JSON request, body or not: the web listener takes changes only in that form.
 */
import { CliError } from './errors';

export class ApiClient {
  constructor(readonly base: string) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.base), {
        method,
        headers: method === 'GET' || method === 'HEAD' ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new CliError(`cannot reach the node at ${this.base} (${cause}); is it running? (--api or NEWSMESH_API)`);
    }
    const text = await res.text();
    const data = text.length > 0 ? safeJson(text) : undefined;
    if (!res.ok) {
      const message = (data as { error?: { message?: string } } | undefined)?.error?.message ?? `${res.status} ${res.statusText}`;
      throw new CliError(message);
    }
    return data as T;
  }

  /** Streams a response body (export) to a sink, failing like request() on a 4xx. */
  async stream(path: string): Promise<Response> {
    const res = await fetch(new URL(path, this.base)).catch((err: Error) => {
      throw new CliError(`cannot reach the node at ${this.base} (${err.message})`);
    });
    if (!res.ok) {
      const data = safeJson(await res.text()) as { error?: { message?: string } } | undefined;
      throw new CliError(data?.error?.message ?? `${res.status} ${res.statusText}`);
    }
    return res;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
