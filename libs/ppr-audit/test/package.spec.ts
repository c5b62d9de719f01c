import { join } from 'node:path';
import { describeLibraryPackage } from '@envoys/testing';

// The package other teams install (dist/libs/ppr-audit): reads a real PPR through saxes in both module systems.
const ppr = JSON.stringify(join(__dirname, 'fixtures/PPR.xml'));
describeLibraryPackage(
  'ppr-audit',
  `lib.readPpr(${ppr}).then((reading) => { const telescope = reading.elements.get('ProjectSummary/Telescope')?.first?.content.text; return telescope === 'EVLA' ? 'ok' : JSON.stringify(telescope); })`,
);
