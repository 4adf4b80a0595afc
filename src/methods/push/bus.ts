import type { Json, Store, Unsubscribe } from '../../store/contract.ts';
import { records } from '../../store/records.ts';

// Wakes requests that wait (a browser for a decision, an authenticator for a new push) when
// something happens on any node. One store subscription per topic and node, however many wait:
// with Redis that is one SUBSCRIBE, not one per waiting browser.

/** What changed: a push request was decided, or a device has a new push. */
const channels = {
  'push-decisions': records.pushDecisions.holding<{ id: string }>(),
  'push-devices': records.pushDevices.holding<{ id: string }>(),
};

type Topic = keyof typeof channels;

export class PushBus {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly subscriptions = new Map<Topic, Promise<Unsubscribe>>();
  /** Set when the node shuts down: waiting requests answer at once instead of holding it up. */
  private closing = false;

  constructor(private readonly store: Store) {}

  /** Tells every node that `id` (a request id or a device id) changed. */
  async notify(topic: Topic, id: string): Promise<void> {
    await channels[topic].publish(this.store, { id });
  }

  /**
   * Runs `check` until it returns something or `timeoutMs` passes, running it again whenever
   * `id` is notified. The waiter is registered before the first check, so a change made between
   * the check and the wait is not missed.
   */
  async waitFor<T>(
    topic: Topic,
    id: string,
    timeoutMs: number,
    check: () => Promise<T | undefined>,
    signal?: AbortSignal,
  ): Promise<T | undefined> {
    await this.subscribe(topic);
    const deadline = Date.now() + timeoutMs;
    let wake: () => void = () => {};
    let woken = false;
    const waiter = () => {
      woken = true;
      wake();
    };
    const key = `${topic}:${id}`;
    let set = this.waiters.get(key);
    if (!set) this.waiters.set(key, (set = new Set()));
    set.add(waiter);
    try {
      for (;;) {
        woken = false;
        const found = await check();
        if (found !== undefined) return found;
        const left = deadline - Date.now();
        if (left <= 0 || signal?.aborted || this.closing) return undefined;
        if (woken) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          const done = () => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            resolve();
          };
          wake = done;
          signal?.addEventListener('abort', done, { once: true });
        });
        wake = () => {};
      }
    } finally {
      set.delete(waiter);
      if (set.size === 0) this.waiters.delete(key);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const set of this.waiters.values()) for (const waiter of set) waiter();
    for (const subscription of this.subscriptions.values()) await (await subscription)();
    this.subscriptions.clear();
  }

  private subscribe(topic: Topic): Promise<Unsubscribe> {
    let subscription = this.subscriptions.get(topic);
    if (!subscription) {
      subscription = channels[topic].subscribe(this.store, (message: Json) => {
        const id = message && typeof message === 'object' && !Array.isArray(message) ? message.id : undefined;
        if (typeof id !== 'string') return;
        for (const waiter of this.waiters.get(`${topic}:${id}`) ?? []) waiter();
      });
      this.subscriptions.set(topic, subscription);
    }
    return subscription;
  }
}
