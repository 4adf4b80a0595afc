// Sign-in page of push: waits for the phone's answer (long-poll) and continues by itself, so the
// user does not have to press "I approved it, continue". The CSP forbids inline script.
const status = document.getElementById('push-wait');
const button = document.getElementById('push-continue');
async function wait() {
  const url = status?.dataset.waitUrl;
  if (!url || !button) return;
  for (;;) {
    let state = 'pending';
    try {
      const res = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
      if (res.status === 404) return;
      state = (await res.json()).state;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      continue;
    }
    if (state === 'none') return;
    if (state !== 'pending') {
      status.textContent = state === 'approved' ? 'Approved. Signing you in…' : 'Your phone answered.';
      button.form?.requestSubmit(button);
      return;
    }
  }
}
void wait();
