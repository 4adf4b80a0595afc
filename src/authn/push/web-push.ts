import type { Logger } from 'pino';
import webpush from 'web-push';
import type { Store } from '../../store/contract.ts';
import type { PushDevice } from './devices.ts';
import type { PushNotifier } from './notify.ts';
import type { PendingPush } from './protocol.ts';

// Web Push (RFC 8030 + VAPID, RFC 8292) to the phone web app. The VAPID key pair lives in the
// store, created by the first node, because every node must sign for the subscriptions the
// browser made with one public key.

export type VapidKeys = { publicKey: string; privateKey: string };

const KEY = 'push-vapid-keys';

export async function loadVapidKeys(store: Store): Promise<VapidKeys> {
  const fresh = webpush.generateVAPIDKeys();
  await store.createIfAbsent(KEY, { publicKey: fresh.publicKey, privateKey: fresh.privateKey });
  const keys = await store.get<VapidKeys>(KEY);
  if (!keys) throw new Error('the VAPID keys could not be read back from the store');
  return keys;
}

export class WebPushNotifier implements PushNotifier {
  constructor(
    private readonly keys: VapidKeys,
    private readonly subject: string,
    private readonly log: Logger,
  ) {}

  async notify(device: PushDevice, push: PendingPush): Promise<void> {
    if (!device.webPush) return;
    // Only what the notification shows; the code stays in the browser that signs in.
    const payload = JSON.stringify({ type: 'push', id: push.id, app: push.app, browser: push.browser, expiresAt: push.expiresAt });
    try {
      await webpush.sendNotification(device.webPush, payload, {
        vapidDetails: { subject: this.subject, publicKey: this.keys.publicKey, privateKey: this.keys.privateKey },
        TTL: Math.max(0, Math.floor((push.expiresAt - Date.now()) / 1000)),
        urgency: 'high',
        timeout: 5000,
      });
    } catch (err) {
      this.log.warn({ device: device.id, status: (err as { statusCode?: number }).statusCode }, 'Web Push delivery failed; the phone web app will see the push when it is opened');
    }
  }
}
