import { AggregatorRegistry, type Registry } from 'prom-client';
import type { MessageRelay } from '../store/contract.ts';
import { isMessage, type ClusterMessage } from './messages.ts';

// A cluster worker's side of the IPC channel to its primary (src/cluster/primary.ts): store
// publishes go through the primary to every worker, /metrics asks the primary for every worker's
// metrics summed, and start-up tells the primary whether this worker is serving.

function send(message: ClusterMessage): Promise<void> {
  return new Promise((resolve) => {
    // Without a primary (it died) there is nobody to tell; the worker exits on 'disconnect'.
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

/** Publishes travel worker → primary → every worker (this one too), so a subscriber anywhere hears them. */
export function ipcRelay(): MessageRelay {
  return {
    send: (channel, text) => void send({ latch: 'publish', channel, text }),
    receive(deliver) {
      process.on('message', (message: unknown) => {
        if (isMessage(message, 'publish')) deliver(message.channel, message.text);
      });
    },
  };
}

const METRICS_TIMEOUT_MS = 10_000;

/**
 * Lets the primary collect this worker's metrics (prom-client's AggregatorRegistry protocol). Call
 * it first thing: until `use` gives it the registry, the worker answers with no metrics rather than
 * not at all (the primary would wait 5 s for it, then fail the scrape).
 */
export function answerMetricsRequests(): { use(registry: Registry): void } {
  new AggregatorRegistry(); // installs prom-client's answer to the primary's requests
  AggregatorRegistry.setRegistries([]);
  return { use: (registry) => AggregatorRegistry.setRegistries([registry]) };
}

let next = 0;

/**
 * The source of /metrics on the main port: the primary sums every worker's registry, so a scrape
 * sees the whole node whichever worker answers it.
 */
export function askPrimaryForMetrics(): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const id = next++;
    const timer = setTimeout(
      () => finish(new Error('the primary process did not send the metrics in time')),
      METRICS_TIMEOUT_MS,
    );
    const onMessage = (message: unknown) => {
      if (!isMessage(message, 'metrics') || message.id !== id) return;
      finish(message.error === undefined ? undefined : new Error(message.error), message.body ?? '');
    };
    const finish = (err?: Error, body = '') => {
      clearTimeout(timer);
      process.off('message', onMessage);
      if (err) reject(err);
      else resolve(body);
    };
    process.on('message', onMessage);
    void send({ latch: 'metrics?', id });
  });
}

export const tellPrimaryReady = (): Promise<void> => send({ latch: 'ready' });
export const tellPrimaryStartFailed = (message: string): Promise<void> => send({ latch: 'start-failed', message });
