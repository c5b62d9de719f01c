export { capoFiles, MAX_PROPERTIES_BYTES, parseProperties, type PropertyEntry } from './capo';
export { durationMs } from './duration';
export { loadSettings } from './load';
export { Settings, urlSecrets, type ResolvedSetting } from './settings';
export {
  type CommandLineSetting,
  type LoadSettingsOptions,
  type SettingDescription,
  type SettingSource,
  type SettingSpec,
  type SettingType,
  type SettingValue,
} from './spec';
