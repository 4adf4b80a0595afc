import type { PushDevice } from './devices.ts';
import type { PendingPush } from './protocol.ts';

// Ways to wake a phone that is not holding a long-poll open: Web Push for the phone web app
// (./web-push.ts) and, for native apps, a relay to FCM or APNs (./relay.ts). A failed
// notification is logged and the push still waits for the device's next poll.

export interface PushNotifier {
  notify(device: PushDevice, push: PendingPush): Promise<void>;
}
