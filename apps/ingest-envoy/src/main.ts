import { runEnvoy, type EnvoyDefinition } from '@envoys/envoy-core';
// The envoy's release version: apps/ingest-envoy/package.json's, written by `nx release`.
import { version } from '../package.json';
import { ingestPreflight } from './preflight';
import { INGEST_SETTINGS } from './settings';
import { calibration } from './launchers/calibration';
import { image } from './launchers/image';
import { observation } from './launchers/observation';
import { seci } from './launchers/seci';

// ingest-envoy: stages a workflow's products, writes the ingestion manifest and runs the archive's ingest (CONTRACT 5).
const ingestEnvoy: EnvoyDefinition = {
  cli: {
    envoy: 'ingest-envoy',
    version,
    summary: "Stages a processing directory's products with an ingestion manifest and runs the archive's ingest.",
    modes: [
      { name: 'calibration', flag: '--calibration', args: ['DIR'], description: 'ingest calibration tables and weblog' },
      { name: 'image', flag: '--image', args: ['DIR'], description: 'ingest images with their ancillaries and weblog' },
      { name: 'observation', flag: '--observation', args: ['DIR', 'SDM_ID'], description: 'ingest an execution block (SDM directory)' },
      { name: 'seci', flag: '--seci', args: ['DIR', 'COLLECTION'], description: 'ingest images into a named collection' },
    ],
    options: [
      { flag: '--reingest', description: 'ingest again into a staging directory that already has a manifest (sets the manifest\'s reingest)' },
    ],
    epilogue: [
      'Staging goes to <stagingRoot>/<basename of DIR>.',
      'Exit status: 0 ingested, 2 usage, 65 invalid input, 66 missing input, 69 ingest unavailable, 70 ingest failed,',
      '  71 internal error, 73 cannot write staging, 75 another run owns the directory, 124 time limit,',
      '  128+N stopped by signal N.',
    ].join('\n'),
  },
  settings: INGEST_SETTINGS,
  workDir: (commandLine) => commandLine.args['DIR'] ?? '.',
  launchers: { calibration, image, observation, seci },
  preflight: ingestPreflight,
};

void runEnvoy(ingestEnvoy).then((code) => process.exit(code));
