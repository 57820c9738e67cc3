/** RFC 3339 in Beijing time, as APIv3 writes times: `2026-12-01T20:15:00+08:00`. */
export function rfc3339Beijing(ms: number): string {
  const shifted = new Date(Math.floor(ms / 1000) * 1000 + 8 * 3600_000).toISOString();
  return `${shifted.slice(0, 19)}+08:00`;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 time strictly (a real calendar moment with an offset); epoch ms or undefined. */
export function parseRfc3339(value: unknown): number | undefined {
  if (typeof value !== 'string' || !RFC3339.test(value)) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 02-30 over to March: compare the wall date back at the given offset.
  const sign = value.endsWith('Z') ? 0 : value.at(-6) === '-' ? -1 : 1;
  const offset = sign * (Number(value.slice(-5, -3)) * 60 + Number(value.slice(-2)));
  const wall = new Date(ms + offset * 60_000).toISOString().slice(0, 19);
  return wall === value.slice(0, 19) ? ms : undefined;
}
