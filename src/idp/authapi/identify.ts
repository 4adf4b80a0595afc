import { isIP } from 'node:net';
import type { AccountCheck } from '../../directory/account-check.ts';
import type { Directory, DirectoryUser } from '../../directory/contract.ts';
import type { Ctx } from '../../http/context.ts';
import type { BrowserContext } from '../../authn/step.ts';
import type { ApiCall } from './caller.ts';
import { badParameter, missingParameter } from './failure.ts';

// Who a preauth or auth is about (username or user_id), whether the directory still lets that
// account sign in, and where the request comes from: the user's address when the client gives
// ipaddr, the calling server's otherwise, and the server's name as it gives it (hostname).

export type Subject =
  { ok: true; user: DirectoryUser } | { ok: false; status: 'unknown' | 'disabled'; message: string; login: string };

export async function subjectOf(call: ApiCall, directory: Directory, accounts: AccountCheck): Promise<Subject> {
  const username = call.params.get('username');
  const userId = call.params.get('user_id');
  if (!username && !userId) throw missingParameter('username or user_id');
  const login = username ?? userId!;
  if (login.length > 256) throw badParameter('username: at most 256 characters');
  const found = username ? await directory.findUser(username) : await directory.findUserById(userId!);
  if (!found)
    return {
      ok: false,
      status: 'unknown',
      message: 'Unknown user. Ask your administrator to add your account to the directory.',
      login,
    };
  const status = found.disabled ? { usable: false } : await accounts.check(found.id);
  if (!status.usable)
    return {
      ok: false,
      status: 'disabled',
      message: 'Your account is disabled. Contact your IT help desk.',
      login: found.username,
    };
  return { ok: true, user: found };
}

export interface Origin extends BrowserContext {
  /** The calling server's address. */
  clientIp: string;
  /** Its name, as it says (hostname parameter); '' when it gives none. */
  clientHost: string;
}

/** Where the request comes from; a malformed ipaddr or hostname is refused. */
export function originOf(ctx: Ctx, call: ApiCall): Origin {
  const ipaddr = call.params.get('ipaddr');
  if (ipaddr !== undefined && isIP(ipaddr) === 0) throw badParameter('ipaddr: expected an IPv4 or IPv6 address');
  const hostname = call.params.get('hostname') ?? '';
  if (hostname.length > 253 || /[^A-Za-z0-9.:_-]/.test(hostname)) throw badParameter('hostname: expected a host name');
  const clientHost = hostname;
  const userAgent = `${call.integration.name}${clientHost ? ` on ${clientHost}` : ''}`;
  return { ip: ipaddr ?? ctx.state.clientIp, userAgent, clientIp: ctx.state.clientIp, clientHost };
}
