import type { OpcuaContext, OpcuaServer } from './types.js';

export type { OpcuaContext, OpcuaServer, OpcuaUser } from './types.js';

/**
 * The OPC UA stage's door. node-opcua (≈70 MB, ≈120 packages) is loaded only here, only when
 * `opcua.enabled`, and only after its console output is routed to the daemon's log.
 */
export async function openOpcua(ctx: OpcuaContext): Promise<OpcuaServer> {
  const { routeLibraryLogs } = await import('./libraryLogs.js');
  routeLibraryLogs(ctx.log);
  const { startOpcua } = await import('./server.js');
  return startOpcua(ctx);
}
