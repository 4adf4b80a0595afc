import { asLatchError, LatchError } from '../util/errors.ts';
import type { AdminAudit } from './audit.ts';
import type { AuditNote, Caller, Operation, RawRequest } from './operation.ts';
import { InputError } from './problems.ts';
import { allows, ROLE_NAMES } from './roles.ts';

// The one place where a role is checked and a change audited, for the console and the API alike:
// a caller whose role lacks the operation's permission gets 403 and an audit entry; a change that
// is made is audited with its before and after; one refused for bad input (or a missing user,
// a duplicate) or failed on our side is audited too, with why.

export class Access {
  constructor(private readonly audit: AdminAudit) {}

  async perform(op: Operation, caller: Caller, raw: RawRequest): Promise<unknown> {
    const target = op.target(raw.params);
    if (!allows(caller.role, op.permission)) {
      const reason = `the ${ROLE_NAMES[caller.role]} role does not allow ${op.permission}`;
      await this.write(op, caller, target, 'refused', { reason });
      throw new LatchError({
        status: 403,
        code: 'forbidden',
        publicMessage: `Your role (${ROLE_NAMES[caller.role]}) does not allow this: ${op.summary.toLowerCase()}.`,
        hint: 'Ask an owner of this Latch for a role that does.',
        detail: reason,
      });
    }
    const notes: AuditNote = {};
    try {
      const value = await op.invoke(caller, raw, (note) => Object.assign(notes, note));
      if (op.changes) await this.write(op, caller, target, 'done', notes);
      return value;
    } catch (err) {
      if (op.changes) {
        const error = asLatchError(err);
        const refused = err instanceof InputError || (error.status < 500 && error.expose);
        await this.write(op, caller, target, refused ? 'refused' : 'failed', {
          ...notes,
          reason: refused ? error.publicMessage : error.message,
        });
      }
      throw err;
    }
  }

  private write(
    op: Operation,
    caller: Caller,
    target: string,
    result: 'done' | 'refused' | 'failed',
    note: AuditNote,
  ): Promise<void> {
    return this.audit.record({
      actor: caller.name,
      actorKind: caller.kind,
      role: caller.role,
      action: op.id,
      target,
      result,
      ...note,
      ip: caller.ip,
      userAgent: caller.userAgent.slice(0, 300),
    });
  }
}
