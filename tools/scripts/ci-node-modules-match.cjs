// Exit 0 when ./node_modules holds exactly the packages package-lock.json locks (npm's own record of an
// installed tree, node_modules/.package-lock.json, against the lockfile; optional packages for other
// platforms are absent from both checks' point of view).
const { readFileSync } = require('node:fs');
const read = (file) => JSON.parse(readFileSync(file, 'utf8')).packages;
try {
  const locked = read('package-lock.json');
  const installed = read('node_modules/.package-lock.json');
  delete locked[''];
  const wrong = Object.entries(locked).filter(([path, entry]) => (installed[path] ? installed[path].version !== entry.version : !entry.optional));
  const extra = Object.keys(installed).filter((path) => !locked[path]);
  if (wrong.length + extra.length > 0) {
    console.error(`node_modules differs from package-lock.json: ${[...wrong.map(([path]) => path), ...extra].slice(0, 5).join(', ')}`);
    process.exit(1);
  }
} catch (error) {
  console.error(`node_modules cannot be checked: ${error.message}`);
  process.exit(1);
}
