import type { Logger } from 'pino';
import type { PushDevice } from './devices.ts';
import type { PushNotifier } from './notify.ts';
import type { PendingPush } from './protocol.ts';

// Native authenticators (Android, iOS) are woken through FCM or APNs, which need credentials and
// a network Latch may not have: a relay does it. Latch only says "device D has push P"; the relay
// maps devices to platform tokens. No relay ships here; tests use a fake that records calls.

export interface PushRelay {
  /** Asks the relay to wake the device; rejects when the relay refused or could not be reached. */
  wake(message: { deviceId: string; platform: string; pushId: string; app: string; expiresAt: number }): Promise<void>;
}

export class RelayNotifier implements PushNotifier {
  constructor(
    private readonly relay: PushRelay,
    private readonly log: Logger,
  ) {}

  async notify(device: PushDevice, push: PendingPush): Promise<void> {
    if (device.platform === 'web' || device.platform === 'cli') return; // these poll or use Web Push
    try {
      await this.relay.wake({
        deviceId: device.id,
        platform: device.platform,
        pushId: push.id,
        app: push.app,
        expiresAt: push.expiresAt,
      });
    } catch (err) {
      this.log.warn(
        { err, device: device.id },
        'push relay refused a wake-up; the device will see the push when it next polls',
      );
    }
  }
}
