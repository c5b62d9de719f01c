// The pipeline's weblog: `working/pipeline-<YYYYMMDDTHHMMSS>/html/`, created when the pipeline context is
// created and re-rendered after every stage, so a run that fails half way leaves a half weblog, as the
// real one does.
const fs = require('node:fs');
const path = require('node:path');
const { pipelineStamp, claimStampedName } = require('./time.cjs');
const { PNG } = require('./fits.cjs');

const escapeHtml = (text) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

function page(title, body) {
  return `<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>\n<body>\n${body}\n</body>\n</html>\n`;
}

/** Creates the weblog directory; returns { dir, name, htmlDir, render(stages, state) }. */
function createWeblog(workingDir, ppr) {
  const { path: dir, time } = claimStampedName(workingDir, (when) => `pipeline-${pipelineStamp(when)}`, 'dir');
  const htmlDir = path.join(dir, 'html');
  fs.mkdirSync(path.join(htmlDir, 'stage1'), { recursive: true });
  const started = time.toISOString();
  return {
    dir,
    name: path.basename(dir),
    htmlDir,
    /** `stages`: [{ name, status }] of the stages run so far; `state`: running | completed | failed. */
    render(stages, state) {
      const rows = stages.map((s, i) => `<tr><td>${i + 1}</td><td><a href="t2-4m.html?sidebar=sidebar_stage${i + 1}">${escapeHtml(s.name)}</a></td><td>${s.status}</td></tr>`);
      fs.writeFileSync(path.join(htmlDir, 'index.html'), page('Pipeline weblog', `<h1>${escapeHtml(ppr.procedureTitle)}</h1>\n<p>Pipeline run started ${started}: ${state}</p>\n<p><a href="t1-1.html">Overview</a> | <a href="t1-4.html">By task</a></p>`));
      fs.writeFileSync(path.join(htmlDir, 't1-1.html'), page('Overview', `<h2>Observation overview</h2>\n<ul>${ppr.sdmIdentifiers.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>`));
      fs.writeFileSync(path.join(htmlDir, 't1-4.html'), page('Task summary', `<table>\n${rows.join('\n')}\n</table>`));
      fs.writeFileSync(path.join(htmlDir, 'stage1', 'summary.png'), PNG);
    },
  };
}

module.exports = { createWeblog };
