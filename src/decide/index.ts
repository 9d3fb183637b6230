export { decide, resolveThreshold } from './policy.js';
