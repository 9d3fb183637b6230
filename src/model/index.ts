export { cardPathFor } from './card.js';
export type { ModelCard } from './card.js';
export { openInspector } from './client.js';
export type { InspectorOutcome, InspectorPort } from './inspectorPort.js';
export { loadModel, readCard } from './load.js';
export type { Inspector } from './types.js';
