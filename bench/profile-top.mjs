// Prints where a CPU profile spent its time: `node bench/profile-top.mjs <file.cpuprofile> [N]`.
// Self time per function (and per package folder), for reading `--cpu-prof` output on a terminal.
import { readFileSync } from 'node:fs';

const [file, limitArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile-top.mjs <file.cpuprofile> [N]');
  process.exit(2);
}
const limit = Number(limitArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const hits = new Map();
for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
const total = profile.samples.length;

/** Where a frame's code lives: a package name, a Fen package, Node itself, or V8/native. */
function owner(url) {
  if (!url) return '(native)';
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const fen = /\/(packages|apps)\/([^/]+)\//.exec(url);
  if (fen) return `fen:${fen[2]}`;
  return url.startsWith('node:') ? 'node' : url;
}

const byFunction = new Map();
const byOwner = new Map();
for (const [id, count] of hits) {
  const { callFrame } = nodes.get(id);
  const where = callFrame.url
    ? `${callFrame.url.split('/').slice(-2).join('/')}:${callFrame.lineNumber + 1}`
    : '';
  const key = `${callFrame.functionName || '(anonymous)'} ${where}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + count);
  const who = owner(callFrame.url);
  byOwner.set(who, (byOwner.get(who) ?? 0) + count);
}
const show = (map, n) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([key, count]) => `${((100 * count) / total).toFixed(1).padStart(5)} %  ${key}`)
    .join('\n');
console.log(
  `${total} samples\n\nby owner\n${show(byOwner, 15)}\n\nby function (self)\n${show(byFunction, limit)}`,
);
