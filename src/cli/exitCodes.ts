/**
 * One table of exit codes for every command, so a supervisor (systemd, a script, CI) reads the
 * same number the same way whatever it ran. README "Command line" documents it.
 */
export const EXIT = {
  /** Done, or a clean stop (end of replay, SIGTERM/SIGINT/SIGHUP); validate-config: the config is valid. */
  OK: 0,
  /** A runtime failure: a fatal fault, a stop past its deadline, a model or folder that could not be used. */
  FAILURE: 1,
  /** Bad usage (unknown command or flag, a missing or malformed argument) or a config that would not start. */
  USAGE: 2,
  /** `run` ended, but inspection rows never reached SQLite: the quality record has a gap. */
  ROWS_LOST: 3,
} as const;

export const EXIT_TABLE = `exit codes (every command):
  0  ok; run: a clean stop; validate-config: the config is valid
  1  runtime failure (a fatal fault, a stop past its deadline, an unusable model or folder)
  2  usage error or a config/model problem (nothing was started)
  3  run: ended, but inspection rows were not written to SQLite (STORE_ROWS_LOST)`;
