// One autocannon run against 127.0.0.1, summarised the same way for every case.
import autocannon from 'autocannon';
import { onCleanUp } from './processes.mjs';

let current;
onCleanUp(() => {
  if (typeof current?.stop === 'function') current.stop();
});

/**
 * Runs autocannon with `options` (100 connections unless given) and returns
 * `{requests, seconds, rps, p50, p99, non2xx, errors, timeouts, mismatches}` (latency in ms).
 * `next()` in a request's setupRequest hands out prepared bodies.
 */
export function fire(options) {
  const url = new URL(options.url);
  if (url.hostname !== '127.0.0.1') throw new Error(`load targets 127.0.0.1 only, not ${url.host}`);
  return new Promise((resolve, reject) => {
    current = autocannon({ connections: 100, ...options }, (err, result) => {
      current = undefined;
      if (err) return reject(err);
      const seconds = (result.finish.getTime() - result.start.getTime()) / 1000;
      const requests = result.requests.total;
      resolve({
        requests,
        seconds: round(seconds, 2),
        rps: Math.round(requests / seconds),
        p50: result.latency.p50,
        p99: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        mismatches: result.mismatches,
        statusCodes: result.statusCodeStats,
      });
    });
  });
}

/**
 * A setupRequest that gives each request the next of `bodies`. Running out is not thrown from
 * inside autocannon: the last body is repeated and `exhausted()` says so, for the caller to fail.
 */
export function bodiesFrom(bodies) {
  let i = 0;
  return {
    setupRequest(request) {
      request.body = bodies[Math.min(i, bodies.length - 1)];
      i += 1;
      return request;
    },
    exhausted: () => i > bodies.length,
  };
}

const round = (value, digits) => Math.round(value * 10 ** digits) / 10 ** digits;
