import { searchLog } from '../../authn/log-search.ts';
import type { AdminDeps } from '../deps.ts';
import { authenticatorsOf } from '../ops/user-details.ts';
import type { Overview } from './log-pages.ts';

// The overview's figures, each bounded: the last 30 days of log are counted up to SCAN_CAP
// entries (newest first, so the last 24 hours are always whole unless a day holds more), and
// enrolment over the first USER_CAP users of the directory.

const SCAN_CAP = 100_000;
const USER_CAP = 1000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const isSignIn = (e: { event: string; result: string }) => e.event === 'sign-in' && e.result === 'success';
const isFailure = (e: { result: string }) => e.result === 'failure' || e.result === 'denied';

export async function overview(deps: AdminDeps, now = Date.now()): Promise<Overview> {
  const day = { signIns: 0, failures: 0, hours: new Array<number>(24).fill(0) };
  const month = { signIns: 0, failures: 0, days: new Array<number>(30).fill(0), capped: false };
  const apps = new Map<string, number>();
  const stream = deps.authLog.stream();
  let cursor: string | undefined;
  let scanned = 0;
  do {
    const page = await searchLog(stream, { from: now - 30 * DAY, to: now + 1, limit: 1000, cursor, scanLimit: 1000 });
    for (const { time, data } of page.entries) {
      const signIn = isSignIn(data);
      const failure = isFailure(data);
      if (signIn) {
        month.signIns++;
        month.days[Math.min(29, Math.floor((now - time) / DAY))]!++;
        if (data.app) apps.set(data.app, (apps.get(data.app) ?? 0) + 1);
      }
      if (failure) month.failures++;
      if (now - time < DAY) {
        if (signIn) {
          day.signIns++;
          day.hours[Math.min(23, Math.floor((now - time) / HOUR))]!++;
        }
        if (failure) day.failures++;
      }
    }
    scanned += page.entries.length;
    cursor = page.next;
    if (scanned >= SCAN_CAP && cursor) month.capped = true;
  } while (cursor && !month.capped);
  const found = await deps.directory.searchUsers({ limit: USER_CAP });
  const users = { total: found.users.length, secondFactor: 0, passwordless: 0, capped: found.more };
  for (const user of found.users) {
    const list = await authenticatorsOf(deps, user.id);
    if (list.some((a) => a.factor)) users.secondFactor++;
    if (list.some((a) => a.passwordless)) users.passwordless++;
  }
  const byApp = [...apps.entries()]
    .map(([app, signIns]) => ({ app, signIns }))
    .sort((a, b) => b.signIns - a.signIns)
    .slice(0, 20);
  return { day, month, apps: byApp, users };
}
