import type { Server, Socket } from 'node:net';
import { ServerTCP, type IServiceVector } from 'modbus-serial';
import { InspectdError, errorMessage } from '../platform/index.js';
import {
  BIT_LINES, EXCEPTION, MAX_READ_REGISTERS, REGISTER_COUNT, applyResult, checkRead, initialState, registerWords, unitAccepted,
  type ExceptionCode, type ResultState,
} from './registers.js';
import type { ModbusContext, ModbusServer } from './types.js';

/**
 * Thin adapter: modbus-serial's ServerTCP does the framing, registers.ts the numbers. Everything
 * here is read-only for the PLC — it reads our outputs, it never drives them.
 */

/** What modbus-serial turns into an exception response (it reads `modbusErrorCode`). */
export class ModbusException extends InspectdError {
  readonly modbusErrorCode: ExceptionCode;
  constructor(modbusErrorCode: ExceptionCode, message: string, context: Record<string, unknown> = {}) {
    super('MODBUS_EXCEPTION', message, { ...context, modbusErrorCode });
    this.modbusErrorCode = modbusErrorCode;
  }
}

// A dead PLC (power cut, cable pulled) never sends FIN and we never write unprompted: without
// keep-alive its socket would stay open forever, one more per PLC reboot.
const KEEPALIVE_MS = 10_000;

export async function startModbus(ctx: ModbusContext): Promise<ModbusServer> {
  const { host, port, unit_id: unitId } = ctx.modbus;
  const log = ctx.log;
  let state: ResultState = { ...initialState };
  const unsubscribe = ctx.bus.on('inspected', 'modbus', (r) => {
    state = applyResult(state, r);
  });

  const checkUnit = (unit: number): void => {
    if (!unitAccepted(unitId, unit)) throw new ModbusException(EXCEPTION.gatewayTargetFailed, `unit id ${unit} is not ours (${unitId})`, { unit });
  };
  const bit = (addr: number, unit: number): boolean => {
    checkUnit(unit);
    const bad = checkRead(BIT_LINES.length, addr, 1, 1);
    if (bad) throw new ModbusException(bad, `no coil/discrete input at ${addr}`, { addr });
    return ctx.lineLevel(BIT_LINES[addr]) === 1;
  };
  // One snapshot per request, so the two halves of a 32-bit value read together always match.
  const words = (addr: number, len: number, unit: number): number[] => {
    checkUnit(unit);
    const bad = checkRead(REGISTER_COUNT, addr, len, MAX_READ_REGISTERS);
    if (bad) throw new ModbusException(bad, `no registers at ${addr}..${addr + len - 1}`, { addr, len });
    const stats = ctx.plcStats();
    return registerWords(state, { level: ctx.lineLevel, inFlight: stats.inFlight, late: stats.late }).slice(addr, addr + len);
  };
  // Writes are answered "illegal function" (the spec's answer for an unsupported function code,
  // checked before the address): without a setter modbus-serial would not answer at all.
  const refuse = (what: string, addr: number, unit: number): never => {
    checkUnit(unit);
    throw new ModbusException(EXCEPTION.illegalFunction, `${what} refused: the inspectd map is read-only`, { addr });
  };

  // modbus-serial picks the handler style by arity: sync getters must take exactly (addr, unitID)
  // and (addr, len, unitID), setters (addr, value, unitID) — no callback parameter.
  const vector: IServiceVector = {
    getCoil: (addr: number, unit: number) => bit(addr, unit),
    getDiscreteInput: (addr: number, unit: number) => bit(addr, unit),
    getInputRegister: (addr: number, unit: number) => words(addr, 1, unit)[0],
    getHoldingRegister: (addr: number, unit: number) => words(addr, 1, unit)[0],
    getMultipleInputRegisters: (addr: number, len: number, unit: number) => words(addr, len, unit),
    getMultipleHoldingRegisters: (addr: number, len: number, unit: number) => words(addr, len, unit),
    setCoil: (addr: number, _value: boolean, unit: number) => refuse('coil write', addr, unit),
    setRegister: (addr: number, _value: number, unit: number) => refuse('register write', addr, unit),
    setRegisterArray: (addr: number, _value: number[], unit: number) => refuse('register write', addr, unit),
  };

  // modbus-serial does `options.port || 502`, so a numeric 0 would silently become 502; net.listen
  // accepts the string '0' (→ any free port), which the `||` keeps. Filtering unit ids ourselves
  // (255 = library answers all) lets 0/255 through as well as the configured id.
  const server = new ServerTCP(vector, { host, port: (port === 0 ? '0' : port) as number, unitID: 255 });
  const net = netServerOf(server);
  try {
    await new Promise<void>((resolve, reject) => {
      const ok = (): void => { server.off('serverError', fail); resolve(); };
      const fail = (err: unknown): void => { server.off('initialized', ok); reject(err); };
      server.once('initialized', ok);
      server.once('serverError', fail);
    });
  } catch (err) {
    unsubscribe();
    throw new InspectdError('MODBUS_LISTEN', `Modbus TCP server cannot listen on ${host}:${port}: ${errorMessage(err)}`, { host, port }, { cause: err });
  }
  const addr = net?.address();
  const realPort = addr && typeof addr === 'object' ? addr.port : port;
  if (realPort === 0) {
    await new Promise<void>((r) => server.close(() => r()));
    unsubscribe();
    throw new InspectdError('MODBUS_LISTEN', 'cannot tell which port the Modbus server got (modbus-serial internals changed); configure a fixed port', { host });
  }

  server.on('serverError', (err: unknown) => log.error({ err }, 'Modbus TCP server error'));
  server.on('socketError', (err: unknown) => log.debug({ err: errorMessage(err) }, 'Modbus client socket error'));
  server.on('error', (err: unknown) => log.warn({ err }, 'Modbus response error'));
  if (net) {
    net.on('connection', (sock: Socket) => {
      sock.setKeepAlive(true, KEEPALIVE_MS);
      sock.setNoDelay(true);
      log.debug({ remote: `${sock.remoteAddress}:${sock.remotePort}` }, 'Modbus client connected');
    });
  } else {
    log.warn({}, 'modbus-serial internals changed: client sockets get no TCP keep-alive');
  }

  let closing: Promise<void> | null = null;
  return {
    port: realPort,
    close() {
      // Idempotent: a second close (second signal, error path) waits for the first.
      closing ??= new Promise<void>((resolve) => {
        unsubscribe();
        // ServerTCP.close stops listening, then destroys every client socket.
        server.close(() => resolve());
      });
      return closing;
    },
  };
}

/** ServerTCP's node:net server (not in its typings): needed for the real port and keep-alive. */
function netServerOf(server: ServerTCP): Server | undefined {
  const s = (server as unknown as { _server?: unknown })._server;
  return s && typeof (s as Server).address === 'function' && typeof (s as Server).on === 'function' ? (s as Server) : undefined;
}
