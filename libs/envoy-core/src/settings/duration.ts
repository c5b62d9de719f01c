import type { Settings } from './settings';

const MS_PER_UNIT = { seconds: 1000, minutes: 60_000 } as const;

/**
 * A number setting that holds a duration, in whole milliseconds (undefined when not set). Fractions are
 * allowed in the setting (`1.5` minutes); the result is rounded because timers count whole milliseconds.
 * Callers passing it to setTimeout must still cap it: Node fires delays above 2^31-1 ms (~24.8 days)
 * at once, so such settings should declare a `max`.
 */
export function durationMs(settings: Settings, key: string, unit: 'seconds' | 'minutes'): number | undefined {
  const value = settings.optionalNumber(key);
  return value === undefined ? undefined : Math.round(value * MS_PER_UNIT[unit]);
}
