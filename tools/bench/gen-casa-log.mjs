#!/usr/bin/env node
// Writes a realistic CASA log of a given size for benchmarks and tests of the log verifier:
//   node tools/bench/gen-casa-log.mjs <file> <size-MiB> [--severe N] [--seed S] [--crlf]
// Lines follow CASA's format (time TAB priority TAB origin TAB message), with multi-line messages whose
// continuation lines carry no prefix, and some messages that mention "SEVERE" outside the priority field, so a
// scanner that only greps the word is caught out. With --severe N, N SEVERE lines (each followed by a short
// traceback) are placed at seeded random positions. The output is deterministic for a given seed, so tests can
// rely on it. On stdout: one JSON object {file, bytes, lines, severeLines} (1-based line numbers).
// Written in blocks of a few MiB: memory does not grow with the size asked for.
import { closeSync, openSync, writeSync } from 'node:fs';

function usage(message) {
  process.stderr.write(`gen-casa-log: ${message}\nusage: gen-casa-log.mjs <file> <size-MiB> [--severe N] [--seed S] [--crlf]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const positional = [];
  const options = { severe: 0, seed: 1, crlf: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--severe' || arg === '--seed') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 0) usage(`${arg} needs a non-negative integer`);
      options[arg.slice(2)] = value;
    } else if (arg === '--crlf') {
      options.crlf = true;
    } else if (arg.startsWith('--')) {
      usage(`unknown option ${arg}`);
    } else {
      positional.push(arg);
    }
  }
  if (positional.length !== 2) usage('expected a file and a size');
  const sizeMiB = Number(positional[1]);
  if (!(sizeMiB > 0)) usage('size must be a positive number of MiB');
  return { file: positional[0], bytes: Math.round(sizeMiB * 1024 * 1024), ...options };
}

// mulberry32: small, fast and seedable, so a test can regenerate the same file.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ORIGINS = [
  'casa::::casa',
  'hifv_importdata::::casa',
  'hifv_hanning::::casa',
  'hifv_flagdata::::casa',
  'hifv_testBPdcals::::casa',
  'hifv_semiFinalBPdcals::::casa',
  'hifv_finalcals::::casa',
  'hifv_applycals::::casa',
  'hif_makeimlist::::casa',
  'importasdm::::casa',
  'flagdata::::casa',
  'gaincal::::casa',
  'bandpass::::casa',
  'applycal::::casa',
  'tclean::::casa',
  'plotms::::casa',
  'MSTransformManager::parseMsSpecParams',
  'Calibrater::setapply',
  'SynthesisImager::selectData',
  'ms::summary',
  'FlagAgentBase::::casa',
  'imager::clean()',
];

const MESSAGES = [
  (r) => `##### Begin Task: ${pick(r, ['hifv_importdata', 'hifv_flagdata', 'hifv_finalcals', 'hif_makeimlist'])} #####`,
  (r) => `Processing spw ${int(r, 64)} of scan ${int(r, 120)} for field ${int(r, 40)}`,
  (r) => `Flagged ${(r() * 100).toFixed(2)}% of the data in spw ${int(r, 64)}`,
  (r) => `Solving for G over ${int(r, 27)} antennas, solint=int, combine=''`,
  (r) => `Found ${int(r, 5000)} good solutions; ${int(r, 40)} solutions flagged due to SNR < 3`,
  (r) => `Writing solutions to table: 19A-001.sb${int(r, 99999999)}.eb${int(r, 99999999)}.ms.hifv_finalcals.s13_4.finalampgaincal.tbl`,
  () => `Tables used by CASA are in /home/casa/packages/RHEL7/release/casa-6.1.2-7-pipeline-2020.1.0.36/data`,
  (r) => `Selected ${int(r, 1e7)} out of ${int(r, 2e7)} rows.`,
  (r) => `Peak residual (max,min) over full image : (${(r() * 0.01).toFixed(6)},${(-r() * 0.01).toFixed(6)})`,
  () => `Number of SEVERE messages so far: 0`,
  (r) => `Checking the weblog for SEVERE and WARN entries (${int(r, 20)} stages)`,
  (r) => `Applying calibration to ${int(r, 200)} scans with interp=linear,linearflag`,
  (r) => `Channel selection: ${int(r, 16)}:${int(r, 64)}~${64 + int(r, 64)};${int(r, 16)}:0~${int(r, 128)}`,
  () => `No template flags file found`,
  () => `Calculating the antenna positions corrections from the online database`,
];

const PRIORITIES = [
  ['INFO', 0.72],
  ['INFO1', 0.06],
  ['INFO2', 0.03],
  ['WARN', 0.06],
  ['DEBUG1', 0.06],
  ['DEBUG2', 0.03],
  ['INFO3', 0.04],
];

function int(r, n) {
  return Math.floor(r() * n);
}

function pick(r, list) {
  return list[Math.floor(r() * list.length)];
}

function priority(r) {
  let x = r();
  for (const [name, weight] of PRIORITIES) {
    if (x < weight) return name;
    x -= weight;
  }
  return 'INFO';
}

function pad(n) {
  return n < 10 ? `0${n}` : String(n);
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const r = prng(args.seed);
  const eol = args.crlf ? '\r\n' : '\n';
  // SEVERE positions as byte offsets, so they spread evenly over the file whatever the line lengths are.
  const severeAt = Array.from({ length: args.severe }, () => Math.floor(r() * args.bytes)).sort((a, b) => a - b);
  const severeLines = [];
  let nextSevere = 0;

  const fd = openSync(args.file, 'w');
  const blockTarget = 4 * 1024 * 1024;
  let written = 0;
  let lines = 0;
  let block = [];
  let blockBytes = 0;
  let time = Date.UTC(2021, 4, 6, 17, 35, 2);
  let stamp = '';
  let stampFor = -1;

  const push = (text) => {
    block.push(text, eol);
    blockBytes += Buffer.byteLength(text) + eol.length;
    lines++;
  };
  const timestamp = () => {
    if (stampFor !== time) {
      const d = new Date(time);
      stamp = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
      stampFor = time;
    }
    return stamp;
  };
  const flush = () => {
    if (block.length === 0) return;
    const buffer = Buffer.from(block.join(''));
    writeSync(fd, buffer);
    written += buffer.length;
    block = [];
    blockBytes = 0;
  };

  const writeSevere = () => {
    nextSevere++;
    severeLines.push(lines + 1);
    push(`${timestamp()}\tSEVERE\t${pick(r, ORIGINS)}\tTask raised an exception of class RuntimeError with the following message: Error in Calibrater::setapply (${nextSevere}).`);
    push('\tTraceback (most recent call last):');
    push('\t  File "pipeline/infrastructure/basetask.py", line 492, in execute');
    push('\t    result = self.prepare(**parameters)');
  };

  while (written + blockBytes < args.bytes) {
    if (r() < 0.02) time += 1000 * (1 + int(r, 30));
    const at = written + blockBytes;
    if (nextSevere < severeAt.length && at >= severeAt[nextSevere]) {
      writeSevere();
      continue;
    }
    push(`${timestamp()}\t${priority(r)}\t${pick(r, ORIGINS)}\t${pick(r, MESSAGES)(r)}`);
    if (r() < 0.03) {
      // A multi-line message: CASA writes the rest of the text without the time/priority prefix.
      const extra = 1 + int(r, 6);
      for (let i = 0; i < extra; i++) push(`\t  Field ${int(r, 40)} J${int(r, 2400)}+${int(r, 900)}  scans ${int(r, 200)}  rows ${int(r, 1e6)}`);
    }
    if (blockBytes >= blockTarget) flush();
  }
  // Positions drawn near the very end may lie past the last line start: they still belong in the file.
  while (nextSevere < severeAt.length) writeSevere();
  flush();
  closeSync(fd);
  process.stdout.write(JSON.stringify({ file: args.file, bytes: written, lines, severeLines }) + '\n');
}

main();
