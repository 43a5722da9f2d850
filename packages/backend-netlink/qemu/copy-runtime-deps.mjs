// Copy a workspace package and its runtime dependencies (transitively) into a
// node_modules directory: workspace packages as package.json + dist (+ templates),
// third-party packages whole. Type-only packages (@types/*) are left out;
// optional dependencies are copied when installed (native bindings).
//
//   node copy-runtime-deps.mjs REPO_ROOT DEST_NODE_MODULES PACKAGE...
import { cpSync, existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

const [root, dest, ...start] = process.argv.slice(2);
if (!root || !dest || start.length === 0) {
  console.error('usage: copy-runtime-deps.mjs REPO_ROOT DEST_NODE_MODULES PACKAGE...');
  process.exit(2);
}

/** Find `name` the way Node does: node_modules of `from` and its parents. */
function resolveDir(name, from, optional = false) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) {
      if (optional) return undefined;
      throw new Error(`cannot find ${name} from ${from}`);
    }
  }
}

const seen = new Set();
const queue = start.map((name) => ({ name, from: root }));
while (queue.length > 0) {
  const { name, from, optional } = queue.shift();
  if (seen.has(name) || name.startsWith('@types/')) continue;
  const dir = resolveDir(name, from, optional);
  if (dir === undefined) continue; // an optional dependency for another platform
  seen.add(name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const target = join(dest, name);
  if (name.startsWith('@wg-gateway/')) {
    cpSync(join(dir, 'package.json'), join(target, 'package.json'));
    for (const sub of ['dist', 'templates']) {
      if (existsSync(join(dir, sub))) cpSync(join(dir, sub), join(target, sub), { recursive: true });
    }
  } else {
    cpSync(dir, target, { recursive: true, dereference: true });
  }
  for (const dep of Object.keys(pkg.dependencies ?? {})) queue.push({ name: dep, from: dir });
  for (const dep of Object.keys(pkg.optionalDependencies ?? {}))
    queue.push({ name: dep, from: dir, optional: true });
}
console.log(`copied ${seen.size} packages: ${[...seen].join(' ')}`);
