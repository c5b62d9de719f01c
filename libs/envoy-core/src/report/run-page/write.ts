import { writeFileAtomic } from '../../files/atomic-write';
import type { Redactor } from '../../redact/redactor';
import { renderRunPage, type RunPageInput } from './render';

/** `<report>.html` next to `<report>.json`. */
export function runPagePath(reportPath: string): string {
  return reportPath.endsWith('.json') ? `${reportPath.slice(0, -'.json'.length)}.html` : `${reportPath}.html`;
}

/** Writes the run page atomically; the whole page passes the redactor, whatever it was made from. */
export async function writeRunPage(input: RunPageInput, redactor: Redactor): Promise<void> {
  await writeFileAtomic(input.pagePath, redactor.redact(renderRunPage(input)));
}
