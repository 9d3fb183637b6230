import type { RootLogger as Logger } from '../platform/index.js';
import type { OpcuaConfig } from '../config/index.js';
import type { EventBus } from '../events/index.js';
import type { PlcStats } from '../actuate/index.js';
import type { OutputLine } from '../actuate/index.js';
import type { CommandHandler } from '../publish/index.js';

/** A user who may log in, with the password the composition root read from its password_file. */
export interface OpcuaUser {
  username: string;
  password: string;
  role: 'operator' | 'observer';
}

/** What the OPC UA server mirrors and accepts, handed over by the composition root. */
export interface OpcuaContext {
  opcua: Readonly<OpcuaConfig>;
  /** Where node-opcua keeps its certificates (own, trusted, rejected): under the daemon's state, never cwd or $HOME. */
  pkiDir: string;
  users: readonly OpcuaUser[];
  station: string;
  /** 'inspected' drives LastResult and Counters, 'line' the Lines folder. */
  bus: EventBus;
  lineLevel: (line: OutputLine) => 0 | 1;
  plcStats: () => PlcStats;
  /** Current threshold and pause state (read when a client reads or samples Settings). */
  controls: { readonly threshold: number; readonly paused: boolean };
  /** The same handler as MQTT `set/<name>` and the HTTP API: one validation, one audit trail. */
  command: CommandHandler;
  log: Logger;
  /** Product details shown in the server's BuildInfo. */
  build?: { softwareVersion?: string; productName?: string };
}

export interface OpcuaServer {
  /** The port it listens on (the real one when the config says 0). */
  readonly port: number;
  readonly endpointUrl: string;
  /** Resolves once every queued change has been handed to node-opcua (tests wait on it). */
  flushed(): Promise<void>;
  close(): Promise<void>;
}
