export { crossCollisions, mqttClientId, selfCollisions, stationClaims } from './claims.js';
export type { Claim } from './claims.js';
export { configWarnings } from './history.js';
export { ConfigError, formatProblem, loadConfig, parseConfig } from './load.js';
export type { ConfigProblem, LoadOptions } from './load.js';
export { DashboardSchema } from './schema.js';
export type { Config, DashboardConfig, OpcuaConfig } from './schema.js';
export { MQTT_SCHEMES, mqttUrlProblem } from './mqttUrl.js';
export { readSecret } from './secrets.js';
