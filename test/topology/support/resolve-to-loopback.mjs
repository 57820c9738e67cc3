// Test-only: loaded with `node --import` into the topology test's server and sandbox processes,
// it makes the made-up public host names of the run resolve to 127.0.0.1, as DNS would point
// them at the machine in production. /etc/hosts is never touched. FEN_TOPOLOGY_DOMAIN names the
// suffix (e.g. `fen-topology.net`): that name and every name under it resolve to loopback;
// every other name goes to the real resolver.
import dns from 'node:dns';

const domain = (process.env.FEN_TOPOLOGY_DOMAIN ?? '').toLowerCase().replace(/^\.+|\.+$/g, '');
if (!domain) throw new Error('resolve-to-loopback.mjs: set FEN_TOPOLOGY_DOMAIN');

const ours = (hostname) => {
  const name = String(hostname).toLowerCase().replace(/\.$/, '');
  return name === domain || name.endsWith(`.${domain}`);
};

/** What lookup answers for one of our names, in the shape the caller asked for. */
function loopback(options) {
  const family = typeof options === 'number' ? options : options?.family;
  const address = family === 6 ? '::1' : '127.0.0.1';
  const answer = { address, family: family === 6 ? 6 : 4 };
  return typeof options === 'object' && options?.all ? [answer] : answer;
}

const realLookup = dns.lookup;
// net and tls (and so node:https and undici) call `dns.lookup` through the module object.
dns.lookup = function lookup(hostname, options, callback) {
  const done = typeof options === 'function' ? options : callback;
  const opts = typeof options === 'function' ? undefined : options;
  if (!ours(hostname)) return realLookup.call(this, hostname, options, callback);
  const answer = loopback(opts);
  process.nextTick(() =>
    Array.isArray(answer) ? done(null, answer) : done(null, answer.address, answer.family),
  );
  return {};
};

const realPromisesLookup = dns.promises.lookup;
dns.promises.lookup = async function lookup(hostname, options) {
  if (!ours(hostname)) return realPromisesLookup.call(this, hostname, options);
  return loopback(options);
};
