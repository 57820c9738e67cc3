// Installing a Debian package the tests need (redis-server, nginx) when its command is missing.
import { outputOf, runInherit } from './run.mjs';

/**
 * Installs `pkg` with apt-get (as root, or with passwordless sudo) unless `isInstalled()` is
 * already true, running `apt-get update` only when the first install fails (a fresh machine has
 * no package lists yet). Throws with `hint` (what the user can do instead) when it cannot.
 * @param {{pkg: string, isInstalled: () => boolean, hint: string, log: (line: string) => void}} options
 */
export async function ensureAptPackage({ pkg, isInstalled, hint, log }) {
  if (isInstalled()) return;
  if (!outputOf('apt-get', ['--version'])) {
    throw new Error(`${pkg} is not installed and there is no apt-get: ${hint}`);
  }
  const asRoot = process.getuid?.() === 0;
  if (!asRoot && !outputOf('sudo', ['-n', 'true'])) {
    throw new Error(`${pkg} is not installed: run \`sudo apt-get install -y ${pkg}\`, or ${hint}`);
  }
  const [command, ...prefix] = asRoot ? ['apt-get'] : ['sudo', '-n', 'apt-get'];
  const apt = (args) =>
    runInherit(command, [...prefix, ...args], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  log(`[fen] ${pkg} is not installed: installing it with apt-get`);
  if ((await apt(['install', '-y', '-q', pkg])) !== 0) {
    if ((await apt(['update', '-q'])) !== 0 || (await apt(['install', '-y', '-q', pkg])) !== 0) {
      throw new Error(`apt-get could not install ${pkg}; ${hint}`);
    }
  }
  if (!isInstalled()) throw new Error(`${pkg} is still not usable after apt-get install`);
}
