// Time stamps in the shapes CASA and its pipeline use. Everything is UTC so that file names do not depend on
// the time zone of the node a test runs on.
const fs = require('node:fs');
const path = require('node:path');

const pad = (n, width = 2) => String(n).padStart(width, '0');

function parts(date) {
  return {
    y: pad(date.getUTCFullYear(), 4),
    mo: pad(date.getUTCMonth() + 1),
    d: pad(date.getUTCDate()),
    h: pad(date.getUTCHours()),
    mi: pad(date.getUTCMinutes()),
    s: pad(date.getUTCSeconds()),
  };
}

/** `2021-05-06 17:35:02`: the time column of a CASA log line. */
function logTime(date = new Date()) {
  const p = parts(date);
  return `${p.y}-${p.mo}-${p.d} ${p.h}:${p.mi}:${p.s}`;
}

/** `20210506-173502`: the stamp in `casa-<stamp>.log`. */
function logFileStamp(date) {
  const p = parts(date);
  return `${p.y}${p.mo}${p.d}-${p.h}${p.mi}${p.s}`;
}

/** `20210506T173502`: the stamp of `pipeline-<stamp>/` and `errorexit-<stamp>.txt`. */
function pipelineStamp(date) {
  const p = parts(date);
  return `${p.y}${p.mo}${p.d}T${p.h}${p.mi}${p.s}`;
}

/**
 * Claims a new file or directory named from a time stamp. When the name is taken (two starts within one
 * second) the next second is tried, as CASA effectively does, so an earlier run's file is never reused.
 * Returns the path and the time the name stands for.
 */
function claimStampedName(dir, makeName, kind, start = new Date()) {
  for (let offset = 0; ; offset += 1) {
    const when = new Date(start.getTime() + offset * 1000);
    const target = path.join(dir, makeName(when));
    try {
      if (kind === 'dir') fs.mkdirSync(target);
      else fs.closeSync(fs.openSync(target, 'wx'));
      return { path: target, time: when };
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

module.exports = { logTime, logFileStamp, pipelineStamp, claimStampedName, sleep };
