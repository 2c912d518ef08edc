/** "12 s", "4 min", "3 h", "2 d": how long ago or how long, for people. */
export function durationText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} d`;
}

export function agoText(at: number, now = Date.now()): string {
  return now - at < 5000 ? 'just now' : `${durationText(now - at)} ago`;
}
