// How a waiting time reads to a user: "1 minute", "5 minutes" (rounded up, at least one minute).

export function minutes(ms: number): string {
  const m = Math.max(1, Math.ceil(ms / 60_000));
  return m === 1 ? '1 minute' : `${m} minutes`;
}
