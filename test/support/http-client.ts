import assert from 'node:assert/strict';

// A browser-like HTTP client for tests: a cookie jar (name=value, no attributes), manual
// redirects, urlencoded forms, and readers for what Latch's pages hold.
//
//   const browser = new HttpClient(latch.url);
//   const page = await browser.signIn('alice', 'right-password');   // ends on "/" signed in
//   const res = await browser.post('/logout', { csrf: 'forged' });

export interface Page {
  status: number;
  headers: Headers;
  text: string;
  /** The final URL path + query after following redirects (when followed). */
  path: string;
}

export class HttpClient {
  readonly cookies = new Map<string, string>();
  /** Every status seen, so tests can assert that no 5xx happened along the way. */
  readonly statuses: number[] = [];

  constructor(
    readonly base: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** One request, no redirect following; stores Set-Cookie. */
  async request(
    path: string,
    init: { method?: string; body?: string; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    // A cookie header given to the constructor is sent as well as the jar's cookies.
    const cookie = [this.headers.cookie, this.cookieHeader()].filter(Boolean).join('; ');
    const res = await fetch(new URL(path, this.base), {
      method: init.method ?? 'GET',
      body: init.body,
      redirect: 'manual',
      headers: { accept: 'text/html', ...this.headers, ...(cookie ? { cookie } : {}), ...init.headers },
    });
    this.statuses.push(res.status);
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0|expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** GET (or a first response) and follow redirects like a browser, as GETs. */
  async get(path: string, headers?: Record<string, string>): Promise<Page> {
    return this.follow(await this.request(path, { headers }), path);
  }

  async post(path: string, form: Record<string, string>, headers?: Record<string, string>): Promise<Page> {
    const res = await this.request(path, {
      method: 'POST',
      body: new URLSearchParams(form).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
    return this.follow(res, path);
  }

  async follow(res: Response, path: string): Promise<Page> {
    let current = res;
    let at = path;
    for (let hops = 0; hops < 10 && current.status >= 300 && current.status < 400; hops++) {
      const location = current.headers.get('location');
      assert.ok(location, `redirect from ${at} without Location`);
      const next = new URL(location, new URL(at, this.base));
      at = next.pathname + next.search;
      await current.arrayBuffer();
      current = await this.request(at);
    }
    return { status: current.status, headers: current.headers, text: await current.text(), path: at };
  }

  /** From "/" to signed in, as a person would: Sign in, Username + Next, (Other options -> Password,) Password + Sign in. */
  async signIn(username: string, password: string): Promise<Page> {
    return this.submit(await this.passwordPage(username), { password });
  }

  /**
   * Username + Next on the first page (`first`, or a new sign-in), then the password page. Where
   * policy allows passkeys the passkey page comes first for every username: "Other options" -> "Password".
   */
  async passwordPage(username: string, first?: Page): Promise<Page> {
    const next = await this.submit(first ?? (await this.startSignIn()), { username });
    const passwordPage = isPasskeyPage(next) ? await this.submit(next, { choose: 'password' }) : next;
    assert.match(passwordPage.text, /<label for="password">Password<\/label>/, 'the password page');
    return passwordPage;
  }

  /** GET /account/sign-in and follow to the prompt's first page. */
  async startSignIn(): Promise<Page> {
    const page = await this.get('/account/sign-in');
    assert.equal(page.status, 200);
    assert.match(page.path, /^\/login\?tx=[A-Za-z0-9_-]{43}$/);
    return page;
  }

  /** Submits the prompt form on this page with its CSRF token and step, plus `fields`. */
  submit(page: Page, fields: Record<string, string>, action = 'submit'): Promise<Page> {
    return this.post(page.path, {
      csrf: hiddenValue(page.text, 'csrf'),
      step: hiddenValue(page.text, 'step'),
      action,
      ...fields,
    });
  }
}

/** The page after the username that offers a passkey first ("Password" is under "Other options"). */
export function isPasskeyPage(page: Page): boolean {
  return page.text.includes('<input type="hidden" name="step" value="passkey">');
}

export function hiddenValue(html: string, name: string): string {
  const match = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(html);
  assert.ok(match, `no hidden input "${name}" in:\n${html}`);
  return match[1]!;
}

export function txOf(path: string): string {
  const match = /[?&]tx=([A-Za-z0-9_-]+)/.exec(path);
  assert.ok(match, `no tx in ${path}`);
  return match[1]!;
}

/** Fails when a response body shows a stack trace or internal file paths. */
export function assertNoStackTrace(text: string): void {
  assert.doesNotMatch(text, /\bat [^\n]*\.(ts|js):\d+/, 'the body shows a stack trace');
  assert.doesNotMatch(text, /\.ts:\d+/, 'the body names a source file');
  assert.doesNotMatch(text, /node_modules|\/src\//, 'the body shows internal paths');
}

/** The visible text of an HTML page, roughly (tags dropped, entities for quotes decoded). */
export function visibleText(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}
