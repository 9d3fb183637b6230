/** Home Assistant MQTT discovery's door. */
export { haDiscoveryMessages } from './discovery.js';
