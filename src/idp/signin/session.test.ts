import { it } from 'mocha';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openStore } from '../../store/index.ts';
import { tempDir } from '../../../test/support/temp.ts';
import { SessionStore, sidOf } from './session.ts';

const user = { id: 'u1', username: 'alice', groups: [], attributes: {} };
const init = { user, authTime: Date.now(), level: 'password' as const, amr: ['pwd'], methods: ['password'] };

async function withStore(fn: (store: Awaited<ReturnType<typeof openStore>>) => Promise<void>) {
  const { dir, cleanup } = tempDir();
  const store = await openStore({
    type: 'sqlite',
    sqlite: { file: path.join(dir, 's.sqlite') },
    redis: { keyPrefix: 'x:' },
  });
  try {
    await fn(store);
  } finally {
    await store.close();
    cleanup();
  }
}

it('a session is stored under the hash of its cookie, never the cookie itself', async () => {
  await withStore(async (store) => {
    const sessions = new SessionStore(store, { idleMs: 60_000, absoluteMs: 3_600_000 });
    const { session, cookieValue } = await sessions.create(init);
    assert.equal(session.sid, sidOf(cookieValue));
    assert.equal(await store.get(`session:${cookieValue}`), undefined);
    assert.equal((await sessions.fromCookie(cookieValue))?.user.username, 'alice');
    assert.equal(await sessions.fromCookie(session.sid), undefined, 'the public sid does not work as a cookie');
    assert.equal(await sessions.fromCookie('not a cookie'), undefined);
  });
});

it('idle and absolute timeouts end a session; sign-out ends it at once', async () => {
  await withStore(async (store) => {
    const idle = new SessionStore(store, { idleMs: 150, absoluteMs: 60_000 });
    const a = await idle.create(init);
    await sleep(250);
    assert.equal(await idle.fromCookie(a.cookieValue), undefined, 'idle timeout');

    const absolute = new SessionStore(store, { idleMs: 60_000, absoluteMs: 150 });
    const b = await absolute.create(init);
    await sleep(250);
    assert.equal(await absolute.fromCookie(b.cookieValue), undefined, 'absolute timeout');

    const live = new SessionStore(store, { idleMs: 60_000, absoluteMs: 60_000 });
    const c = await live.create(init);
    await live.recordApp(c.session.sid, { id: 'wiki', name: 'Wiki', protocol: 'saml' }, { nameId: 'alice' });
    assert.deepEqual(Object.keys((await live.listForUser('u1')).find((s) => s.sid === c.session.sid)!.apps), ['wiki']);
    const before = await store.getVersioned(`session:${c.session.sid}`);
    await live.recordApp(c.session.sid, { id: 'wiki', name: 'Wiki', protocol: 'saml' }, { nameId: 'alice' });
    await live.recordApp(c.session.sid, { id: 'wiki', name: 'Wiki', protocol: 'saml' });
    assert.equal(
      (await store.getVersioned(`session:${c.session.sid}`))?.version,
      before?.version,
      'recording what is already there writes nothing',
    );
    await live.recordApp(c.session.sid, { id: 'wiki', name: 'Wiki', protocol: 'saml' }, { nameId: 'alice2' });
    assert.deepEqual(
      (await live.get(c.session.sid))?.apps.wiki?.data,
      { nameId: 'alice2' },
      'new logout data is written',
    );
    const ended = await live.end(c.session.sid);
    assert.equal(ended?.apps.wiki?.name, 'Wiki', 'front ends get the apps to log out of');
    assert.equal(await live.fromCookie(c.cookieValue), undefined);
  });
});
