// The printed tables and the targets, from one run's results.
import { cpus, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';

/** What the figures were measured on. */
export function machine() {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // not Linux
  }
  return {
    nproc: cpus().length,
    cpu,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: loadavg().map((v) => Math.round(v * 100) / 100),
  };
}

const fmt = (n) => (n === undefined ? '—' : Math.round(n).toLocaleString('en-US'));
const round2 = (value) => Math.round(value * 100) / 100;

/**
 * How many times `a` is `b`, from rounds measured back to back: the median of the per-round
 * ratios, which load that comes and goes between rounds disturbs far less than a ratio of medians.
 */
export function roundRatio(a, b) {
  if (!a || !b) return undefined;
  const ratios = a.rounds.map((value, i) => value / b.rounds[i]).sort((x, y) => x - y);
  const mid = ratios.length >> 1;
  return ratios.length % 2 === 1 ? ratios[mid] : (ratios[mid - 1] + ratios[mid]) / 2;
}
const ratio = (a, b) => {
  const value = roundRatio(a, b);
  return value === undefined ? '—' : String(round2(value));
};

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells
      .map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i])))
      .join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The codec table: ops/s per contender and its ratio to Fen and to the md5 floor. */
export function codecTable(codec) {
  const rows = [];
  for (const c of codec) {
    const fen = c.results.fen;
    const floor = c.results['md5 floor'];
    for (const [name, r] of Object.entries(c.results)) {
      rows.push([
        name === 'fen' ? c.case : '',
        name,
        fmt(r.opsPerSec),
        name === 'fen' ? '1.00' : ratio(fen, r),
        floor ? ratio(r, floor) : '—',
      ]);
    }
  }
  return table(['case', 'contender', 'ops/s', 'fen ×', '× floor'], rows);
}

/** The HTTP table: requests/s, p50/p99 and Fen's share of the ceiling. */
export function httpTable(http) {
  const rows = [];
  for (const c of http.cases) {
    for (const [name, r] of [
      ['fen', c.fen],
      [c.ceilingName, c.ceiling],
    ]) {
      rows.push([
        name === 'fen' ? c.case : '',
        name,
        fmt(r.requests),
        fmt(r.rps),
        r.p50,
        r.p99,
        name === 'fen' ? `${Math.round((c.fen.rps / c.ceiling.rps) * 100)} %` : '100 %',
        r.errors,
        name === 'fen' ? `${r.peakRssMb}` : '',
      ]);
    }
  }
  return table(
    ['case', 'side', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'of ceiling', 'errors', 'RSS MB'],
    rows,
  );
}

/** Each target, measured value and verdict. */
export function targets(results) {
  const out = [];
  const codec = Object.fromEntries((results.codec ?? []).map((c) => [c.case, c.results]));
  const parse = Object.entries(codec).find(([name]) => name.startsWith('parse'))?.[1];
  if (parse) {
    const slowest = Math.min(
      roundRatio(parse.fen, parse.tenpay),
      roundRatio(parse.fen, parse['wechatpay-axios-plugin']),
    );
    out.push(target('codec: parse+verify ≥ 2× the faster peer', slowest, 2));
  }
  const sign = Object.entries(codec).find(([name]) => name.startsWith('V2 sign'))?.[1];
  if (sign) {
    out.push(
      target('codec: sign ≥ 0.8× the md5 floor', roundRatio(sign.fen, sign['md5 floor']), 0.8),
    );
  }
  for (const c of results.http?.cases ?? []) {
    const min = c.case.startsWith('POST /wxpay/notify') ? 0.8 : 0.7;
    out.push(
      target(
        `http: ${c.case.split(' (')[0]} ≥ ${min * 100} % of its ceiling`,
        c.fen.rps / c.ceiling.rps,
        min,
      ),
    );
  }
  if (results.http) {
    const peak = Math.max(
      results.http.serverMemory.peakRssMb,
      results.http.serverMemory.hwmMb ?? 0,
    );
    out.push({ name: 'http: server peak RSS ≤ 150 MB', value: peak, met: peak <= 150 });
  }
  return out;
}

function target(name, value, min) {
  return { name, value: Math.round(value * 100) / 100, met: value >= min };
}

export function targetsTable(list) {
  return table(
    ['target', 'measured', 'met'],
    list.map((t) => [t.name, t.value, t.met ? 'yes' : 'NO']),
  );
}
