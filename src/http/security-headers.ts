import type { Middleware } from './context.ts';

// A strict Content-Security-Policy: no inline script or style, only Latch's own files. Front ends
// that must post to another origin (SAML POST binding) set their own header on that response.
// form-action is left out on purpose: after a sign-in form, Chromium applies it to the redirect
// chain that ends at the application, whose origin is not known here.
export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'";

export function securityHeaders(https: boolean): Middleware {
  return async (ctx, next) => {
    ctx.set('Content-Security-Policy', CSP);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    if (https) ctx.set('Strict-Transport-Security', 'max-age=31536000');
    await next();
    if (ctx.response.is('html') && !ctx.response.get('Cache-Control')) ctx.set('Cache-Control', 'no-store');
  };
}
