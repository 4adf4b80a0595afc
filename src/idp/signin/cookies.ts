import type { BrowserContext } from '../../authn/step.ts';
import type { KnownDevices } from '../../authn/known-device.ts';
import type { Ctx } from '../../http/context.ts';
import { randomId, sha256 } from '../../util/random.ts';

// Latch's cookies, in one place. All are HttpOnly and SameSite=Lax; Secure whenever the public URL
// is https (Koa's cookie jar is told so by the request-context middleware).

export interface CookieNames {
  session: string;
  device: string;
  /** Binds a login transaction to the browser that claimed it. */
  flow: string;
}

export class BrowserCookies {
  constructor(
    readonly names: CookieNames,
    private readonly secure: boolean,
    private readonly knownDevices: KnownDevices,
  ) {}

  private options(maxAgeMs?: number) {
    return {
      httpOnly: true,
      sameSite: 'lax' as const,
      secure: this.secure,
      path: '/',
      overwrite: true,
      ...(maxAgeMs ? { maxAge: maxAgeMs } : {}),
    };
  }

  session(ctx: Ctx): string | undefined {
    return ctx.cookies.get(this.names.session);
  }

  setSession(ctx: Ctx, value: string): void {
    ctx.cookies.set(this.names.session, value, this.options());
  }

  clearSession(ctx: Ctx): void {
    ctx.cookies.set(this.names.session, '', { ...this.options(), maxAge: 0, expires: new Date(0) });
  }

  /** The flow-binding value of this browser, created when absent; its hash goes into transactions. */
  flowBinding(ctx: Ctx, create: boolean): string | undefined {
    const existing = ctx.cookies.get(this.names.flow);
    if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
    if (!create) return undefined;
    const value = randomId();
    ctx.cookies.set(this.names.flow, value, this.options());
    return value;
  }

  flowBindingHash(ctx: Ctx): string | undefined {
    const value = this.flowBinding(ctx, false);
    return value && sha256(value);
  }

  /**
   * Ids given out during a request: the request's cookie header does not have them yet, and a
   * second ensureDevice() in the same request (the prompt's, then the sign-in's completion) must
   * not give the browser another id, or what was remembered under the first would be lost.
   */
  private readonly issued = new WeakMap<Ctx, string>();

  /** The known-device id of this browser when its cookie is valid. */
  deviceId(ctx: Ctx): string | undefined {
    return this.issued.get(ctx) ?? this.knownDevices.parse(ctx.cookies.get(this.names.device));
  }

  /** Ensures the browser has a known-device cookie; returns its id. */
  ensureDevice(ctx: Ctx): string {
    const existing = this.deviceId(ctx);
    if (existing) return existing;
    const { deviceId, cookie } = this.knownDevices.issue();
    ctx.cookies.set(this.names.device, cookie, this.options(this.knownDevices.lifetimeMs));
    this.issued.set(ctx, deviceId);
    return deviceId;
  }

  context(ctx: Ctx): BrowserContext {
    return {
      ip: ctx.state.clientIp,
      userAgent: (ctx.get('user-agent') || 'unknown').slice(0, 300),
      deviceId: this.deviceId(ctx),
    };
  }
}
