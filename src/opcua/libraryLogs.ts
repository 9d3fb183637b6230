import { format } from 'node:util';
import type { RootLogger as Logger } from '../platform/index.js';
import { setErrorLogger, setWarningLogger } from 'node-opcua-debug';

/**
 * node-opcua prints its warnings and errors with console.*: in the daemon stdout is pino JSON
 * lines, so they go to the log instead. This module imports node-opcua-debug alone, so the
 * loggers are in place before node-opcua-secure-channel runs its import-time checks.
 */
export function routeLibraryLogs(log: Logger): void {
  const lib = log.child({ lib: 'node-opcua' });
  setWarningLogger((...args: unknown[]) => {
    const text = format(...args);
    // W27: Node 20 refuses RSA PKCS#1 v1.5 decryption. Only Basic128Rsa15 needs it, and that
    // policy is never offered (security.ts), so the advice to run with --security-revert does not apply.
    if (text.includes('NODE-OPCUA-W27') || text.includes('CVE-2023-46809')) lib.debug(text);
    else lib.warn(text);
  });
  setErrorLogger((...args: unknown[]) => lib.error(format(...args)));
}
