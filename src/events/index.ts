export { EventBus } from './bus.js';
export { NO_VERDICT, applyResult, initialState, verdictCode } from './resultState.js';
export type { ResultState } from './resultState.js';
