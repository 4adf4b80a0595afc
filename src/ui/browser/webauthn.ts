import {
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  startAuthentication,
  startRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';

// The sign-in prompt's WebAuthn script (bundled at server start, served from /static). The page
// carries the ceremony options in a data attribute; the result goes into a hidden field and the
// form is submitted as usual, so CSRF and the flow engine see an ordinary form post. Without this
// script the buttons post the form with no result, which the server treats as "cannot use WebAuthn".

const RESPONSE_FIELD = 'webauthn_response';
const ERROR_FIELD = 'webauthn_error';
const PASSKEY_FIELD = 'passkey_response';

function hidden(form: HTMLFormElement, name: string, value: string): void {
  const input = document.createElement('input');
  input.type = 'hidden';
  input.name = name;
  input.value = value;
  form.append(input);
}

function post(form: HTMLFormElement, name: string, value: string): void {
  hidden(form, name, value);
  hidden(form, 'action', 'submit');
  form.submit();
}

/** The first page: offer the user's passkeys in the username field's autofill. */
async function autofill(form: HTMLFormElement, options: PublicKeyCredentialRequestOptionsJSON): Promise<void> {
  if (!(await browserSupportsWebAuthnAutofill())) return;
  try {
    const response = await startAuthentication({ optionsJSON: options, useBrowserAutofill: true });
    post(form, PASSKEY_FIELD, JSON.stringify(response));
  } catch {
    // Aborted (the user typed a username and went on) or refused: the form still works as is.
  }
}

/** A page with a "Continue" button that runs one ceremony when pressed. */
function onButton(form: HTMLFormElement, button: HTMLButtonElement, run: () => Promise<unknown>): void {
  button.addEventListener('click', (event) => {
    event.preventDefault();
    if (!browserSupportsWebAuthn()) return post(form, ERROR_FIELD, 'unsupported');
    button.disabled = true;
    run().then(
      (response) => post(form, RESPONSE_FIELD, JSON.stringify(response)),
      (err: unknown) => {
        // For whoever debugs it in the browser's console; the server only needs the kind of failure.
        console.warn('WebAuthn ceremony failed:', err);
        post(form, ERROR_FIELD, err instanceof Error ? err.name || 'Error' : 'Error');
      },
    );
  });
}

/** Fills the prompt's hidden field: can a passkey live on this device? (What the passkey offer asks.) */
async function reportPlatformAuthenticator(): Promise<void> {
  const field = document.querySelector<HTMLInputElement>('input[name="platform_authenticator"]');
  if (!field) return;
  let available = false;
  try {
    available =
      typeof PublicKeyCredential !== 'undefined' &&
      (await PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable());
  } catch {
    // A browser that cannot tell has none that Latch can use.
  }
  field.value = available ? 'yes' : 'no';
}

function main(): void {
  void reportPlatformAuthenticator();
  const holder = document.getElementById('webauthn-ceremony');
  const form = holder?.closest('form');
  if (!holder || !form) return;
  const ceremony = holder.dataset.ceremony;
  const options: unknown = JSON.parse(holder.dataset.options ?? '{}');
  const button = document.getElementById('webauthn-start');
  if (ceremony === 'autofill') {
    void autofill(form, options as PublicKeyCredentialRequestOptionsJSON);
  } else if (ceremony === 'authenticate' && button instanceof HTMLButtonElement) {
    onButton(form, button, () =>
      startAuthentication({ optionsJSON: options as PublicKeyCredentialRequestOptionsJSON }),
    );
  } else if (ceremony === 'register' && button instanceof HTMLButtonElement) {
    onButton(form, button, () => startRegistration({ optionsJSON: options as PublicKeyCredentialCreationOptionsJSON }));
  }
}

main();
