/**
 * A tiny browser stand-in for the page tests: real HTTP, a cookie jar, manual redirects and
 * the CSRF token read from the last form, so tests drive the pages the way a browser does.
 */
export interface Page {
  status: number;
  html: string;
  headers: Headers;
}

export class WebClient {
  readonly cookies = new Map<string, string>();

  constructor(
    readonly base: string,
    private readonly authorization?: string,
  ) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }

  async get(path: string): Promise<Page> {
    const res = await fetch(this.base + path, { redirect: 'manual', headers: { cookie: this.cookieHeader() } });
    this.keep(res);
    return { status: res.status, html: await res.text(), headers: res.headers };
  }

  async post(path: string, fields: Record<string, string>, extraHeaders: Record<string, string> = {}): Promise<Page> {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookieHeader(), ...extraHeaders };
    if (this.authorization) headers.authorization = this.authorization;
    const res = await fetch(this.base + path, { method: 'POST', redirect: 'manual', headers, body: new URLSearchParams(fields).toString() });
    this.keep(res);
    return { status: res.status, html: await res.text(), headers: res.headers };
  }
}

/** The value of the first `name="NAME"` input in a page. */
export function inputValue(html: string, name: string): string | undefined {
  const m = new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`).exec(html) ?? new RegExp(`<input[^>]*value="([^"]*)"[^>]*name="${name}"`).exec(html);
  return m ? decodeEntities(m[1]) : undefined;
}

export function textareaValue(html: string, name: string): string | undefined {
  const m = new RegExp(`<textarea[^>]*name="${name}"[^>]*>\\n?([\\s\\S]*?)</textarea>`).exec(html);
  return m ? decodeEntities(m[1]) : undefined;
}

export function decodeEntities(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}
