// Number and time formats of the dashboard: units always shown, '–' for no data.

export function fmtPct(x, digits = 1) {
  return x === null || x === undefined ? '–' : `${(x * 100).toFixed(digits)}%`;
}
export function fmtMs(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${Math.round(ms)} ms`;
  return `${ms.toFixed(1)} ms`;
}
export function fmtRate(r) {
  return r === null || r === undefined ? '–' : `${r < 10 ? r.toFixed(1) : Math.round(r)}/s`;
}
export function fmtAgo(at, now) {
  if (!at) return 'never';
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s ago`;
  return `${Math.floor(s / 3600)}h ago`;
}
export function fmtWeight(w) {
  return w >= 1e6 ? w.toExponential(2) : String(w);
}
