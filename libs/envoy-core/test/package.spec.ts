import { describeLibraryPackage } from '@envoys/testing';

// The package other teams install (dist/libs/envoy-core): errors keep their exit codes, and the logger works
// in both module systems.
describeLibraryPackage(
  'envoy-core',
  `new lib.InvalidInputError('x').exitCode === 65 &&
   lib.createLogger({ envoy: 'x', format: 'json', redactor: new lib.Redactor(), stream: process.stderr })
     .then((logger) => (typeof logger.info === 'function' ? 'ok' : 'no logger'))`,
);
