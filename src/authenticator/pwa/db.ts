// The phone web app's accounts in IndexedDB. The private key is a non-extractable CryptoKey:
// IndexedDB keeps it as an opaque handle, and no script (ours included) can read its bytes.

export type StoredAccount = {
  deviceId: string;
  baseUrl: string;
  user: string;
  displayName: string;
  deviceName: string;
  key: CryptoKey;
  totpSecret: string;
  /** PBKDF2 hash of the PIN that unlocks approvals needing user verification. */
  pin: { salt: string; hash: string };
  activatedAt: number;
};

const DB = 'latch-authenticator';
const STORE = 'accounts';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'deviceId' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run<T>(mode: IDBTransactionMode, body: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const request = body(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  } finally {
    db.close();
  }
}

export const listAccounts = () => run<StoredAccount[]>('readonly', (s) => s.getAll() as IDBRequest<StoredAccount[]>);

/** Saves an account; an earlier activation of the same user at the same Latch is replaced. */
export async function saveAccount(account: StoredAccount): Promise<void> {
  for (const old of await listAccounts()) {
    if (old.baseUrl === account.baseUrl && old.user.toLowerCase() === account.user.toLowerCase())
      await run('readwrite', (s) => s.delete(old.deviceId));
  }
  await run('readwrite', (s) => s.put(account));
}

export const removeAccount = (deviceId: string) => run('readwrite', (s) => s.delete(deviceId));
