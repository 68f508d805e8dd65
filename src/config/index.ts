export { loadConfig } from './load-config.js';
export { parseConfig } from './parse-config.js';
export { pipelineConfigSchema, ALWAYS_EXCLUDED_SCHEMAS, type PipelineConfig } from './pipeline-config.js';
export type { Environment } from './interpolate-env.js';
