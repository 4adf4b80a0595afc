import type { DeviceClient } from '../core/client.ts';

// Registers the phone web app for Web Push (VAPID) so that a push wakes it even when it is
// closed. Where the browser cannot (no push service reachable, permission refused), the app
// still sees pushes while it is open, through its long-poll.

function keyBytes(base64url: string): Uint8Array {
  const text = atob(base64url.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

export async function enableWebPush(client: DeviceClient): Promise<string> {
  try {
    if (!('serviceWorker' in navigator) || !('PushManager' in window))
      return 'Notifications are not available in this browser; keep the app open to see requests.';
    const registration = await navigator.serviceWorker.register('/authenticator/sw.js', { scope: '/authenticator/' });
    await navigator.serviceWorker.ready;
    const res = await fetch(`${client.baseUrl}/push/api/web-push-key`, { headers: { accept: 'application/json' } });
    if (!res.ok) return 'Notifications are turned off on this Latch; keep the app open to see requests.';
    const { publicKey } = (await res.json()) as { publicKey: string };
    const subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(publicKey) as BufferSource,
    });
    const json = subscription.toJSON();
    await client.registerWebPush({
      endpoint: json.endpoint!,
      keys: { p256dh: json.keys!.p256dh!, auth: json.keys!.auth! },
    });
    return 'Notifications are on.';
  } catch (err) {
    return `Notifications could not be turned on (${err instanceof Error ? err.message : String(err)}); keep the app open to see requests.`;
  }
}
