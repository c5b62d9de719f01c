import { dirname, isAbsolute, relative } from 'node:path';
import { shellQuote } from '../../run/shell-quote';
import type { Finding } from '../finding';
import type { FileRecord, RunReport } from '../report';
import { STATUS_COLOURS, stagesChart, stepsChart } from './charts';
import { bytes, duration, escapeHtml as h, hrefTo, utc } from './html';
import { exitMeaning, outcomeOf } from './outcome';
import { STYLE } from './style';

export interface RunPageInput {
  /** The report as written (secrets already removed). */
  readonly report: RunReport;
  /** Where the page is written: links are relative to its directory. */
  readonly pagePath: string;
  /** The JSON report it was made from. */
  readonly reportPath: string;
  /** The live status file, if the run kept one. */
  readonly statusPath?: string;
  readonly host?: string;
}

const DETAILS_MAX = 100_000;
const OUTCOME_TEXT = { succeeded: 'Succeeded', failed: 'Failed', stopped: 'Stopped' } as const;
const OUTCOME_MARK = { succeeded: '✔', failed: '✘', stopped: '■' } as const;

/**
 * The run page (`<envoy>-report.html`): one self-contained HTML file that shows a person what the run did
 * and why it failed, without reading logs: outcome, the steps on a time line, the external system's stages
 * as a picture, the exact launch command and environment, every finding among its log lines, and links to
 * the logs, the external system's own report and the products. It loads nothing (a Content-Security-Policy
 * forbids it) and has no script: it reads the same with scripts disabled, from a file or a web server.
 */
export function renderRunPage(input: RunPageInput): string {
  const { report } = input;
  const pageDir = dirname(input.pagePath);
  const link = (path: string, text = shown(report.workDirectory, path)) => `<a href="${h(hrefTo(pageDir, path))}">${h(text)}</a>`;
  const outcome = outcomeOf(report);
  const title = `${report.envoy} ${report.mode}: ${OUTCOME_TEXT[outcome].toLowerCase()}`;
  const sections = [
    banner(report),
    notesSection(report),
    facts(report, input.host),
    report.findings.length > 0 ? findingsSection(report.findings, link) : errorDetails(report),
    report.stages && report.stages.length > 0 ? stagesSection(report) : '',
    stepsSection(report),
    report.launch ? launchSection(report, link) : '',
    filesSection(report, input, link),
    settingsSection(report),
    detailsSection(report),
  ];
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${h(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    `<body><main>`,
    ...sections.filter((section) => section !== ''),
    `<footer>Written by ${h(report.envoy)} ${h(report.version)} from ${link(input.reportPath)}. Run ${h(report.runId)}.</footer>`,
    '</main></body>',
    '</html>',
    '',
  ].join('\n');
}

/** A path as a person wants to read it: relative to the work directory when inside it. */
function shown(workDir: string, path: string): string {
  if (!isAbsolute(path)) return path;
  const inside = relative(workDir, path);
  return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside : path;
}

function banner(report: RunReport): string {
  const outcome = outcomeOf(report);
  const headline =
    outcome === 'stopped'
      ? `${OUTCOME_MARK[outcome]} Stopped by ${report.signal} (exit ${report.exitCode})`
      : `${OUTCOME_MARK[outcome]} ${OUTCOME_TEXT[outcome]} (exit ${report.exitCode}: ${exitMeaning(report.exitCode)})`;
  const why = report.error ? `<div class="why">${h(report.error.message)}</div>` : '';
  return `<header class="banner ${outcome}" id="outcome"><div class="outcome">${h(headline)}</div>${why}</header>`;
}

function notesSection(report: RunReport): string {
  const notes = report.notes ?? [];
  if (notes.length === 0) return '';
  return `<ul class="notes" id="notes">${notes.map((note) => `<li>${h(note)}</li>`).join('')}</ul>`;
}

function facts(report: RunReport, host: string | undefined): string {
  const took = Date.parse(report.finishedAt) - Date.parse(report.startedAt);
  const rows: [string, string][] = [
    ['Envoy', `${report.envoy} ${report.version}, mode ${report.mode}${report.dryRun ? ' (dry run)' : ''}`],
    ['Started', utc(report.startedAt)],
    ['Finished', `${utc(report.finishedAt)}${Number.isFinite(took) ? ` (took ${duration(took)})` : ''}`],
    ['Work directory', report.workDirectory],
    ...(host ? [['Host', host] as [string, string]] : []),
    ['Command line', shellQuote([report.envoy, ...report.commandLine])],
    ['Run id', report.runId],
  ];
  return `<h1>${h(report.envoy)} ${h(report.mode)}</h1>\n<dl class="facts">${rows.map(([k, v]) => `<dt>${h(k)}</dt><dd>${h(v)}</dd>`).join('')}</dl>`;
}

function errorDetails(report: RunReport): string {
  if (!report.error || report.error.details.length === 0) return '';
  return `<h2 id="why">Why</h2>\n<pre>${h(report.error.details.slice(0, 50).join('\n'))}</pre>`;
}

function contextBlock(finding: Finding): string {
  const { context, line } = finding;
  if (!context || line === null) return `<pre class="context"><span class="l hit">${h(finding.text)}</span></pre>`;
  const first = line - context.before.length;
  const width = String(line + context.after.length).length;
  const row = (n: number, text: string, hit: boolean) =>
    `<span class="l${hit ? ' hit' : ''}"><span class="n">${String(n).padStart(width)} </span>${h(text)}</span>`;
  return `<pre class="context">${[
    ...context.before.map((text, i) => row(first + i, text, false)),
    row(line, finding.text, true),
    ...context.after.map((text, i) => row(line + 1 + i, text, false)),
  ].join('')}</pre>`;
}

function findingsSection(findings: readonly Finding[], link: (path: string, text?: string) => string): string {
  const cards = findings.map((finding, i) => {
    const where = finding.line === null ? link(finding.file) : `${link(finding.file)}, line ${finding.line}`;
    return `<section class="finding" id="finding-${i + 1}" data-rule="${h(finding.rule)}"><h3>${h(finding.rule)}</h3><div class="where">${where}</div>${contextBlock(finding)}</section>`;
  });
  return `<h2 id="findings">Findings (${findings.length})</h2>\n<p class="muted">Evidence that the external system failed, each among the log lines around it.</p>\n${cards.join('\n')}`;
}

function legend(statuses: readonly string[]): string {
  return `<div class="legend">${statuses.map((status) => `<span><i style="background:${STATUS_COLOURS[status] ?? '#616161'}"></i>${h(status === 'pending' ? 'not reached' : status)}</span>`).join('')}</div>`;
}

function stagesSection(report: RunReport): string {
  const stages = report.stages ?? [];
  const done = stages.filter((stage) => stage.status !== 'pending' && stage.status !== 'skipped').length;
  const skipped = stages.filter((stage) => stage.status === 'skipped').length;
  const failed = stages.find((stage) => stage.status === 'failed' || stage.status === 'stopped');
  const summary = failed
    ? `Stage ${failed.index} of ${stages.length}, ${failed.task}, ${failed.status}.`
    : `${done} of ${stages.length} stages ran${skipped > 0 ? `, ${skipped} skipped` : ''}.`;
  const startedAt = report.steps.find((step) => step.name === 'launch')?.startedAt;
  const present = [...new Set(stages.map((stage) => stage.status))];
  return `<h2 id="stages">Stages</h2>\n<p>${h(summary)}</p>\n${legend(present)}\n${stagesChart(stages, startedAt, report.finishedAt)}`;
}

function stepsSection(report: RunReport): string {
  if (report.steps.length === 0) return '';
  const start = Date.parse(report.startedAt);
  const rows = report.steps.map((step) => {
    const offset = step.startedAt ? Date.parse(step.startedAt) - start : undefined;
    return `<tr data-step="${h(step.name)}"><td>${h(step.name)}</td><td class="status ${h(step.status)}">${h(step.status)}</td><td class="num">${offset === undefined ? '' : `+${h(duration(offset))}`}</td><td class="num">${h(duration(step.durationMs))}</td><td>${h(step.detail)}</td></tr>`;
  });
  const present = [...new Set(report.steps.map((step) => step.status))];
  return `<h2 id="steps">Steps</h2>\n${legend(present)}\n${stepsChart(report.steps, report.startedAt, report.finishedAt)}\n<table><thead><tr><th>step</th><th>status</th><th>at</th><th>took</th><th>detail</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function launchSection(report: RunReport, link: (path: string, text?: string) => string): string {
  const launch = report.launch;
  if (!launch) return '';
  const env = Object.entries(launch.env);
  const ended = launch.signal ? `ended by ${launch.signal}` : `exited with status ${launch.exitCode}`;
  const notes = [launch.timedOut ? 'ran past its time limit' : '', launch.stoppedBy ? `stopped by the envoy (${launch.stoppedBy})` : ''].filter((note) => note !== '');
  return [
    '<h2 id="launch">Launch</h2>',
    '<p>The exact command, run without a shell, in its own process group:</p>',
    `<pre class="command">${h(shellQuote(launch.argv))}</pre>`,
    '<dl class="facts">',
    `<dt>Directory</dt><dd>${h(launch.cwd)}</dd>`,
    `<dt>Process</dt><dd>pid ${h(String(launch.pid ?? ''))}, ${h(ended)} after ${h(duration(launch.durationMs))}${notes.length > 0 ? `; ${h(notes.join('; '))}` : ''}</dd>`,
    launch.outputLog ? `<dt>Output</dt><dd>${link(launch.outputLog)}</dd>` : '',
    '</dl>',
    '<h3>Environment set by the envoy</h3>',
    env.length > 0
      ? `<table class="env"><tbody>${env.map(([name, value]) => `<tr><td class="mono">${h(name)}</td><td class="mono">${h(value)}</td></tr>`).join('')}</tbody></table>`
      : '<p class="muted">none: the envoy\'s own environment</p>',
    launch.unsetEnv.length > 0 ? `<p>Removed: <span class="mono">${h(launch.unsetEnv.join(' '))}</span></p>` : '',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

const ROLE_TEXT: Readonly<Record<FileRecord['role'], string>> = { log: 'log', weblog: 'weblog', product: 'product', output: 'output' };

function filesSection(report: RunReport, input: RunPageInput, link: (path: string, text?: string) => string): string {
  const files: FileRecord[] = [
    ...(report.files ?? []),
    ...(report.launch?.outputLog ? [{ role: 'output' as const, path: report.launch.outputLog, label: 'the external system\'s output' }] : []),
    { role: 'output', path: input.reportPath, label: 'the run report (JSON)' },
    ...(input.statusPath ? [{ role: 'output' as const, path: input.statusPath, label: 'the last live status' }] : []),
  ];
  const rows = files.map(
    (file) =>
      `<tr data-role="${h(file.role)}"><td>${h(ROLE_TEXT[file.role])}</td><td>${link(file.path)}</td><td>${h(file.label ?? '')}</td><td class="num">${h(bytes(file.size))}</td></tr>`,
  );
  return `<h2 id="files">Files</h2>\n<table><thead><tr><th>what</th><th>file</th><th></th><th>size</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function settingsSection(report: RunReport): string {
  if (report.settings.length === 0) return '';
  const rows = report.settings.map((s) => `<tr><td class="mono">${h(s.key)}</td><td class="mono">${h(String(s.value))}</td><td class="muted">${h(s.source)}</td></tr>`);
  const events = report.events
    ? `<p>Events: ${report.events.delivered} delivered, ${report.events.failed} not delivered (${report.events.destinations.map((d) => h(d.endpoint)).join(', ')}).</p>`
    : '';
  return `<h2 id="settings">Settings</h2>\n${events}<table><thead><tr><th>key</th><th>value</th><th>from</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function detailsSection(report: RunReport): string {
  if (Object.keys(report.details).length === 0) return '';
  let text = JSON.stringify(report.details, null, 2);
  // Thousands of staged files would make the page heavy: the JSON report has them all.
  if (text.length > DETAILS_MAX) text = `${text.slice(0, DETAILS_MAX)}\n… (cut here: the JSON report has the rest)`;
  return `<details><summary>What the launcher recorded</summary><pre>${h(text)}</pre></details>`;
}
