import { runEnvoy, type EnvoyDefinition } from '@envoys/envoy-core';
// The envoy's release version: apps/casa-envoy/package.json's, written by `nx release`.
import { version } from '../package.json';
import { casaPreflight } from './casa/preflight';
import { CASA_SETTINGS } from './settings';
import { integrated } from './launchers/integrated';
import { restore } from './launchers/restore';
import { standardCal } from './launchers/standard-cal';
import { standardImg } from './launchers/standard-img';
import { verifyRun } from './launchers/verify-run';

// casa-envoy: the modes the observatory's workflows call (CONTRACT 4.1), each picking a typed launcher.
const casaEnvoy: EnvoyDefinition = {
  cli: {
    envoy: 'casa-envoy',
    version,
    summary: 'Audits and prepares a processing directory, runs CASA and its pipeline, and verifies that it really succeeded.',
    processingDir: true,
    modes: [
      {
        name: 'standard-cal',
        flag: '--standard-cal',
        short: '-c',
        args: ['METADATA', 'PPR'],
        description: 'standard calibration of an execution block',
        variants: [{ flag: '--restore', name: 'restore', description: 'restore a calibrated measurement set from archived calibration tables' }],
      },
      {
        name: 'standard-img',
        flag: '--standard-img',
        short: '-i',
        args: ['METADATA', 'PPR'],
        description: 'standard imaging of a calibrated measurement set',
        variants: [{ flag: '--integrated', name: 'integrated', description: 'restore, then image, in one CASA run' }],
      },
      { name: 'verify', flag: '--verify', args: ['DIR'], description: "check a finished run's CASA logs and markers only (its report is kept)", reviewsRun: true },
    ],
    options: [
      { flag: '--timeout-minutes', value: 'N', description: 'stop CASA after N minutes (fractions allowed)', setting: 'envoys.casa.timeoutMinutes' },
    ],
    epilogue: [
      'METADATA and PPR are relative to the processing directory.',
      'Exit status: 0 verified, 2 usage, 65 invalid input, 66 missing input, 69 CASA unavailable, 70 CASA failed, 71 internal error,',
      '  73 cannot write, 75 another run owns the directory, 124 time limit, 128+N stopped by signal N.',
    ].join('\n'),
  },
  settings: CASA_SETTINGS,
  workDir: (commandLine) => (commandLine.mode === 'verify' ? (commandLine.args['DIR'] ?? '.') : (commandLine.processingDir ?? '.')),
  launchers: {
    'standard-cal': standardCal,
    restore,
    'standard-img': standardImg,
    integrated,
    verify: verifyRun,
  },
  preflight: casaPreflight,
};

void runEnvoy(casaEnvoy).then((code) => process.exit(code));
