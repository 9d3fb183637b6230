import type { Writable } from 'node:stream';

/**
 * The signals that stop a command cleanly. For the daemon (`run`: safe outputs, pulses drained,
 * rows flushed, exit 0) SIGHUP is one of them: there is no config reload (restart to apply a
 * change), and its default action would kill the process with no stop at all. The one-shot
 * commands keep SIGHUP's default, so closing their terminal still ends them.
 */
export function stopSignals(command: string | undefined): NodeJS.Signals[] {
  return command === 'run' ? ['SIGTERM', 'SIGINT', 'SIGHUP'] : ['SIGTERM', 'SIGINT'];
}

/**
 * Route the stop signals to `abort`, from before any command module is loaded: a signal that
 * arrives during start-up must stop the start-up, not be lost. A second signal does not start a
 * second stop (the first has its own deadline); it is only reported.
 */
export function abortOnStopSignals(proc: NodeJS.Process, signals: NodeJS.Signals[], abort: AbortController, err: Writable): void {
  let received = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    received++;
    if (received === 1) abort.abort(new Error(`received ${sig}`));
    else err.write(`inspectd: ${sig} again, stop already in progress\n`);
  };
  for (const sig of signals) proc.on(sig, onSignal);
}
