import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Logger } from 'pino';
import webpush, { type RequestDetails } from 'web-push';
import type { Store } from '../../store/contract.ts';
import { records } from '../../store/records.ts';
import type { PushDevice } from './devices.ts';
import type { PushNotifier } from './notify.ts';
import type { PendingPush } from './protocol.ts';
import type { PushEndpoints } from './push-endpoint.ts';

// Web Push (RFC 8030 + VAPID, RFC 8292) to the phone web app. The VAPID key pair lives in the
// store, created by the first node, because every node must sign for the subscriptions the
// browser made with one public key.

export type VapidKeys = { publicKey: string; privateKey: string };

const vapidKeys = records.vapidKeys.holding<VapidKeys>();

const TIMEOUT_MS = 5000;
const LATER = 'the phone web app will see the push when it is opened';

export async function loadVapidKeys(store: Store): Promise<VapidKeys> {
  const fresh = webpush.generateVAPIDKeys();
  await vapidKeys.createIfAbsent(store, { publicKey: fresh.publicKey, privateKey: fresh.privateKey });
  const keys = await vapidKeys.get(store);
  if (!keys) throw new Error('the VAPID keys could not be read back from the store');
  return keys;
}

/** A lookup that answers with the address already checked, so the connection goes nowhere else. */
function pinnedTo(address: string): LookupFunction {
  const family = isIP(address);
  return (_host, options, callback) => {
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

/** Posts the encrypted message; resolves with the push service's status. No redirects are followed. */
function post(url: URL, address: string, request: RequestDetails): Promise<number> {
  return new Promise((resolve, reject) => {
    const { method, headers } = request;
    const req = https.request(
      url,
      { method, headers, lookup: pinnedTo(address), agent: false, timeout: TIMEOUT_MS },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(request.body ?? undefined);
  });
}

export class WebPushNotifier implements PushNotifier {
  constructor(
    private readonly keys: VapidKeys,
    private readonly subject: string,
    private readonly endpoints: PushEndpoints,
    private readonly log: Logger,
  ) {}

  async notify(device: PushDevice, push: PendingPush): Promise<void> {
    if (!device.webPush) return;
    // Checked again at every send: the endpoint may predate the check, and DNS may have changed.
    const target = await this.endpoints.check(device.webPush.endpoint);
    if (!target.ok) {
      const why = { device: device.id, reason: target.reason };
      this.log.warn(why, 'Web Push not sent: the endpoint is not a public push service');
      return;
    }
    const about = { device: device.id, host: target.host };
    // Only what the notification shows; the code stays in the browser that signs in.
    const payload = JSON.stringify({
      type: 'push',
      id: push.id,
      app: push.app,
      browser: push.browser,
      expiresAt: push.expiresAt,
    });
    try {
      const request = webpush.generateRequestDetails(device.webPush, payload, {
        vapidDetails: { subject: this.subject, publicKey: this.keys.publicKey, privateKey: this.keys.privateKey },
        TTL: Math.max(0, Math.floor((push.expiresAt - Date.now()) / 1000)),
        urgency: 'high',
      });
      const status = await post(target.url, target.address, request);
      if (status < 200 || status > 299)
        this.log.warn({ ...about, status }, `Web Push refused by the push service; ${LATER}`);
    } catch (err) {
      this.log.warn({ ...about, err: (err as Error).message }, `Web Push delivery failed; ${LATER}`);
    }
  }
}
