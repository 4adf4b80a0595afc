import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'mocha';
import { launchChromium, withContext, type Browser, type Page } from '../support/chromium.ts';
import { HttpClient } from '../support/http-client.ts';
import { addUser, runLatch } from '../support/commands.ts';
import { startTestLatch, type LatchProcess } from '../support/latch.ts';
import { activationLink, CliPhone, PASSWORD, passwordThenPush, sendPush, signedInAs } from './helpers.ts';

// Verified push as a second factor: Chromium signs in, the command-line authenticator is the phone.
// Every refusal is checked from both sides: what the phone is told, and that the browser is
// still not signed in.

describe('verified push as a second factor', () => {
  let latch: LatchProcess;
  let chrome: Browser;
  const phones: Record<string, CliPhone> = {};

  before(async () => {
    latch = await startTestLatch({
      run: 'process',
      config: {
        push: { wrongCodes: { maxFailures: 2, window: '15m' } },
        policy: { groups: [{ group: 'phone-first', autoPush: true }] },
      },
    });
    const names = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];
    // All users first: the users file is re-read when its mtime changes, which a coarse clock can miss.
    for (const name of names) {
      const groups = name === 'frank' ? ['phone-first'] : [];
      await addUser(latch.env, name, {
        displayName: `${name[0]!.toUpperCase()}${name.slice(1)} Test`,
        password: PASSWORD,
        groups,
      });
    }
    for (const name of names) {
      phones[name] = new CliPhone();
      assert.match(
        await phones[name].ok('activate', await activationLink(latch.url, name), '--name', `${name}'s phone`),
        new RegExp(`Activated ${name}'s phone for ${name}`),
      );
    }
    chrome = await launchChromium();
  });

  after(async () => {
    await chrome?.close();
    await latch?.stop();
  });

  const alert = async (page: Page) => ((await page.getByRole('alert').textContent()) ?? '').trim();
  const notSignedIn = async (page: Page) => {
    assert.equal(
      (await page.context().cookies()).some((c) => c.name === 'latch_session'),
      false,
      'no session cookie',
    );
  };

  it('the right code typed on the phone signs the browser in, which continues by itself', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await passwordThenPush(page, latch.url, 'alice');
      const code = await sendPush(page);
      assert.match(code, /^\d{3}$/, 'a 3-digit code is shown');
      const shown = await phones.alice!.ok('pending', '--wait', '10');
      assert.match(shown, /app: +Latch account/);
      assert.match(shown, /from: +Chrome on Linux, 127\.0\.0\.1/);
      assert.match(shown, /type the 3-digit code shown in the browser/);
      assert.equal(await phones.alice!.ok('approve', '--code', code), 'Approved.');
      await signedInAs(page, 'Alice Test');
      const signIn = latch
        .authEvents()
        .filter((e) => e.event === 'sign-in')
        .at(-1);
      assert.deepEqual(signIn?.methods, ['password', 'push']);
      assert.ok(!JSON.stringify(latch.logs()).includes(`"${code}"`), 'the code is not in the log');
    });
  });

  it('automatic push (policy autoPush): the push is on the phone as soon as the password is accepted, with "Other options" still there', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await passwordThenPush(page, latch.url, 'frank');
      // No "Send push" pressed: the code is already shown and the phone already has the request.
      const code = ((await page.getByLabel('Verification code').textContent()) ?? '').trim();
      assert.match(code, /^\d{3}$/);
      assert.equal(await page.getByRole('button', { name: /^Send push$/ }).count(), 0);
      assert.ok(await page.getByText('Other options').isVisible(), '"Other options" stay');
      assert.match(await phones.frank!.ok('pending', '--wait', '10'), /type the 3-digit code shown in the browser/);
      assert.equal(await phones.frank!.ok('approve', '--code', code), 'Approved.');
      await signedInAs(page, 'Frank Test');
      assert.match(
        String(latch.authEvents().find((e) => e.event === 'push' && e.user === 'frank')?.reason),
        /^push sent to frank's phone/,
      );
    });
  });

  it('approving without the code is refused by the phone; a wrong code denies the sign-in', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await passwordThenPush(page, latch.url, 'alice');
      const code = await sendPush(page);
      assert.match(await phones.alice!.refused('approve', '--wait', '10'), /asks for the code shown in the browser/);
      const wrong = code === '000' ? '001' : '000';
      assert.match(
        await phones.alice!.refused('approve', '--code', wrong),
        /The code did not match, so the sign-in was denied/,
      );
      await page.getByRole('alert').waitFor();
      assert.match(await alert(page), /The code typed on your phone did not match/);
      await notSignedIn(page);
      assert.equal(
        latch
          .authEvents()
          .filter((e) => e.event === 'push-decision')
          .at(-1)?.result,
        'denied',
      );
      // The denied push cannot be approved afterwards with the right code.
      assert.match(await phones.alice!.refused('approve', '--code', code), /No sign-in request is waiting/);
      await page.getByRole('button', { name: 'Send another push' }).waitFor();
      await notSignedIn(page);
    });
  });

  it('too many wrong codes stop pushes to that user', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await passwordThenPush(page, latch.url, 'dave');
      for (let i = 0; i < 2; i++) {
        const code = await sendPush(page);
        await phones.dave!.refused('approve', '--wait', '10', '--code', code === '000' ? '001' : '000');
        await page.getByRole('button', { name: 'Send another push' }).waitFor();
      }
      await page.getByRole('button', { name: 'Send another push' }).click();
      await page.getByRole('alert').waitFor();
      assert.match(
        await alert(page),
        /Too many wrong codes were typed on your phone\. Wait 15 minutes or choose another way to sign in\./,
      );
      assert.match(await phones.dave!.refused('pending'), /No sign-in request is waiting/);
      await notSignedIn(page);
    });
  });

  it('an approval replayed (the same request answered again) is refused', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await passwordThenPush(page, latch.url, 'bob');
      const code = await sendPush(page);
      const id = await phones.bob!.pendingId();
      await phones.bob!.ok('approve', '--request', id, '--code', code);
      await signedInAs(page, 'Bob Test');
      assert.match(
        await phones.bob!.refused('approve', '--request', id, '--code', code),
        /Latch refused: This sign-in request was already answered\./,
      );
      assert.match(await phones.bob!.refused('deny', '--request', id), /already answered/);
    });
  });

  it("an approval from another user's device is refused and the request stays pending", async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await passwordThenPush(page, latch.url, 'alice');
      const code = await sendPush(page);
      const id = await phones.alice!.pendingId();
      assert.match(
        await phones.bob!.refused('approve', '--request', id, '--code', code),
        /Latch refused: There is no such sign-in request for this device\./,
      );
      await notSignedIn(page);
      assert.match(await phones.alice!.ok('pending'), new RegExp(id), 'still pending for alice');
      await phones.alice!.ok('approve', '--code', code);
      await signedInAs(page, 'Alice Test');
    });
  });

  it('"report as fraud" ends the sign-in, is logged, and pauses push to that user', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await passwordThenPush(page, latch.url, 'carol');
      await sendPush(page);
      assert.match(await phones.carol!.ok('deny', '--fraud', '--wait', '10'), /Reported/);
      await page.getByRole('heading', { name: 'You reported this sign-in as fraud, so it was stopped.' }).waitFor();
      await notSignedIn(page);
      const fraud = latch.authEvents().find((e) => e.event === 'push-decision' && e.result === 'fraud');
      assert.match(String(fraud?.reason), /reported as fraud on the phone; push to this user paused for 60 min/);
      assert.equal(fraud?.user, 'carol');
    });
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await passwordThenPush(page, latch.url, 'carol');
      await page.getByRole('button', { name: 'Send push' }).click();
      await page.getByRole('alert').waitFor();
      assert.match(
        await alert(page),
        /Push to your phone is paused because a sign-in was reported as fraud\. Try again in 60 minutes/,
      );
      assert.match(await phones.carol!.refused('pending'), /No sign-in request is waiting/);
      await notSignedIn(page);
    });
  });

  it('a plain deny shows the denial and lets the user send another push', async () => {
    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await passwordThenPush(page, latch.url, 'alice');
      await sendPush(page);
      assert.equal(await phones.alice!.ok('deny', '--wait', '10'), 'Denied.');
      await page.getByRole('alert').waitFor();
      assert.equal(await alert(page), 'The sign-in was denied on your phone.');
      await notSignedIn(page);
      const code = await sendPush(page);
      await phones.alice!.ok('approve', '--wait', '10', '--code', code);
      await signedInAs(page, 'Alice Test');
    });
  });

  it('a help-desk link re-activates on a new phone, which replaces the old device', async () => {
    // With only her password, erin cannot reach her account page: the phone is asked for first.
    const passwordOnly = new HttpClient(latch.url);
    const pw = await passwordOnly.passwordPage('erin');
    assert.match((await passwordOnly.submit(pw, { password: PASSWORD })).text, /Approve with your phone/);
    assert.match(await phones.erin!.ok('list'), /erin@/);

    // The help desk issues a link; the new phone takes over, the old one stops working.
    const issued = await runLatch(['push', 'enroll-link', 'erin'], { env: latch.env });
    assert.equal(issued.code, 0, issued.stderr);
    const link = issued.stdout.split('\n')[0]!;
    assert.match(issued.stdout, /replaces any phone activated before/);
    const newPhone = new CliPhone();
    await newPhone.ok('activate', link, '--name', 'erin new phone');
    assert.match(
      await newPhone.refused('activate', link),
      /Latch refused: This activation link was already used or has expired/,
    );
    assert.match(await phones.erin!.refused('pending'), /no longer activated for your account\. Activate it again/);
    assert.match(
      latch
        .authEvents()
        .filter((e) => e.event === 'push-activate')
        .at(-1)?.reason as string,
      /activated erin new phone \(cli\), replacing erin's phone/,
    );

    await withContext(chrome, {}, async (context) => {
      const page = await context.newPage();
      await passwordThenPush(page, latch.url, 'erin');
      assert.match((await page.locator('main').textContent()) ?? '', /erin new phone/);
      const code = await sendPush(page);
      await newPhone.ok('approve', '--wait', '10', '--code', code);
      await signedInAs(page, 'Erin Test');
    });
  });
});

describe('an unanswered push expires', () => {
  it('after the request lifetime the phone cannot approve it and the browser says so', async () => {
    const latch = await startTestLatch({ run: 'process', config: { push: { requestLifetime: '2s' } } });
    const chrome = await launchChromium();
    try {
      await addUser(latch.env, 'alice', { displayName: 'Alice Test', password: PASSWORD });
      const phone = new CliPhone();
      await phone.ok('activate', await activationLink(latch.url, 'alice'));
      await withContext(chrome, {}, async (context) => {
        const page = await context.newPage();
        await passwordThenPush(page, latch.url, 'alice');
        const code = await sendPush(page);
        const id = await phone.pendingId();
        await page.getByRole('alert').waitFor({ timeout: 8000 });
        assert.equal(
          ((await page.getByRole('alert').textContent()) ?? '').trim(),
          'The push expired before it was approved. Send another.',
        );
        await sleep(100);
        assert.match(
          await phone.refused('approve', '--request', id, '--code', code),
          /Latch refused: This sign-in request has expired/,
        );
        assert.equal(
          (await context.cookies()).some((c) => c.name === 'latch_session'),
          false,
        );
      });
    } finally {
      await chrome.close();
      await latch.stop();
    }
  });
});
