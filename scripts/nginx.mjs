// nginx in front of Fen: the shipped config (deploy/nginx/fen.conf) filled in, and an nginx of
// its own for the topology test (its prefix, pid, logs and temp files in one folder).
//
//   node scripts/nginx.mjs --install     only make sure nginx is installed (apt-get)
//   node scripts/nginx.mjs render --server-name shop.example.com --listen 443 \
//     --cert /etc/ssl/fen/fullchain.pem --key /etc/ssl/fen/privkey.pem \
//     --upstream 127.0.0.1:3000 --upstream 127.0.0.1:3001 \
//     [--access-log /var/log/nginx/fen.access.log]      print deploy/nginx/fen.conf filled in
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureAptPackage } from './apt.mjs';
import { spawnOwned, waitUntil } from './children.mjs';
import { runIfMain } from './cli.mjs';
import { repoRoot } from './paths.mjs';
import { outputOf } from './run.mjs';
import { tcpCheck } from './tcp.mjs';

/** The config the go-live guide ships and the topology test runs. */
export const FEN_CONF = join(repoRoot, 'deploy/nginx/fen.conf');

/** What each instance's `server` line says (deploy/nginx/fen.conf explains why). */
const UPSTREAM_PARAMETERS = 'max_fails=1 fail_timeout=2s';

// Debian installs nginx in /usr/sbin, which is not on a normal user's PATH.
const CANDIDATES = ['nginx', '/usr/sbin/nginx', '/usr/local/sbin/nginx'];

/**
 * The nginx binary, or undefined when there is none.
 * @returns {string | undefined}
 */
export function nginxBinary() {
  return CANDIDATES.find((command) => outputOf(command, ['-v']) !== undefined);
}

/**
 * Installs nginx (Debian package `nginx`) when it is missing; returns the binary.
 * @param {(line: string) => void} log
 * @returns {Promise<string>}
 */
export async function ensureNginxInstalled(log) {
  await ensureAptPackage({
    pkg: 'nginx',
    isInstalled: () => nginxBinary() !== undefined,
    hint: 'install nginx yourself (Debian/Ubuntu: the `nginx` package)',
    log,
  });
  return /** @type {string} */ (nginxBinary());
}

/**
 * @typedef {object} FenConfValues
 * @property {string} serverName the public host name (`server_name`)
 * @property {string} listen what nginx listens on for HTTPS: `443`, or `127.0.0.1:8443`
 * @property {string} cert the certificate chain (PEM) for serverName
 * @property {string} key its private key (PEM)
 * @property {string[]} upstreams the server instances, `host:port` each
 * @property {string} [accessLog] default /var/log/nginx/fen.access.log
 */

/**
 * deploy/nginx/fen.conf with its `${FEN_…}` placeholders filled in; nginx's own `$variables`
 * are left alone. Throws on a placeholder it does not know.
 * @param {FenConfValues} values
 * @returns {string}
 */
export function renderFenConf(values) {
  if (values.upstreams.length === 0) throw new Error('at least one upstream is needed');
  /** @type {Record<string, string>} */
  const fill = {
    FEN_SERVER_NAME: values.serverName,
    FEN_LISTEN: values.listen,
    FEN_TLS_CERT: values.cert,
    FEN_TLS_KEY: values.key,
    FEN_ACCESS_LOG: values.accessLog ?? '/var/log/nginx/fen.access.log',
    FEN_UPSTREAM_SERVERS: values.upstreams
      .map((address) => `    server ${address} ${UPSTREAM_PARAMETERS};`)
      .join('\n'),
  };
  for (const [name, value] of Object.entries(fill)) {
    // A value is one nginx token (or, for the upstreams, whole lines we wrote).
    if (name !== 'FEN_UPSTREAM_SERVERS' && !/^[^\s;{}'"$#]+$/.test(value)) {
      throw new Error(`${name}: "${value}" is not a plain nginx value`);
    }
  }
  return readFileSync(FEN_CONF, 'utf8').replace(/\$\{(FEN_[A-Z_]+)\}/g, (_, name) => {
    const value = fill[name];
    if (value === undefined) throw new Error(`deploy/nginx/fen.conf: unknown placeholder ${name}`);
    return value;
  });
}

/**
 * @typedef {object} NginxHandle
 * @property {string} accessLog the access log (format fen_upstream)
 * @property {string} errorLog
 * @property {() => string[]} accessLines every line of the access log so far
 * @property {() => Promise<void>} stop graceful stop (SIGQUIT), then SIGKILL; resolves once gone
 */

/**
 * Runs nginx in the foreground with everything in `dir` (config, pid, logs, temp files), serving
 * fen.conf rendered with `values` (its access log in `dir` too). Resolves once `listen`'s port
 * accepts connections. Root is fine: the workers only need the temp folders, made writable.
 * @param {{binary: string, dir: string, values: Omit<FenConfValues, 'accessLog'>}} options
 * @returns {Promise<NginxHandle>}
 */
export async function startNginx({ binary, dir, values }) {
  const accessLog = join(dir, 'fen.access.log');
  const errorLog = join(dir, 'error.log');
  const temp = join(dir, 'temp');
  for (const name of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    mkdirSync(join(temp, name), { recursive: true });
    chmodSync(join(temp, name), 0o777);
  }
  chmodSync(dir, 0o755);
  chmodSync(temp, 0o755);
  writeFileSync(join(dir, 'fen.conf'), renderFenConf({ ...values, accessLog }));
  const mainConf = join(dir, 'nginx.conf');
  // The part of /etc/nginx/nginx.conf that fen.conf relies on, with every path in `dir`.
  writeFileSync(
    mainConf,
    `worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${errorLog} warn;
events { worker_connections 1024; }
http {
    client_body_temp_path ${join(temp, 'body')};
    proxy_temp_path ${join(temp, 'proxy')};
    fastcgi_temp_path ${join(temp, 'fastcgi')};
    uwsgi_temp_path ${join(temp, 'uwsgi')};
    scgi_temp_path ${join(temp, 'scgi')};
    access_log off;
    include ${join(dir, 'fen.conf')};
}
`,
  );
  const args = ['-p', dir, '-e', errorLog, '-c', mainConf];
  const check = spawnSync(binary, [...args, '-t'], { encoding: 'utf8', timeout: 30_000 });
  if (check.status !== 0) {
    throw new Error(`nginx -t refused the config:\n${check.stderr || check.error?.message}`);
  }
  const nginx = spawnOwned(binary, [...args, '-g', 'daemon off;']);
  const [host, port] = splitListen(values.listen);
  try {
    await waitUntil(() => tcpCheck(host, port), {
      what: `nginx on ${host}:${port}`,
      timeoutMs: 15_000,
      failed: () => (nginx.exited() ? `it exited:\n${nginx.output()}` : undefined),
    });
  } catch (error) {
    await nginx.stop();
    throw error;
  }
  return {
    accessLog,
    errorLog,
    accessLines: () =>
      existsSync(accessLog) ? readFileSync(accessLog, 'utf8').split('\n').filter(Boolean) : [],
    stop: () =>
      new Promise((resolve) => {
        if (nginx.exited()) return resolve();
        // SIGQUIT: nginx's graceful stop (requests in flight finish); SIGKILL after 10 s.
        const timer = setTimeout(() => nginx.child.kill('SIGKILL'), 10_000);
        nginx.child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        nginx.child.kill('SIGQUIT');
      }),
  };
}

/**
 * `listen`'s host and port: `443` → 127.0.0.1:443, `127.0.0.1:8443` → as given.
 * @param {string} listen
 * @returns {[string, number]}
 */
function splitListen(listen) {
  const match = /^(?:(.+):)?(\d+)$/.exec(listen);
  if (!match) throw new Error(`listen: expected [host:]port, got "${listen}"`);
  return [match[1] ?? '127.0.0.1', Number(match[2])];
}

async function main() {
  if (process.argv.includes('--install')) {
    await ensureNginxInstalled((line) => console.error(line));
    return;
  }
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      'server-name': { type: 'string' },
      listen: { type: 'string', default: '443' },
      cert: { type: 'string' },
      key: { type: 'string' },
      upstream: { type: 'string', multiple: true },
      'access-log': { type: 'string' },
    },
  });
  if (positionals[0] !== 'render') {
    throw new Error(
      'usage: node scripts/nginx.mjs --install | render --server-name … (see the top of scripts/nginx.mjs)',
    );
  }
  const missing = ['server-name', 'cert', 'key', 'upstream'].filter((name) => !values[name]);
  if (missing.length > 0) throw new Error(`render needs --${missing.join(', --')}`);
  process.stdout.write(
    renderFenConf({
      serverName: /** @type {string} */ (values['server-name']),
      listen: /** @type {string} */ (values.listen),
      cert: /** @type {string} */ (values.cert),
      key: /** @type {string} */ (values.key),
      upstreams: /** @type {string[]} */ (values.upstream),
      ...(values['access-log'] ? { accessLog: values['access-log'] } : {}),
    }),
  );
}

runIfMain(import.meta.url, main);
