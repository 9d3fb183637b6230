import type { ParseArgsConfig } from 'node:util';
import type { CliIo, Values } from './io.js';
import { type CommandSpec, type Flag, parseOptions, synopsis } from './help.js';
import { EXIT_TABLE } from './exitCodes.js';

export interface Command extends CommandSpec {
  options: NonNullable<ParseArgsConfig['options']>;
  /** Hand every argument through untouched, --help included (train forwards to the python CLI). */
  passthrough?: boolean;
  run(values: Values, positionals: string[], io: CliIo): Promise<number>;
}

type Run = Command['run'];
/**
 * A command's module loads when that command runs: each pulls in its own native modules (sharp
 * for eval reports and exports, better-sqlite3, onnxruntime), which `run` and `--help` must not pay for.
 */
function lazy<K extends string>(load: () => Promise<Record<K, Run>>, name: K): Run {
  return async (values, positionals, io) => (await load())[name](values, positionals, io);
}
const runCmd = lazy(() => import('./runCmd.js'), 'runCmd');
const validateConfigCmd = lazy(() => import('./validateConfig.js'), 'validateConfigCmd');
const evalCmd = lazy(() => import('./evalCmd.js'), 'evalCmd');
const calibrateCmd = lazy(() => import('./calibrate.js'), 'calibrateCmd');
const prepDatasetCmd = lazy(() => import('./trainCmds.js'), 'prepDatasetCmd');
const trainCmd = lazy(() => import('./trainCmds.js'), 'trainCmd');
const exportDatasetCmd = lazy(() => import('./exportDataset.js'), 'exportDatasetCmd');

const config: Flag = { type: 'string', arg: 'FILE', help: 'the YAML config', required: true };
const json: Flag = { type: 'boolean', help: 'one JSON object on stdout instead of text' };
const model: Flag = { type: 'string', arg: 'M.onnx', help: 'the model; its card M.card.json lies beside it', required: true };
const workers: Flag = { type: 'string', arg: 'N', help: 'inference worker threads', default: '2' };

const SPECS: Record<string, CommandSpec & Pick<Command, 'run' | 'passthrough'>> = {
  run: { summary: 'run the inspection daemon until stopped (or until a replay with loop: false ends)', flags: { config }, run: runCmd },
  'validate-config': {
    args: '[FILE …]',
    summary: 'check a config (and its model) and list every problem; exit 0 when it would start, 2 when not. Several configs (the stations of one box) are also checked against each other: ports, database, images, MQTT client id and topics, GPIO lines, camera',
    flags: {
      config: { ...config, required: false, default: 'the FILE arguments' },
      json: { ...json, help: 'print {file, valid, problems} as JSON on stdout, one line per file' },
    },
    run: validateConfigCmd,
  },
  eval: {
    summary: 'score labelled folders; accuracy, precision, recall, F1, AUROC (defect = positive)',
    flags: {
      model, good: { type: 'string', arg: 'DIR', help: 'folder of good images', required: true },
      defect: { type: 'string', arg: 'DIR', help: 'folder of defect images', required: true },
      threshold: { type: 'string', arg: 'X', help: 'decision threshold', default: "the card's good-only threshold" },
      exclude: { type: 'string', arg: 'LIST', help: 'file of base names to leave out, one per line', default: 'none' },
      json, workers,
      'scores-out': { type: 'string', arg: 'FILE', help: 'write every image score as JSON', default: 'none' },
      report: { type: 'string', arg: 'DIR', help: 'ROC, histogram, confusion, worst misses (PNG + HTML) into DIR', default: 'none' },
    },
    run: evalCmd,
  },
  calibrate: {
    summary: "threshold from a folder of this station's good images (the card's good-only rule)",
    flags: {
      model, good: { type: 'string', arg: 'DIR', help: 'folder of good images from this station', required: true },
      png: { type: 'string', arg: 'FILE', help: 'write the score histogram as PNG', default: 'none' },
      labelled: { type: 'string', arg: 'DIR', help: 'an export-dataset folder (good/, defect/): false-reject and miss rates on those labelled parts at the proposed threshold', default: 'none' },
      json, workers,
    },
    run: calibrateCmd,
  },
  'prep-dataset': {
    args: 'DIR OUT.npy',
    summary: "a folder through the daemon's preprocessing, as uint8 .npy (N, H, W, C) plus OUT.npy.names.txt (for training)",
    flags: {
      size: { type: 'string', arg: 'N', help: 'square output size in pixels (>= 8)', required: true },
      channels: { type: 'string', arg: '1|3', help: 'grey or RGB', default: '1' },
      limit: { type: 'string', arg: 'N', help: 'only the first N images', default: 'all' },
    },
    run: prepDatasetCmd,
  },
  'export-dataset': {
    summary: 'the parts labelled on the Review page as OUT/good/ and OUT/defect/ (PNG, for eval and train) plus OUT/labels.csv',
    flags: {
      db: { type: 'string', arg: 'PATH', help: "the daemon's SQLite database (storage.database; read only)", required: true },
      images: { type: 'string', arg: 'DIR', help: 'its saved-images folder (storage.images)', required: true },
      out: { type: 'string', arg: 'DIR', help: 'a new (or empty) folder; an existing one is never written over', required: true },
      since: { type: 'string', arg: 'WHEN', help: 'only parts labelled since then: 2024-05-01 (UTC), 2024-05-01T06:00 (local) or ms since 1970', default: 'every label' },
      json,
    },
    run: exportDatasetCmd,
  },
  train: {
    args: '[train options]',
    summary: 'train a model (python; `inspectd train --help` lists every option with its default; training/README.md)',
    flags: {}, passthrough: true, run: trainCmd,
  },
};

export const COMMANDS: Record<string, Command> = Object.fromEntries(Object.entries(SPECS).map(([k, s]) => [k, { ...s, options: parseOptions(s.flags) }]));

export const USAGE = [
  'usage: inspectd <command> [options]     inspectd <command> --help     inspectd --version',
  '',
  ...Object.entries(COMMANDS).flatMap(([k, c]) => [`  ${synopsis(k, c)}`, `      ${c.summary}`]),
  '',
  EXIT_TABLE,
].join('\n');
