import type { EnvoyContext, Finding } from '@envoys/envoy-core';
import { CASA_RULES } from '@envoys/log-verifier';
import type { PipelineStages } from './stages';

/** What a SEVERE message in a run that is complete otherwise means: a failure (default), or a fact reported. */
export type HandledSeverePolicy = 'fail' | 'report';
export const HANDLED_SEVERE_POLICIES: readonly HandledSeverePolicy[] = ['fail', 'report'];

export function handledSeverePolicy(context: EnvoyContext): HandledSeverePolicy {
  return context.settings.string('envoys.casa.handledSevere') === 'report' ? 'report' : 'fail';
}

export interface VerdictInput {
  /** CASA's exit status, as findings (none for --verify). */
  readonly exit: readonly Finding[];
  /** The rule set's findings: SEVERE messages, markers, a missing log, missing products. */
  readonly checked: readonly Finding[];
  /** The PPR's stages as the log tells them; undefined when the PPR's commands are not known. */
  readonly stages: PipelineStages | undefined;
  /** The CASA log the stages were read from. */
  readonly log: string | undefined;
}

/**
 * The verdict of a CASA run, following the pipeline: a failure is the errorexit marker, a stage that failed
 * or was never reached, CASA's non-zero exit, no log, or a product missing. A SEVERE message logged inside a
 * run that completed every stage with its products is an error the pipeline handled and went on from (it
 * logs with LOG.error in hundreds of places); it is reported in any case (the report's
 * `details.handledSevere`, a `severe-handled` event, a warning) and decided by `envoys.casa.handledSevere`:
 * `fail` (the default) keeps it a failure, `report` lets the run succeed.
 */
export function casaVerdict(context: EnvoyContext, input: VerdictInput): Finding[] {
  const severe = input.checked.filter((finding) => finding.rule === CASA_RULES.severe);
  const other = input.checked.filter((finding) => finding.rule !== CASA_RULES.severe);
  const failedOtherwise = input.exit.length > 0 || other.length > 0;
  // The stage under way when CASA stopped failed with it (a marker, a non-zero exit); a product missing
  // says nothing about the last stage.
  const stopped = input.exit.length > 0 || other.some((finding) => finding.rule === CASA_RULES.errorExit);
  input.stages?.end(stopped ? 'failed' : 'succeeded');
  const stageFindings = input.stages && input.log ? input.stages.findings(input.log, severe) : [];
  if (input.stages) context.recordDetail('stageCounts', input.stages.counts);
  const complete = !failedOtherwise && stageFindings.length === 0 && (input.stages?.complete ?? true);
  if (severe.length === 0 || !complete) return [...input.exit, ...input.checked, ...stageFindings];

  const policy = handledSeverePolicy(context);
  const first = severe[0] as Finding;
  context.recordDetail('handledSevere', { policy, count: severe.length, messages: severe });
  context.events.emit('severe-handled', { policy, count: severe.length, firstFinding: { file: first.file, line: first.line, text: first.text } });
  const logged = `CASA logged ${severe.length} SEVERE message${severe.length === 1 ? '' : 's'} in a run that completed every stage with its products`;
  context.logger.child('verify').warn(`${logged} (envoys.casa.handledSevere = ${policy}${policy === 'fail' ? ': a failure' : ': reported, not a failure'})`, { first: first.text });
  // The run page shows it under the outcome: with `report` the page says succeeded, and the SEVERE would be
  // seen only by those who open the details; with `fail` it says why a complete run failed.
  context.recordNote(
    `A SEVERE was logged and handled: ${logged}; policy envoys.casa.handledSevere=${policy} decided ${policy === 'fail' ? 'that the run failed' : 'that it is reported, not a failure'}. First: ${first.text}`,
  );
  return policy === 'fail' ? [...severe] : [];
}
