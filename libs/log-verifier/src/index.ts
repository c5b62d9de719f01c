export type {
  FieldMatch,
  LineMatch,
  LineRule,
  MarkerRule,
  NonEmptyRule,
  RegexMatch,
  RequiredRule,
  Rule,
  RuleKind,
  RuleSet,
} from './rules/types';
export { loadRuleSet, regexProblem } from './rules/validate';
export { loadRuleSetFile } from './rules/load-file';
export { withBenign } from './rules/benign';
export type { FileState } from './files/file-state';
export { takeSnapshot, type Snapshot } from './snapshot/snapshot';
export { verify, type VerifyOptions, type VerifyResult } from './verify';
export type { RuleTotal } from './checks/types';
export { casaRuleSet, CASA_RULES, type CasaProducts, type CasaRuleSetOptions } from './rule-sets/casa';
export { LogFollower, type FollowOptions, type FollowedLine } from './follow/follow-log';
