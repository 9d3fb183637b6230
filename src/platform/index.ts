/** The floor every stage stands on: logging, time, errors and their codes, faults, deadlines, files and the libgpiod tools. Imports no stage. */
export { RefusedFileError, formatBytes, readBoundedFile, readBoundedFileSync } from './boundedRead.js';
export { canonicalPath } from './canonicalPath.js';
export { systemClock, unrefTimer } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
export { settleWithin } from './deadline.js';
export { WHO_MAX, nameShown, optText, saveImagesArg, shown, strictNumber, thresholdArgs } from './commandInput.js';
export { InspectdError, errorCode, errorMessage, storeOperationCode } from './errors.js';
export type { ErrorCode, StoreOperation } from './errors.js';
export { ERROR_CODES, STORE_OPERATIONS, isErrorCode } from './errorCodes.js';
export type { Fault, FaultEvent, FaultListener } from './fault.js';
export { DEFAULT_TOOLS, detectChips, probeGpiod, resolveChip } from './gpiodTools.js';
export type { GpiodTools } from './gpiodTools.js';
export { listImages, mapLimit } from './images.js';
export { silentLogger } from './log.js';
export type { Logger, RootLogger } from './log.js';
export { addDays, isKnownZone, resolveZone, wallTime, zonedInstant } from './timeZone.js';
export type { ZoneName } from './timeZone.js';
export { ensureWritableDir, ensureWritableFile } from './writablePath.js';
