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
