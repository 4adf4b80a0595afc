// What a Latch primary and its workers say to each other over the cluster IPC channel. prom-client
// uses the same channel for its own messages ("prom-client:…"); ours all carry `latch`.

export type ClusterMessage =
  /** A store publish, sent by a worker to the primary and by the primary to every worker. */
  | { latch: 'publish'; channel: string; text: string }
  /** A worker asks for every worker's metrics summed; the primary answers with `metrics`. */
  | { latch: 'metrics?'; id: number }
  | { latch: 'metrics'; id: number; body?: string; error?: string }
  /** A worker listens and answers requests. */
  | { latch: 'ready' }
  /** A worker could not start: `message` is what the operator must read (printed once, by the primary). */
  | { latch: 'start-failed'; message: string };

type Kind = ClusterMessage['latch'];
type Of<K extends Kind> = Extract<ClusterMessage, { latch: K }>;

const fields: { [K in Kind]: Record<string, 'string' | 'number' | 'string?'> } = {
  publish: { channel: 'string', text: 'string' },
  'metrics?': { id: 'number' },
  metrics: { id: 'number', body: 'string?', error: 'string?' },
  ready: {},
  'start-failed': { message: 'string' },
};

/** Whether an IPC message is Latch's message of this kind, with every field of the right type. */
export function isMessage<K extends Kind>(message: unknown, kind: K): message is Of<K> {
  if (typeof message !== 'object' || message === null || !('latch' in message) || message.latch !== kind) return false;
  const record = message as Record<string, unknown>;
  return Object.entries(fields[kind]).every(([name, type]) => {
    const value = record[name];
    return type === 'string?' ? value === undefined || typeof value === 'string' : typeof value === type;
  });
}
