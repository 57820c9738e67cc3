/**
 * One line of deploy/nginx/fen.conf's `fen_upstream` access log:
 * `time client "METHOD /path" status upstream=a[, b] upstream_status=s[, s2] request_time=t`.
 * When nginx moved a request on to the next instance, the upstream fields list each try.
 */
const LINE =
  /^(\S+) (\S+) "(\S+) (\S+)" (\d{3}) upstream=(.*) upstream_status=(.*) request_time=(\S+)$/;

export interface UpstreamTraffic {
  requests: number;
  /** Requests nginx sent to a second instance after the first failed: clients never saw it. */
  retried: number;
  /** What the first instance did in those: an upstream status (502 = refused, 504 = timeout). */
  retriedAfter: Record<string, number>;
  /** Answers of 500 or more that went out to clients. */
  serverErrors: number;
  /** Every instance that answered. */
  upstreams: Set<string>;
  /** Lines that did not parse (must be none: the format is ours). */
  unparsed: string[];
}

export function readUpstreamLog(
  lines: string[],
  only: { from?: string; path?: string } = {},
): UpstreamTraffic {
  const traffic: UpstreamTraffic = {
    requests: 0,
    retried: 0,
    retriedAfter: {},
    serverErrors: 0,
    upstreams: new Set(),
    unparsed: [],
  };
  for (const line of lines) {
    const match = LINE.exec(line);
    if (!match) {
      traffic.unparsed.push(line);
      continue;
    }
    const [, , client, , path, status, upstream = '', upstreamStatus = ''] = match;
    if (only.from && client !== only.from) continue;
    if (only.path && path !== only.path) continue;
    traffic.requests += 1;
    if (Number(status) >= 500) traffic.serverErrors += 1;
    const tried = upstream.split(', ');
    for (const address of tried) traffic.upstreams.add(address);
    const statuses = upstreamStatus.split(', ');
    if (statuses.length > 1) {
      traffic.retried += 1;
      for (const first of statuses.slice(0, -1)) {
        traffic.retriedAfter[first] = (traffic.retriedAfter[first] ?? 0) + 1;
      }
    }
  }
  return traffic;
}
