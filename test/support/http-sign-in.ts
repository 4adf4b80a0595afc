// Signs in through Latch's prompt over plain HTTP, as a browser without JavaScript would: follows
// redirects by hand, keeps cookies, and posts the forms with their CSRF tokens.

export class CookieJar {
  private readonly cookies = new Map<string, string>();
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

export interface Page {
  status: number;
  url: string;
  html: string;
}

export async function get(base: string, path: string, jar: CookieJar): Promise<Page> {
  let url = new URL(path, base).toString();
  for (let hop = 0; hop < 10; hop++) {
    const res = await fetch(url, { headers: { cookie: jar.header() }, redirect: 'manual' });
    jar.take(res);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      url = new URL(location, url).toString();
      continue;
    }
    return { status: res.status, url, html: await res.text() };
  }
  throw new Error('too many redirects');
}

export async function post(page: Page, fields: Record<string, string>, jar: CookieJar): Promise<Page> {
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.html)?.[1] ?? '';
  const step = /name="step" value="([^"]+)"/.exec(page.html)?.[1] ?? '';
  const res = await fetch(page.url, {
    method: 'POST',
    headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf, step, action: 'submit', ...fields }),
    redirect: 'manual',
  });
  jar.take(res);
  const location = res.headers.get('location');
  if (res.status >= 300 && res.status < 400 && location) return get(page.url, location, jar);
  return { status: res.status, url: page.url, html: await res.text() };
}

/** Username, then password, from Latch's account page; returns the last page shown. */
export async function signIn(base: string, username: string, password: string, jar = new CookieJar()): Promise<Page> {
  const first = await get(base, '/account/sign-in', jar);
  const second = await post(first, { username }, jar);
  return post(second, { password }, jar);
}

/** The text of the page's alert, heading and hint, for assertions. */
export function visibleText(html: string): string {
  return html.replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ').trim();
}
