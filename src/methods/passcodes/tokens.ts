import type { Store } from '../../store/contract.ts';
import { FactorSummary } from '../../authn/factor-summary.ts';
import {
  credentialRecords,
  credentialsOfUser,
  hasPasscodes,
  PASSCODES_METHOD,
  tokenId,
  tokenStock,
  unassigned,
  updateCredential,
  type PasscodeCredential,
} from './records.ts';
import type { SecretBox } from '../../keys/secret-box.ts';
import type { TokenDefinition } from './token-csv.ts';

// The stock of hardware OATH tokens: imported from the vendor's file, then assigned to users
// (a token serves one user at a time). An assigned token is one of the user's passcode
// credentials; unassigning puts it back in stock with its counter, since the token keeps counting.

export class OathTokens {
  private readonly summary: FactorSummary;
  private readonly count = (userId: string) => hasPasscodes(this.store, userId);

  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
  ) {
    this.summary = new FactorSummary(store);
  }

  /** Adds every token or none: a serial that is already in stock stops the whole import. */
  async import(tokens: TokenDefinition[]): Promise<number> {
    const existing = [];
    for (const token of tokens)
      if (await credentialRecords.get(this.store, tokenId(token.serial))) existing.push(token.serial);
    if (existing.length > 0)
      throw new Error(
        `already imported: ${existing.join(', ')}; nothing was imported (remove them with \`latch tokens remove SERIAL\` first to import them again)`,
      );
    const created: string[] = [];
    const now = Date.now();
    for (const token of tokens) {
      const id = tokenId(token.serial);
      const record: PasscodeCredential = {
        ...token,
        id,
        source: 'token',
        secret: this.box.seal(token.secret, id),
        createdAt: now,
      };
      if (!(await credentialRecords.createIfAbsent(this.store, record.id, record))) {
        // Imported by someone else meanwhile: undo this import so it stays all or nothing.
        for (const id of created) await this.remove(id.slice('token:'.length));
        throw new Error(`token ${token.serial} was imported by another command at the same time; nothing was imported`);
      }
      created.push(record.id);
      await tokenStock.add(this.store, record.id);
    }
    return created.length;
  }

  async list(): Promise<PasscodeCredential[]> {
    const tokens: PasscodeCredential[] = [];
    for (const id of await tokenStock.list(this.store)) {
      const token = await credentialRecords.get(this.store, id);
      if (token) tokens.push(token);
    }
    return tokens.sort((a, b) => (a.serial ?? '').localeCompare(b.serial ?? ''));
  }

  async get(serial: string): Promise<PasscodeCredential | undefined> {
    return credentialRecords.get(this.store, tokenId(serial));
  }

  /** Gives the token to a user; refused while another user holds it. */
  async assign(serial: string, userId: string): Promise<void> {
    await this.summary.add(userId, PASSCODES_METHOD, this.count, () => this.giveTo(serial, userId));
  }

  private async giveTo(serial: string, userId: string): Promise<void> {
    const updated = await updateCredential(this.store, tokenId(serial), (token) =>
      token.userId ? undefined : { ...token, userId },
    );
    if (!updated) throw new Error(`there is no token "${serial}"; import it first with \`latch tokens import FILE\``);
    if (updated.before.userId && updated.before.userId !== userId) {
      throw new Error(
        `token ${serial} is assigned to another user; unassign it first with \`latch tokens unassign ${serial}\``,
      );
    }
    await credentialsOfUser.add(this.store, userId, tokenId(serial));
  }

  /** Takes the token from its user; returns that user's id (undefined when it had none). */
  async unassign(serial: string): Promise<string | undefined> {
    const updated = await updateCredential(this.store, tokenId(serial), (token) =>
      token.userId ? unassigned(token) : undefined,
    );
    if (!updated) throw new Error(`there is no token "${serial}"`);
    const owner = updated.before.userId;
    if (owner) await credentialsOfUser.remove(this.store, owner, tokenId(serial));
    if (owner) await this.summary.changed(owner, PASSCODES_METHOD, this.count);
    return owner;
  }

  /** Removes the token from stock (and from its user). */
  async remove(serial: string): Promise<void> {
    const token = await this.get(serial);
    if (!token) throw new Error(`there is no token "${serial}"`);
    if (token.userId) await credentialsOfUser.remove(this.store, token.userId, token.id);
    await credentialRecords.delete(this.store, token.id);
    await tokenStock.remove(this.store, token.id);
    if (token.userId) await this.summary.changed(token.userId, PASSCODES_METHOD, this.count);
  }
}
