import { mkdirSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { OPCUAServer } from 'node-opcua-server';
import { OPCUACertificateManager } from 'node-opcua-certificate-manager';
import type { UAObject, UAVariable } from 'node-opcua-address-space';
// node-opcua-client re-exports the shared building blocks (Variant, StatusCodes, loggers) node-opcua-server is made of.
import { DataType, StatusCodes, Variant, type StatusCode } from 'node-opcua-client';
import { InspectdError, errorMessage } from '../platform/index.js';
import { applyResult, initialState, type ResultState } from '../events/index.js';
import type { OutputLine } from '../actuate/index.js';
import { LINE_VARS, NAMESPACE_URI, RESULT_VARS, SAMPLED_VARS, SETTING_VARS, counterValue, nodeIdOf, resultValues, type NodeValue, type VarSpec } from './nodes.js';
import { SETTING_PERMISSIONS, makeUserManager, securityModes, securityPolicies } from './security.js';
import type { OpcuaContext, OpcuaServer } from './types.js';

/**
 * Thin adapter: node-opcua does the protocol, sessions, security and subscriptions; nodes.ts
 * says what the variables hold. Bus events only queue a change here; node-opcua sees it on the
 * next turn of the event loop (setImmediate), so no subscriber work runs on the reject path.
 */

type Change = { kind: 'result'; state: ResultState } | { kind: 'line'; line: OutputLine; value: 0 | 1; ts: number };
/** Line edges arrive a few per part; far more queued means node-opcua stopped keeping up. */
const MAX_QUEUE = 1024;
const SAMPLED_MIN_MS = 100;

export async function startOpcua(ctx: OpcuaContext): Promise<OpcuaServer> {
  const { opcua: cfg, log } = ctx;
  // 0700: the folder holds the server's private key.
  mkdirSync(ctx.pkiDir, { recursive: true, mode: 0o700 });
  const wildcard = cfg.host === '0.0.0.0' || cfg.host === '::';
  const users = makeUserManager(ctx.users);
  const server = new OPCUAServer({
    host: cfg.host,
    port: cfg.port,
    hostname: cfg.hostname ?? (wildcard ? undefined : cfg.host),
    serverCertificateManager: new OPCUACertificateManager({ rootFolder: join(ctx.pkiDir, 'server'), automaticallyAcceptUnknownCertificate: cfg.trust_unknown_clients }),
    userCertificateManager: new OPCUACertificateManager({ rootFolder: join(ctx.pkiDir, 'user'), automaticallyAcceptUnknownCertificate: false }),
    certificateFile: cfg.certificate_file,
    privateKeyFile: cfg.private_key_file,
    securityModes: securityModes(cfg),
    securityPolicies: securityPolicies(cfg),
    allowAnonymous: cfg.anonymous,
    userManager: { isValidUser: (u: string, p: string) => users.isValidUser(u, p), getUserRoles: (u: string) => users.getUserRoles(u) },
    serverInfo: { applicationUri: `urn:${osHostname()}:inspectd:${ctx.station}`, productUri: 'urn:inspectd', applicationName: { text: `inspectd ${ctx.station}`, locale: 'en' } },
    buildInfo: { productName: ctx.build?.productName ?? 'inspectd', manufacturerName: 'inspectd', softwareVersion: ctx.build?.softwareVersion ?? '0' },
    isAuditing: false,
  });
  const where = { host: cfg.host, port: cfg.port };
  try {
    await server.initialize();
  } catch (err) {
    throw new InspectdError('OPCUA_START', `OPC UA server cannot start: ${errorMessage(err)}`, { ...where, pki: ctx.pkiDir }, { cause: err });
  }

  const as = server.engine.addressSpace!;
  const ns = as.registerNamespace(NAMESPACE_URI);
  const root = ns.addFolder(as.rootFolder.objects, { browseName: 'Inspectd', nodeId: 's=Inspectd' });
  ns.addVariable({ componentOf: root, browseName: 'Station', nodeId: 's=Inspectd.Station', dataType: 'String', value: { dataType: DataType.String, value: ctx.station } });
  const folders = new Map<string, UAObject>();
  const folder = (name: string): UAObject => {
    let f = folders.get(name);
    if (!f) folders.set(name, (f = ns.addFolder(root, { browseName: name, nodeId: `s=${name}` })));
    return f;
  };
  const pushed = new Map<string, { v: UAVariable; type: DataType }>();
  const addPushed = (spec: VarSpec): void => {
    const v = ns.addVariable({
      componentOf: folder(spec.folder), browseName: spec.name, nodeId: `s=${nodeIdOf(spec)}`, dataType: spec.type, description: spec.description,
      accessLevel: 'CurrentRead', userAccessLevel: 'CurrentRead',
      // 0: the value changes only when we set it, so monitored items are told at once, not sampled.
      minimumSamplingInterval: 0,
    });
    pushed.set(nodeIdOf(spec), { v, type: DataType[spec.type] });
  };
  for (const spec of LINE_VARS) addPushed(spec);
  for (const spec of RESULT_VARS) addPushed(spec);
  for (const spec of SAMPLED_VARS) {
    const read = spec.name === 'Late' ? () => ctx.plcStats().late : () => ctx.plcStats().inFlight;
    ns.addVariable({
      componentOf: folder(spec.folder), browseName: spec.name, nodeId: `s=${nodeIdOf(spec)}`, dataType: spec.type, description: spec.description,
      accessLevel: 'CurrentRead', userAccessLevel: 'CurrentRead', minimumSamplingInterval: SAMPLED_MIN_MS,
      value: { get: () => new Variant({ dataType: DataType.UInt32, value: counterValue(read()) }) },
    });
  }
  for (const spec of SETTING_VARS) addSetting(spec);

  function addSetting(spec: (typeof SETTING_VARS)[number]): void {
    const type = DataType[spec.type];
    // The setter gets no session; writeValue does, and calls the setter before it returns.
    let writer = 'unknown';
    const v = ns.addVariable({
      componentOf: folder(spec.folder), browseName: spec.name, nodeId: `s=${nodeIdOf(spec)}`, dataType: spec.type, description: spec.description,
      accessLevel: 'CurrentRead | CurrentWrite', userAccessLevel: 'CurrentRead | CurrentWrite', minimumSamplingInterval: SAMPLED_MIN_MS,
      value: {
        get: () => new Variant({ dataType: type, value: spec.command === 'threshold' ? ctx.controls.threshold : ctx.controls.paused }),
        set: (variant: Variant) => write(spec, variant.value, writer),
      },
    });
    v.setRolePermissions(SETTING_PERMISSIONS);
    const writeValue = v.writeValue.bind(v);
    v.writeValue = ((context: Parameters<UAVariable['writeValue']>[0], ...rest: unknown[]) => {
      writer = context?.getUserName?.() ?? 'unknown';
      return (writeValue as (...a: unknown[]) => unknown)(context, ...rest);
    }) as UAVariable['writeValue'];
  }

  async function write(spec: (typeof SETTING_VARS)[number], value: unknown, user: string): Promise<StatusCode> {
    const who = `opcua:${user}`.slice(0, 64);
    const payload = spec.command === 'threshold' ? { value, who } : { value };
    try {
      const r = await ctx.command(spec.command, payload);
      if (r.ok) {
        log.info({ node: nodeIdOf(spec), who }, 'OPC UA write applied');
        return StatusCodes.Good;
      }
      log.warn({ node: nodeIdOf(spec), who, error: r.error }, 'OPC UA write refused');
      return StatusCodes.BadOutOfRange;
    } catch (err) {
      log.error({ node: nodeIdOf(spec), who, err }, 'OPC UA write failed');
      return StatusCodes.BadInternalError;
    }
  }

  const set = (id: string, nv: NodeValue, ts: Date): void => {
    const p = pushed.get(id)!;
    const variant = nv.value === null ? new Variant({ dataType: DataType.Null }) : new Variant({ dataType: p.type, value: nv.value });
    p.v.setValueFromSource(variant, StatusCodes[nv.quality], ts);
  };

  let state: ResultState = { ...initialState };
  const queue: Change[] = [];
  let scheduled = false;
  let dropped = 0;
  let failures = 0;
  const waiters: Array<() => void> = [];
  const flush = (): void => {
    scheduled = false;
    for (const c of queue.splice(0)) {
      try {
        if (c.kind === 'line') {
          set(`Lines.${LINE_VARS.find((l) => l.line === c.line)!.name}`, { value: c.value === 1, quality: 'Good' }, new Date(c.ts));
        } else {
          const ts = new Date(c.state.ts ?? Date.now());
          for (const [id, nv] of Object.entries(resultValues(c.state))) set(id, nv, ts);
        }
      } catch (err) {
        if (failures++ % 1000 === 0) log.error({ err, failures }, 'OPC UA value update failed');
      }
    }
    for (const w of waiters.splice(0)) w();
  };
  const enqueue = (c: Change): void => {
    if (queue.length >= MAX_QUEUE) {
      queue.shift();
      if (dropped++ % 1000 === 0) log.warn({ dropped }, 'OPC UA updates dropped: node-opcua is not keeping up');
    }
    queue.push(c);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  // Start values: every line as it is now, the result variables in their "nothing yet" state.
  const t0 = Date.now();
  for (const l of LINE_VARS) enqueue({ kind: 'line', line: l.line, value: ctx.lineLevel(l.line), ts: t0 });
  enqueue({ kind: 'result', state });
  flush();
  const offResult = ctx.bus.on('inspected', 'opcua', (r) => {
    state = applyResult(state, r);
    enqueue({ kind: 'result', state });
  });
  const offLine = ctx.bus.on('line', 'opcua', (e) => enqueue({ kind: 'line', ...e }));

  try {
    await server.start();
  } catch (err) {
    offResult();
    offLine();
    await server.shutdown(0).catch(() => {});
    throw new InspectdError('OPCUA_LISTEN', `OPC UA server cannot listen on ${cfg.host}:${cfg.port}: ${errorMessage(err)}`, where, { cause: err });
  }
  const port = server.endpoints[0]?.port ?? cfg.port;
  const endpointUrl = server.getEndpointUrl();

  let closing: Promise<void> | null = null;
  return {
    port,
    endpointUrl,
    flushed: () => (scheduled ? new Promise<void>((r) => waiters.push(r)) : Promise.resolve()),
    close() {
      closing ??= (async () => {
        offResult();
        offLine();
        // 0: no grace period announced to clients; the stop deadline is short.
        await server.shutdown(0);
      })();
      return closing;
    },
  };
}
