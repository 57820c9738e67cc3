// The processes a bench run starts: each writes its output to a log file (not through a pipe
// this process would have to read while it generates load), and every one is stopped at the
// end — also on Ctrl-C, SIGTERM or a failure.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stopChild } from '@fen/scripts/children.mjs';

const running = new Set();
const cleanups = [];

// Backstop for exits that skip the graceful path (process.exit, an uncaught error).
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts `command args` with output to `<logDir>/<name>.log`; with `ipc`, the child may send
 * messages (`child.on('message')`). Returns `{child, name, logFile, tail(), stop()}`.
 */
export function startProcess(name, command, args, { env, cwd, logDir, ipc = false }) {
  const logFile = join(logDir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, {
    cwd,
    env,
    stdio: ['ignore', fd, fd, ...(ipc ? ['ipc'] : [])],
  });
  closeSync(fd);
  running.add(child);
  child.once('exit', () => running.delete(child));
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  return {
    name,
    child,
    logFile,
    exited,
    /** The last lines of its log, for error messages. */
    tail(lines = 30) {
      try {
        return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
    /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
    stop: (graceMs = 10_000) => stopChild(child, graceMs),
  };
}

/** Registers something to undo at the end; run newest first by {@link cleanUp}. */
export function onCleanUp(fn) {
  cleanups.push(fn);
}

let cleaning;
/** Runs every registered clean-up once, newest first, reporting (not throwing) failures. */
export function cleanUp() {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const fn = cleanups.pop();
      try {
        await fn();
      } catch (err) {
        console.error(`[bench] clean-up failed: ${err.message}`);
      }
    }
  })();
  return cleaning;
}

/** On the first Ctrl-C / SIGTERM: clean up and exit 130; later signals are ignored. */
export function cleanUpOnSignal() {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      console.error(`\n[bench] ${signal}: stopping everything started…`);
      cleanUp().finally(() => process.exit(130));
    });
  }
}

/** Resolves with the first IPC message of `proc`; rejects if it exits first or after `timeoutMs`. */
export function firstMessage(proc, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${proc.name}: no message within ${timeoutMs} ms\n${proc.tail()}`)),
      timeoutMs,
    );
    proc.child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message);
    });
    proc.child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${proc.name} exited (${signal ?? code}):\n${proc.tail()}`));
    });
  });
}

/** Polls `url` until it answers 2xx; fails when `proc` exits or after `timeoutMs`. */
export async function waitHealthy(proc, url, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exited()) throw new Error(`${proc.name} exited:\n${proc.tail()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${proc.name}: ${url} not healthy:\n${proc.tail()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Samples the resident memory of `pid` (VmRSS, and the kernel's peak VmHWM) every `everyMs`.
 * `mark()` starts a new window and returns the previous window's peak; `stop()` returns
 * `{peakRssMb, hwmMb}` over the whole run.
 */
export function sampleRss(pid, everyMs = 100) {
  const read = () => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
      return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
    } catch {
      return undefined;
    }
  };
  let windowPeak = 0;
  let overallPeak = 0;
  let last;
  const tick = () => {
    const now = read();
    if (!now) return;
    last = now;
    windowPeak = Math.max(windowPeak, now.rss);
    overallPeak = Math.max(overallPeak, now.rss);
  };
  tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  const mb = (kb) => Math.round((kb / 1024) * 10) / 10;
  return {
    mark() {
      tick();
      const peak = windowPeak;
      windowPeak = last?.rss ?? 0;
      return mb(peak);
    },
    stop() {
      tick();
      clearInterval(timer);
      return { peakRssMb: mb(overallPeak), hwmMb: last ? mb(last.hwm) : undefined };
    },
  };
}
