/// <reference lib="dom" />
import { parseActivationUrl, totpFor, type PendingPush } from '../../methods/push/protocol.ts';
import { activate, DeviceClient, ECDSA_P256, LatchApiError, publicJwkOf } from '../core/client.ts';
import { listAccounts, removeAccount, saveAccount, type StoredAccount } from './db.ts';
import { checkPin, hashPin } from './pin.ts';
import { enableWebPush } from './web-push.ts';

// The Latch Authenticator phone web app: activate with the link (QR code or pasted), list accounts
// with their current passcode, show pending sign-in requests and approve, deny or report them.
// Built with document.createElement only: nothing from the network becomes markup.

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (text: string) => ($('status').textContent = text);
const polling = new Set<string>();
const shown = new Set<string>();

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function passcode(account: StoredAccount): string {
  const code = totpFor(account.totpSecret).generate();
  return `${code.slice(0, 3)} ${code.slice(3)}`;
}

const clientOf = (account: StoredAccount) => new DeviceClient(account.baseUrl, account.deviceId, account.key);

async function renderAccounts(): Promise<void> {
  const accounts = await listAccounts();
  const list = $('accounts');
  list.replaceChildren(el('h2', {}, accounts.length ? 'Accounts' : 'No accounts yet'));
  for (const account of accounts) {
    const codeId = `passcode-${account.deviceId}`;
    const remove = el('button', { type: 'button', className: 'link' }, 'Remove from this device');
    remove.addEventListener('click', () => void removeAccount(account.deviceId).then(renderAccounts));
    list.append(
      el(
        'article',
        { className: 'account' },
        el('h3', {}, `${account.displayName} (${account.user})`),
        el('p', {}, `${new URL(account.baseUrl).host} · ${account.deviceName}`),
        el(
          'p',
          {},
          el('span', { id: `${codeId}-label` }, 'Passcode: '),
          el('strong', { id: codeId, className: 'passcode' }, passcode(account)),
        ),
        remove,
      ),
    );
    $(codeId).setAttribute('aria-labelledby', `${codeId}-label`);
    if (!polling.has(account.deviceId)) void poll(account);
  }
}

/** Keeps a long-poll open for the account's pending pushes. */
async function poll(account: StoredAccount): Promise<void> {
  polling.add(account.deviceId);
  const client = clientOf(account);
  for (;;) {
    try {
      const { pending } = await client.pending(25);
      for (const push of pending) if (!shown.has(push.id)) showRequest(account, push);
      if (pending.some((p) => shown.has(p.id))) await new Promise((r) => setTimeout(r, 2000));
    } catch (err) {
      if (err instanceof LatchApiError && err.code === 'unknown_device') {
        status(`${account.user}: ${err.message}`);
        polling.delete(account.deviceId);
        return;
      }
      await new Promise((r) => setTimeout(r, 3000));
    }
  }
}

function showRequest(account: StoredAccount, push: PendingPush): void {
  shown.add(push.id);
  const id = push.id;
  const code = el('input', { id: `code-${id}`, inputMode: 'numeric', autocomplete: 'off', maxLength: push.codeLength });
  const pin = el('input', { id: `pin-${id}`, type: 'password', inputMode: 'numeric', autocomplete: 'off' });
  const card = el(
    'article',
    { className: 'request' },
    el('h2', {}, 'Sign-in request'),
    el(
      'dl',
      {},
      el('dt', {}, 'Account'),
      el('dd', {}, `${push.user} at ${new URL(account.baseUrl).host}`),
      el('dt', {}, 'Application'),
      el('dd', {}, push.app),
      el('dt', {}, 'Time'),
      el('dd', {}, new Date(push.time).toLocaleTimeString()),
      el('dt', {}, 'From'),
      el('dd', {}, `${push.browser}, ${push.ip}`),
      // What a logon client adds (host, command): text nodes, never markup.
      ...(push.details ?? []).flatMap((d) => [el('dt', {}, d.name), el('dd', {}, d.value)]),
    ),
  );
  if (push.codeRequired) card.append(el('label', { htmlFor: code.id }, 'Code shown in the browser'), code);
  if (push.userVerificationRequired) card.append(el('label', { htmlFor: pin.id }, 'Your PIN'), pin);
  const approve = el('button', { type: 'button' }, 'Approve');
  const deny = el('button', { type: 'button', className: 'secondary' }, 'Deny');
  const fraud = el('button', { type: 'button', className: 'link' }, 'Report as fraud');
  card.append(el('p', {}, approve, ' ', deny), fraud);
  const finish = (text: string) => {
    card.remove();
    status(text);
  };
  const decide = async (answer: 'approve' | 'deny' | 'fraud') => {
    let verified = false;
    if (answer === 'approve' && push.userVerificationRequired) {
      verified = await checkPin(pin.value, account.pin);
      if (!verified) return status('That PIN is not right.');
    }
    try {
      const result = await clientOf(account).decide(
        id,
        answer,
        answer === 'approve' ? code.value.trim() : '',
        verified,
      );
      finish(result.message);
    } catch (err) {
      finish(err instanceof LatchApiError ? err.message : 'Latch could not be reached. Try again.');
    }
  };
  approve.addEventListener('click', () => void decide('approve'));
  deny.addEventListener('click', () => void decide('deny'));
  fraud.addEventListener('click', () => void decide('fraud'));
  setTimeout(() => card.isConnected && finish('A sign-in request expired.'), Math.max(0, push.expiresAt - Date.now()));
  $('requests').append(card);
  (push.codeRequired ? code : approve).focus();
}

async function onActivate(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const link = $<HTMLInputElement>('link').value;
  const name = $<HTMLInputElement>('device-name').value.trim() || 'Phone web app';
  const pin = $<HTMLInputElement>('pin').value;
  try {
    if (!/^\d{4,12}$/.test(pin))
      throw new Error('Choose a PIN of 4 to 12 digits: it unlocks approvals that sign you in without a password.');
    const { baseUrl, token } = parseActivationUrl(link);
    if (new URL(baseUrl).origin !== location.origin)
      throw new Error(
        `This link is for another Latch. Open ${baseUrl}/authenticator/ on this device and paste it there.`,
      );
    // Non-extractable: the private key can sign, but never be read or copied off this device.
    const keys = (await crypto.subtle.generateKey(ECDSA_P256, false, ['sign', 'verify'])) as CryptoKeyPair;
    const result = await activate(baseUrl, token, {
      publicKey: await publicJwkOf(keys.publicKey),
      name,
      platform: 'web',
    });
    const account: StoredAccount = {
      deviceId: result.deviceId,
      baseUrl: result.issuer,
      user: result.user,
      displayName: result.displayName,
      deviceName: name,
      key: keys.privateKey,
      totpSecret: result.totpSecret,
      pin: await hashPin(pin),
      activatedAt: Date.now(),
    };
    await saveAccount(account);
    $<HTMLFormElement>('activate-form').reset();
    status(`Activated for ${result.user}. ${await enableWebPush(clientOf(account))}`);
    await renderAccounts();
  } catch (err) {
    status(err instanceof Error ? err.message : String(err));
  }
}

function start(): void {
  $<HTMLFormElement>('activate-form').addEventListener('submit', (e) => void onActivate(e));
  // A QR code opens the app at …/authenticator/#activate=TOKEN: fill the form, then drop the
  // token from the address bar and history.
  if (location.hash.startsWith('#activate=')) {
    $<HTMLInputElement>('link').value = location.href;
    history.replaceState(null, '', location.pathname);
    $('pin').focus();
  }
  void renderAccounts();
  setInterval(() => {
    void listAccounts().then((accounts) => {
      for (const a of accounts) {
        const node = document.getElementById(`passcode-${a.deviceId}`);
        if (node) node.textContent = passcode(a);
      }
    });
  }, 1000);
  if ('serviceWorker' in navigator)
    void navigator.serviceWorker.register('/authenticator/sw.js', { scope: '/authenticator/' }).catch(() => undefined);
}

start();
