/** The Modbus TCP server's door. */
import type { ModbusContext, ModbusServer } from './types.js';

export type { ModbusContext, ModbusServer } from './types.js';

/** Starts the Modbus server. modbus-serial loads here, only when modbus.enabled. */
export async function startModbus(ctx: ModbusContext): Promise<ModbusServer> {
  const { startModbus: start } = await import('./server.js');
  return start(ctx);
}
