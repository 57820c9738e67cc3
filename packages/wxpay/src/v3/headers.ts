/**
 * Request or reply headers as the caller has them: Node's `IncomingHttpHeaders`, a plain record,
 * or a fetch/undici `Headers` object.
 */
export type HeaderSource =
  Record<string, string | string[] | undefined> | { get(name: string): string | null };

/** The value of header `name`, looked up case-insensitively; the first one if repeated. */
export function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (typeof headers.get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (key.toLowerCase() !== wanted) continue;
    const first = Array.isArray(value) ? (value[0] as unknown) : value;
    return typeof first === 'string' ? first : undefined;
  }
  return undefined;
}
