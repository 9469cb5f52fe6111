import ms from 'ms';

/**
 * Parse a duration such as `250ms`, `2s`, `1.5m`, `1h`; a bare number is milliseconds.
 * Returns the duration in ms, or a reason it does not parse (for validation messages).
 */
export function parseDurationMs(value: string): number | string {
  const v = value.trim();
  if (v === '') return 'must not be empty';
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  if (!/^\d+(\.\d+)?\s*(ms|s|m|h)$/.test(v)) return 'must be a duration such as 250ms, 2s or 1m';
  const out = ms(v as ms.StringValue);
  return Number.isFinite(out) ? out : 'must be a duration such as 250ms, 2s or 1m';
}
