export { capoFiles, capoLookup, DEFAULT_CAPO_DIRS, MAX_PROPERTIES_BYTES, parseProperties, type CapoLookup, type PropertyEntry } from './capo';
export { didYouMean, nearestKey } from './suggest';
export { durationMs } from './duration';
export { loadSettings } from './load';
export { Settings, urlSecrets, type CapoOrigin, type ResolvedSetting } from './settings';
export {
  type CommandLineSetting,
  type LoadSettingsOptions,
  type SettingDescription,
  type SettingSource,
  type SettingSpec,
  type SettingType,
  type SettingValue,
} from './spec';
