import type { StageRecord, StepRecord } from '../report';
import { duration, escapeHtml } from './html';

const WIDTH = 960;
const ROW = 22;
const TOP = 24;

export const STATUS_COLOURS: Readonly<Record<string, string>> = {
  succeeded: '#2e7d32',
  failed: '#c62828',
  running: '#1565c0',
  stopped: '#ef6c00',
  planned: '#78909c',
  skipped: '#9e9e9e',
  pending: '#bdbdbd',
};

interface Row {
  readonly key: string;
  readonly label: string;
  readonly status: string;
  readonly start?: number;
  readonly end?: number;
  readonly note: string;
  readonly data: string;
}

function time(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Horizontal bars on one time axis, one row each, with the label on the left and a note on the right. */
function gantt(title: string, rows: readonly Row[], labelWidth: number, from: number, to: number): string {
  const noteWidth = 130;
  const barWidth = WIDTH - labelWidth - noteWidth - 16;
  const span = Math.max(1, to - from);
  const height = TOP + rows.length * ROW + 8;
  const x = (t: number) => labelWidth + ((t - from) / span) * barWidth;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}">`,
    `<title>${escapeHtml(title)}</title>`,
    `<line x1="${labelWidth}" y1="${TOP - 6}" x2="${labelWidth + barWidth}" y2="${TOP - 6}" class="axis"/>`,
    `<text x="${labelWidth}" y="${TOP - 10}" class="tick">0</text>`,
    `<text x="${labelWidth + barWidth}" y="${TOP - 10}" class="tick" text-anchor="end">${escapeHtml(duration(span))}</text>`,
  ];
  rows.forEach((row, i) => {
    const y = TOP + i * ROW;
    const colour = STATUS_COLOURS[row.status] ?? '#616161';
    parts.push(`<g ${row.data} data-status="${escapeHtml(row.status)}">`);
    parts.push(`<title>${escapeHtml(`${row.label}: ${row.status}${row.note ? `, ${row.note}` : ''}`)}</title>`);
    if (i % 2 === 0) parts.push(`<rect x="0" y="${y}" width="${WIDTH}" height="${ROW}" class="band"/>`);
    parts.push(`<text x="6" y="${y + 15}" class="label">${escapeHtml(row.label)}</text>`);
    if (row.start !== undefined) {
      const start = x(row.start);
      const width = Math.max(3, x(row.end ?? to) - start);
      parts.push(`<rect x="${start.toFixed(1)}" y="${y + 4}" width="${width.toFixed(1)}" height="${ROW - 8}" rx="3" fill="${colour}" class="bar"/>`);
    } else {
      parts.push(`<line x1="${labelWidth}" y1="${y + ROW / 2}" x2="${labelWidth + barWidth}" y2="${y + ROW / 2}" stroke="${colour}" stroke-dasharray="2 5" class="bar"/>`);
    }
    parts.push(`<text x="${WIDTH - noteWidth}" y="${y + 15}" class="note" fill="${colour}">${escapeHtml(row.note)}</text>`);
    parts.push('</g>');
  });
  parts.push('</svg>');
  return parts.join('');
}

/** The run's steps on its time line: where the time went, and which step failed. */
export function stepsChart(steps: readonly StepRecord[], startedAt: string, finishedAt: string): string {
  const from = time(startedAt) ?? 0;
  const to = Math.max(time(finishedAt) ?? from, from + 1);
  let cursor = from;
  const rows = steps.map((step, i): Row => {
    // Reports of older versions have no step start: the steps ran one after another.
    const start = time(step.startedAt) ?? cursor;
    cursor = start + step.durationMs;
    return {
      key: String(i),
      label: step.name,
      status: step.status,
      start,
      end: start + step.durationMs,
      note: `${step.status} ${duration(step.durationMs)}`,
      data: `data-step="${escapeHtml(step.name)}"`,
    };
  });
  return gantt('The steps of the run on its time line', rows, 180, from, Math.max(to, cursor));
}

/** The external system's stages (CASA's pipeline tasks): how far it got, how long each took, where it failed. */
export function stagesChart(stages: readonly StageRecord[], launchStart: string | undefined, runEnd: string): string {
  const starts = stages.map((stage) => time(stage.startedAt)).filter((t): t is number => t !== undefined);
  const from = Math.min(time(launchStart) ?? Infinity, ...starts);
  const ends = stages.map((stage) => time(stage.finishedAt) ?? time(stage.startedAt)).filter((t): t is number => t !== undefined);
  const to = Math.max(from + 1, time(runEnd) ?? 0, ...ends);
  const rows = stages.map((stage): Row => {
    const start = time(stage.startedAt);
    const end = time(stage.finishedAt);
    const note =
      stage.status === 'pending' ? 'not reached' : start !== undefined && end !== undefined ? `${stage.status} ${duration(end - start)}` : stage.status;
    return {
      key: String(stage.index),
      label: `${stage.index}  ${stage.task}`,
      status: stage.status,
      ...(start === undefined ? {} : { start }),
      ...(end === undefined ? {} : { end }),
      note,
      data: `data-stage="${stage.index}"`,
    };
  });
  return gantt('The stages of the external system', rows, 240, Number.isFinite(from) ? from : to - 1, to);
}
