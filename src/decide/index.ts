export { decide, rejectsPart, resolveThreshold } from './policy.js';
