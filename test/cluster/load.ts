import { setTimeout as sleep } from 'node:timers/promises';
import type * as client from 'openid-client';
import type { Cluster } from '../support/cluster.ts';
import * as flow from './flows.ts';

// The bounded load generator of the cluster tests: `workers` simulated users, one flow after
// another through HAProxy until `durationMs` has passed: SAML sign-ins with an authenticator app or
// a bypass code, OIDC sign-ins with the app, passkey sign-ins, and new users enrolling an app or a
// security key and a passkey. After each sign-in, what it used once is offered again to a node
// directly (bypassing HAProxy), which must refuse it. Every outcome is kept with its times, so the
// test can tell the sign-ins that were in flight during a fault from those that were not.

export interface Outcome {
  kind: string;
  user: string;
  start: number;
  end: number;
  ok: boolean;
  error?: string;
}

export interface Replay {
  kind: string;
  node: string;
  accepted: boolean;
  time: number;
}

const KINDS = ['saml-app', 'oidc-app', 'passkey', 'saml-bypass', 'enroll-app', 'enroll-passkey'] as const;

interface AppUser {
  username: string;
  app: flow.TotpApp;
  busy: boolean;
}

export class LoadGenerator {
  readonly outcomes: Outcome[] = [];
  readonly replays: Replay[] = [];
  /** Enrollments the user was told succeeded: they must all be there after the faults. */
  readonly acknowledged: { kind: 'app' | 'passkey'; username: string }[] = [];
  readonly samlResponses: { time: number; xml: string }[] = [];
  readonly idTokens: { time: number; kid: string }[] = [];
  readonly appUsers: AppUser[] = [];
  readonly passkeyUsers: flow.PasskeyUser[] = [];
  private readonly bypassCodes = new Map<string, string[]>();
  private replayTurn = 0;
  private rp: client.Configuration | undefined;

  constructor(
    private readonly cluster: Cluster,
    /** Users that have nothing enrolled yet, taken one by one by the enrollment flows. */
    private readonly fresh: string[],
  ) {}

  /** Before the load: users with an app (and bypass codes) and users with a passkey. */
  async prepare(appUsers: string[], passkeyUsers: string[], bypassPerUser: number): Promise<void> {
    for (const username of appUsers) {
      this.appUsers.push({ username, app: await flow.enrollApp(this.cluster.url, username), busy: false });
      const printed = await this.cluster.latch([
        'bypass-codes',
        'generate',
        username,
        '--count',
        String(bypassPerUser),
        '--uses',
        '1',
        '--expires',
        '1d',
      ]);
      this.bypassCodes.set(
        username,
        [...printed.matchAll(/^ {2}(\d{5} \d{5})$/gm)].map((m) => m[1]!),
      );
    }
    for (const username of passkeyUsers) this.passkeyUsers.push(await flow.enrollPasskey(this.cluster.url, username));
    this.rp = await flow.relyingParty(this.cluster.url);
  }

  async run(workers: number, durationMs: number): Promise<void> {
    const until = Date.now() + durationMs;
    await Promise.all(
      Array.from({ length: workers }, async (_, worker) => {
        for (let turn = worker; Date.now() < until; turn++) {
          const failures = this.outcomes.filter((o) => !o.ok).length;
          if (!(await this.step(KINDS[turn % KINDS.length]!))) await sleep(100);
          // A user who just got an error page waits a moment before trying again.
          if (this.outcomes.filter((o) => !o.ok).length > failures) await sleep(250);
        }
      }),
    );
  }

  /** An OIDC sign-in now (waiting for a user whose app has a fresh code): its ID token's key id. */
  async oidcSignInNow(): Promise<string> {
    for (let i = 0; i < 400; i++) {
      const before = this.idTokens.length;
      if (await this.codeSignIn('oidc-app')) {
        const last = this.outcomes.at(-1);
        if (this.idTokens.length > before) return this.idTokens.at(-1)!.kid;
        throw new Error(`the OIDC sign-in failed: ${last?.error}`);
      }
      await sleep(100);
    }
    throw new Error('no user with a fresh code for 40 s');
  }

  /** One flow; false when no user was free for it. */
  private async step(kind: (typeof KINDS)[number]): Promise<boolean> {
    switch (kind) {
      case 'enroll-app':
      case 'enroll-passkey': {
        const username = this.fresh.shift();
        if (!username) return false;
        await this.record(kind, username, async () => {
          if (kind === 'enroll-app') {
            const app = await flow.enrollApp(this.cluster.url, username);
            this.acknowledged.push({ kind: 'app', username });
            this.appUsers.push({ username, app, busy: false });
          } else {
            this.passkeyUsers.push(await flow.enrollPasskey(this.cluster.url, username));
            this.acknowledged.push({ kind: 'passkey', username });
          }
        });
        return true;
      }
      case 'passkey': {
        const user = this.passkeyUsers.find((u) => !u.busy);
        if (!user) return false;
        user.busy = true;
        await this.record(kind, user.username, async () => {
          const use = await flow.passkeySignIn(this.cluster.url, user);
          await this.replay('webauthn-assertion', (node) => flow.passkeyReplayAccepted(node, user, use));
        }).finally(() => (user.busy = false));
        return true;
      }
      default:
        return this.codeSignIn(kind);
    }
  }

  private async codeSignIn(kind: 'saml-app' | 'oidc-app' | 'saml-bypass'): Promise<boolean> {
    const user =
      kind === 'saml-bypass'
        ? this.appUsers.find((u) => !u.busy && (this.bypassCodes.get(u.username)?.length ?? 0) > 0)
        : this.appUsers.find((u) => !u.busy && u.app.lastStep < Math.floor(Date.now() / 30_000));
    if (!user) return false;
    user.busy = true;
    try {
      const code =
        kind === 'saml-bypass'
          ? { bypass: this.bypassCodes.get(user.username)!.shift()! }
          : { app: user.app.nextCode()!.code };
      await this.record(kind, user.username, async () => {
        if (kind === 'oidc-app') {
          const use = await flow.oidcSignIn(this.cluster.url, this.rp!, user.username, code);
          this.idTokens.push({ time: Date.now(), kid: use.idTokenKid });
          await this.replay('oidc-code', (node) => flow.oidcCodeReplayAccepted(node, use), true);
        } else {
          const use = await flow.samlSignIn(this.cluster.url, user.username, code);
          this.samlResponses.push({ time: Date.now(), xml: use.responseXml });
          await this.replay('saml-request-id', (node) => flow.samlRequestReplayAccepted(node, use), true);
        }
        await this.replay(kind === 'saml-bypass' ? 'bypass-code' : 'totp-code', (node) =>
          flow.codeReplayAccepted(node, user.username, code),
        );
      });
    } finally {
      user.busy = false;
    }
    return true;
  }

  private async record(kind: string, user: string, work: () => Promise<void>): Promise<void> {
    const start = Date.now();
    try {
      await work();
      this.outcomes.push({ kind, user, start, end: Date.now(), ok: true });
    } catch (err) {
      this.outcomes.push({
        kind,
        user,
        start,
        end: Date.now(),
        ok: false,
        error: (err as Error).message.slice(0, 300),
      });
    }
  }

  /** Offers a used value to one live node in turn (or to every live node); refusals and errors are both "not accepted". */
  private async replay(kind: string, attempt: (node: string) => Promise<boolean>, everyNode = false): Promise<void> {
    const live = this.cluster.nodes.filter((n) => n.latch);
    const targets = everyNode ? live : [live[this.replayTurn++ % live.length]!];
    await Promise.all(
      targets.map(async (node) => {
        const accepted = await attempt(node.url).catch(() => false);
        this.replays.push({ kind, node: node.name, accepted, time: Date.now() });
      }),
    );
  }
}
