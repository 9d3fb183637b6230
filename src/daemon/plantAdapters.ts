import { dirname, join } from 'node:path';
import type { RootLogger as Logger } from '../platform/index.js';
import type { Config } from '../config/index.js';
import { readSecret } from '../config/index.js';
import type { EventBus } from '../events/index.js';
import type { OutputLine } from '../actuate/index.js';
import type { PlcStats } from '../actuate/index.js';
import type { CommandHandler } from '../publish/index.js';
import type { SettingsStore } from '../store/index.js';
import type { Controls } from '../domain/index.js';
import { readOpt } from './adapterTaps.js';

/**
 * The control-layer adapters a plant may ask for: Modbus TCP, OPC UA and Sparkplug B. Each is a
 * sink off the event bus, loaded by dynamic import only when its config enables it (node-opcua
 * alone is ≈70 MB of modules), and registers its own close step.
 */
export interface PlantDeps {
  config: Readonly<Config>;
  env: Readonly<Record<string, string | undefined>>;
  bus: EventBus;
  levels: Readonly<Record<OutputLine, 0 | 1>>;
  plcStats: () => PlcStats;
  controls: Readonly<Controls>;
  /** The MQTT / HTTP command handler: OPC UA writes go through it too. */
  command: CommandHandler;
  store: SettingsStore;
  /** The station's MQTT client id; Sparkplug's connection uses it with `-spb` appended. */
  mqttClientId: string;
  log: Logger;
  /** Registers a close step; the app closes them in reverse order. */
  onClose: (name: string, close: () => Promise<void> | void) => void;
}

/** Where node-opcua keeps its certificates: opcua.pki_dir, else beside the database (the daemon's state dir). */
export function opcuaPkiDir(config: Readonly<Pick<Config, 'opcua' | 'storage'>>): string {
  return config.opcua.pki_dir ?? join(dirname(config.storage.database), 'opcua-pki');
}

const BD_SEQ_SETTING = 'sparkplug_bd_seq';

export async function startPlantAdapters(d: PlantDeps): Promise<void> {
  const { config, log } = d;
  if (config.modbus.enabled) {
    const { startModbus } = await import('../modbus/index.js');
    const mb = await startModbus({ modbus: config.modbus, bus: d.bus, lineLevel: (l) => d.levels[l], plcStats: d.plcStats, log: log.child({ stage: 'modbus' }) });
    log.info({ port: mb.port }, 'Modbus TCP server listening');
    d.onClose('modbus', () => mb.close());
  }

  if (config.opcua.enabled) {
    const { openOpcua } = await import('../opcua/index.js');
    const users = config.opcua.users.map((u) => ({ username: u.username, role: u.role, password: readSecret(u.password_file, d.env)! }));
    const ua = await openOpcua({
      opcua: config.opcua, pkiDir: opcuaPkiDir(config), users, station: config.station, bus: d.bus, lineLevel: (l) => d.levels[l],
      plcStats: d.plcStats, controls: d.controls, command: d.command, log: log.child({ stage: 'opcua' }),
    });
    log.info({ port: ua.port, endpoint: ua.endpointUrl, security_modes: config.opcua.security_modes, anonymous: config.opcua.anonymous }, 'OPC UA server listening');
    d.onClose('opcua', () => ua.close());
  }

  const spb = config.mqtt.sparkplug;
  if (config.mqtt.url && spb.enabled) {
    const { openSparkplugNode } = await import('../sparkplug/index.js');
    const m = config.mqtt;
    const node = await openSparkplugNode({
      url: m.url, clientId: `${d.mqttClientId}-spb`, username: m.username, password: readSecret(m.password_file, d.env), ca: readOpt(m.ca), cert: readOpt(m.cert), key: readOpt(m.key),
      ids: { group: spb.group_id, node: spb.edge_node_id ?? config.station, device: spb.device_id }, station: config.station, bus: d.bus,
      // Kept in SQLite's settings table so a restarted node never repeats the last run's bdSeq.
      bdSeqStore: {
        load: () => {
          const v = d.store.settings().find((s) => s.name === BD_SEQ_SETTING)?.value;
          return typeof v === 'number' ? v : null;
        },
        save: (n) => d.store.saveSetting({ name: BD_SEQ_SETTING, value: n, config_value: null, ts: Date.now(), who: 'sparkplug' }),
      },
      log: log.child({ stage: 'sparkplug' }),
    });
    d.onClose('sparkplug', () => node.close());
  }
}
