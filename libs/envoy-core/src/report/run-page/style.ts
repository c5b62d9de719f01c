/** The page's only style sheet, inline: the page loads nothing (no fonts, no scripts, no images). */
export const STYLE = `
:root { --ok: #2e7d32; --bad: #c62828; --stop: #ef6c00; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #fff; }
main { max-width: 1000px; margin: 0 auto; padding: 16px 20px 48px; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 0 0 6px; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; overflow-x: auto; margin: 6px 0; white-space: pre; }
a { color: #0969da; }
.banner { border-radius: 8px; padding: 14px 18px; color: #fff; margin-bottom: 14px; }
.banner.succeeded { background: var(--ok); }
.banner.failed { background: var(--bad); }
.banner.stopped { background: var(--stop); }
.banner .outcome { font-size: 22px; font-weight: 700; }
.banner .why { margin-top: 6px; font-size: 14px; word-break: break-word; }
.notes { border: 1px solid #d4a72c; background: #fff8c5; border-radius: 6px; padding: 8px 12px 8px 28px; margin: 0 0 14px; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; word-break: break-all; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num { text-align: right; white-space: nowrap; }
tr[data-step] td:first-child { white-space: nowrap; }
pre.command { white-space: pre-wrap; word-break: break-all; }
.status { font-weight: 600; white-space: nowrap; }
.status.succeeded { color: var(--ok); } .status.failed { color: var(--bad); } .status.stopped { color: var(--stop); }
.finding { border: 1px solid var(--line); border-left: 4px solid var(--bad); border-radius: 6px; padding: 8px 12px; margin: 10px 0; }
.finding .where { color: var(--muted); word-break: break-all; }
.context { tab-size: 4; }
.context .l { display: block; }
.context .hit { background: #ffebe9; font-weight: 600; }
.context .n { color: var(--muted); user-select: none; }
.chart { max-width: 100%; height: auto; display: block; margin: 6px 0; }
.chart .band { fill: var(--soft); }
.chart .label, .chart .note { font: 12px system-ui, sans-serif; fill: var(--ink); }
.chart .tick { font: 11px system-ui, sans-serif; fill: var(--muted); }
.chart .axis { stroke: var(--line); }
.legend span { display: inline-block; margin-right: 14px; font-size: 12px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
.muted { color: var(--muted); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
`;
