// How a waiting time reads to a user: "1 minute", "5 minutes" (rounded up, at least one minute).

export function minutes(ms: number): string {
  const m = Math.max(1, Math.ceil(ms / 60_000));
  return m === 1 ? '1 minute' : `${m} minutes`;
}

/**
 * How long something lasts, as a user reads it: hours under a day ("8 hours", "1 hour"), days
 * from a day on ("30 days"); never "0 days" for a lifetime of a few hours.
 */
export function lifetimeWords(ms: number): string {
  if (ms < 86_400_000) {
    const h = Math.max(1, Math.round(ms / 3_600_000));
    return h === 1 ? '1 hour' : `${h} hours`;
  }
  const d = Math.round(ms / 86_400_000);
  return d === 1 ? '1 day' : `${d} days`;
}
