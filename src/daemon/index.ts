export { createApp } from './app.js';
export { createPorts } from './ports.js';
export type { Host, Ports } from './ports.js';
export type { App } from './appTypes.js';
export { collisionMessage, takeClaims } from './claims.js';
export type { HeldClaims } from './claims.js';
