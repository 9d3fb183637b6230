import type { ParseArgsConfig } from 'node:util';
import type { CliIo } from './io.js';
import { validateConfigCmd } from './validateConfig.js';
import { evalCmd } from './evalCmd.js';
import { calibrateCmd } from './calibrate.js';
import { runCmd } from './runCmd.js';
import { prepDatasetCmd, trainCmd } from './trainCmds.js';

export type Values = Record<string, string | boolean | undefined>;
export interface Command {
  options: NonNullable<ParseArgsConfig['options']>;
  /** Hand every argument through untouched (train forwards to the python CLI). */
  passthrough?: boolean;
  run(values: Values, positionals: string[], io: CliIo): Promise<number>;
}

export const USAGE = `usage: inspectd <command> [options]

  run --config FILE                 run the inspection daemon
  validate-config --config FILE     check a config (and its model) and list every problem; exit 0 when valid
  eval --model M.onnx --good DIR --defect DIR [--threshold X] [--exclude LIST] [--json] [--report DIR]
                                    score labelled folders; accuracy, precision, recall, F1, AUROC;
                                    --report: ROC, histogram, confusion, worst misses/false rejects (PNG + HTML)
  calibrate --model M.onnx --good DIR [--png FILE] [--json]
                                    threshold from a folder of good images (the card's good-only rule)
  prep-dataset DIR OUT.npy --size N --channels 1|3 [--limit N]
                                    a folder through the daemon's preprocessing, as uint8 .npy (for training)
  train [training options]          train a model (python; see training/README.md)`;

const str = { type: 'string' } as const;
const bool = { type: 'boolean' } as const;

export const COMMANDS: Record<string, Command> = {
  run: { options: { config: str }, run: runCmd },
  'validate-config': { options: { config: str, json: bool }, run: validateConfigCmd },
  eval: { options: { model: str, good: str, defect: str, threshold: str, exclude: str, json: bool, workers: str, 'scores-out': str, report: str }, run: evalCmd },
  calibrate: { options: { model: str, good: str, png: str, json: bool, workers: str }, run: calibrateCmd },
  'prep-dataset': { options: { size: str, channels: str, limit: str }, run: prepDatasetCmd },
  train: { options: {}, passthrough: true, run: trainCmd },
};
