// Real gzipped tar files (node-tar), because the envoy extracts and re-packs what CASA leaves behind.
const fs = require('node:fs');
const path = require('node:path');
const tar = require('tar');

/** Writes `file` as a gzipped tar of `entries` (paths relative to `cwd`). */
function writeTgz(file, cwd, entries) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  tar.create({ gzip: true, file, cwd, sync: true, portable: true }, entries);
  return file;
}

module.exports = { writeTgz };
