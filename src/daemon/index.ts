export { createApp } from './app.js';
export { collisionMessage, takeClaims } from './claims.js';
export type { HeldClaims } from './claims.js';
