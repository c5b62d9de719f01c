// Introspection for tests (CASA_EMULATOR_RECORD=<file>): what the emulator was started with, so a test can
// assert the environment the envoy set and find the emulator's processes by PID afterwards. The file is
// replaced atomically, so a test polling it never reads half a record.
const fs = require('node:fs');
const path = require('node:path');

/** A record that writes nothing when the variable is unset. */
function openRecord(env, cwd, initial) {
  const target = env.CASA_EMULATOR_RECORD ? path.resolve(cwd, env.CASA_EMULATOR_RECORD) : undefined;
  const content = { ...initial };
  const write = () => {
    if (!target) return;
    const temp = `${target}.${process.pid}.tmp`;
    const fd = fs.openSync(temp, 'w');
    try {
      fs.writeSync(fd, `${JSON.stringify(content, null, 2)}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, target);
  };
  write();
  return {
    update(fields) {
      Object.assign(content, fields);
      write();
    },
  };
}

module.exports = { openRecord };
