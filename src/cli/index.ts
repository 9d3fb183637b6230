/** The CLI's door: what the process entry (daemon/main.ts) runs. */
export { dispatch } from './dispatch.js';
export type { CliIo } from './io.js';
