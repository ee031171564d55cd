/** The config schema, defaults and loading (`hpaic/config`). */
export { HpaicConfigSchema, channelsForFilters, type HpaicConfig, type HpaicConfigInput } from './schema.js';
export { DEFAULTS as CONFIG_DEFAULTS } from './defaults.js';
export { loadConfig, parseConfig, parseOverride, applyOverrides, resolveConfigPaths, type ConfigOverrides, type ParseConfigOptions } from './loadConfig.js';
