/**
 * A minimal cookie-keeping HTTP user agent for integration tests: it follows Poort's redirects by hand and stops
 * at the relying party's redirect URI, so tests see every status code and page on the way.
 */
export interface Page {
  status: number;
  url: string;
  location?: string;
  body: string;
  headers: Headers;
}

/** How the agent reaches the network; tests behind a proxy pass one that rewrites the public origin to loopback. */
export type Transport = (url: string, init: RequestInit) => Promise<Response>;

export class Agent {
  private readonly jar = new Map<string, string>();
  private readonly transport: Transport;
  /** Headers sent with every request (e.g. Accept-Language), under those a single request passes. */
  private readonly headers: Record<string, string>;

  constructor(options: { transport?: Transport; headers?: Record<string, string> } = {}) {
    this.transport = options.transport ?? ((url, init) => fetch(url, init));
    this.headers = options.headers ?? {};
  }

  cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private store(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  async request(url: string, init: { method?: string; form?: Record<string, string>; body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Page> {
    const headers: Record<string, string> = { cookie: this.cookieHeader(), accept: 'text/html', ...this.headers, ...init.headers };
    let body = init.body;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const response = await this.transport(url, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    this.store(response.headers);
    const location = response.headers.get('location');
    return {
      status: response.status,
      url,
      location: location ? new URL(location, url).toString() : undefined,
      body: await response.text(),
      headers: response.headers,
    };
  }

  /** GETs `url` and follows redirects while they stay on `origin`; returns the last page (or the redirect out). */
  async follow(url: string, origin: string, init?: Parameters<Agent['request']>[1]): Promise<Page> {
    const pages = await this.trace(url, origin, init);
    return pages[pages.length - 1] as Page;
  }

  /** Like `follow`, but returns every response on the way, so a test can see whether any page was shown. */
  async trace(url: string, origin: string, init?: Parameters<Agent['request']>[1]): Promise<Page[]> {
    const pages = [await this.request(url, init)];
    let page = pages[0] as Page;
    for (let hops = 0; page.location && page.location.startsWith(origin) && hops < 10; hops += 1) {
      page = await this.request(page.location);
      pages.push(page);
    }
    return pages;
  }
}

/** The value of a hidden/text input in a page. */
export function inputValue(html: string, name: string): string | undefined {
  const tag = new RegExp(`<input[^>]*name="${name}"[^>]*>`).exec(html)?.[0];
  return tag ? /value="([^"]*)"/.exec(tag)?.[1] : undefined;
}

/** The action attribute of the first form whose action contains `fragment`. */
export function formAction(html: string, fragment: string): string | undefined {
  return [...html.matchAll(/<form[^>]*action="([^"]*)"/g)].map((m) => m[1]).find((a) => a?.includes(fragment));
}
