// Walks the dependency tree of the given packages and returns the names of those that are ESM-only
// ("type": "module"), so jest can be told to transform exactly them.
const fs = require('node:fs');
const path = require('node:path');

function findPackageJson(name, fromDir) {
  let dir = fromDir;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name, 'package.json');
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function esmPackages(roots, fromDir = path.resolve(__dirname, '../..')) {
  const seen = new Set();
  const esm = new Set();
  const queue = roots.map((name) => ({ name, fromDir }));
  while (queue.length > 0) {
    const { name, fromDir: dir } = queue.shift();
    const file = findPackageJson(name, dir);
    if (!file || seen.has(file)) continue;
    seen.add(file);
    const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (pkg.type === 'module') esm.add(name);
    for (const dep of Object.keys(pkg.dependencies ?? {})) {
      queue.push({ name: dep, fromDir: path.dirname(file) });
    }
  }
  return [...esm].sort();
}

module.exports = { esmPackages };
