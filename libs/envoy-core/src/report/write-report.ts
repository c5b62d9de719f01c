import { writeFileAtomic } from '../files/atomic-write';
import type { Redactor } from '../redact/redactor';
import type { RunReport } from './report';

/** Writes the report atomically with every secret removed (CONTRACT 3.7: secrets never appear in it). */
export async function writeReport(path: string, report: RunReport, redactor: Redactor): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(redactor.redactValue(report), null, 2) + '\n');
}
