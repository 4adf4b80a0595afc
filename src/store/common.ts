import { randomInt } from 'node:crypto';
import type { Json, RangeQuery } from './contract.ts';

// Small pieces both backends share, so they behave the same where the contract leaves choices.

/**
 * A fresh version for a write. Random rather than a counter so that a key that is deleted and
 * created again never repeats a version a caller may still hold (no ABA for compareAndSet).
 */
export function newVersion(): number {
  return randomInt(1, 2 ** 48);
}

/** The limit of a range query: default 100, at most 1000; anything else is a caller bug. */
export function rangeLimit(query: RangeQuery): number {
  const limit = query.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`range limit must be a whole number from 1 to 1000, got ${String(limit)}`);
  }
  return Math.min(limit, 1000);
}

/** TTLs are whole milliseconds above zero; a bad one would silently make a key immortal or dead. */
export function checkTtl(ttlMs: number | undefined): number | undefined {
  if (ttlMs === undefined) return undefined;
  if (!Number.isInteger(ttlMs) || ttlMs < 1) {
    throw new RangeError(`ttlMs must be a whole number of milliseconds above 0, got ${String(ttlMs)}`);
  }
  return ttlMs;
}

export function checkIncrement(by: number): number {
  if (!Number.isFinite(by)) throw new RangeError(`increment must be a finite number, got ${String(by)}`);
  return by;
}

/** Serialises a value, refusing what JSON cannot carry back (undefined, functions, NaN stays null). */
export function encode(value: Json): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('store values must be JSON (got undefined or a function)');
  return text;
}

export function decode<T extends Json>(text: string): T {
  return JSON.parse(text) as T;
}

/** Whether an event's data matches a range query's `where` (top-level string fields, exactly). */
export function matchesWhere(data: Json, where: RangeQuery['where']): boolean {
  if (!where) return true;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return false;
  return Object.entries(where).every(([field, value]) => data[field] === value);
}

/** Field names of `where` go into SQL JSON paths: letters, digits and "_" only. */
export function checkWhere(where: RangeQuery['where']): [string, string][] {
  const entries = Object.entries(where ?? {});
  for (const [field, value] of entries) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(field))
      throw new RangeError(`range where: bad field name ${JSON.stringify(field)}`);
    if (typeof value !== 'string') throw new RangeError(`range where.${field}: expected a string, got ${typeof value}`);
  }
  return entries;
}
