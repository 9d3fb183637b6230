import type { IncomingMessage, ServerResponse } from 'node:http';
import { optText, strictNumber } from '../platform/index.js';

/** A request the server refuses, with the status and a message naming the problem. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

/** Bodies are small JSON commands; anything larger is a mistake or an attack. */
export const MAX_BODY_BYTES = 16 * 1024;

/** Headers every response carries: nothing is framed, sniffed or loaded from elsewhere. */
export const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};

export function send(res: ServerResponse, status: number, body: string | Buffer, type: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), 'Cache-Control': 'no-store', ...headers });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8', headers);
}

export function sendError(res: ServerResponse, err: HttpError): void {
  sendJson(res, err.status, { ok: false, error: err.message }, err.headers);
}

/** The JSON object of a POST body: content type checked, size capped, parse errors named. */
export async function readJson(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  // Requiring application/json also keeps cross-site HTML forms out: a browser cannot send this
  // type to another origin without a CORS preflight, which this server never grants.
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError(415, `Content-Type must be application/json (got '${type || 'none'}')`);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw new HttpError(413, `body too large: ${declared} bytes (limit ${maxBytes})`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new HttpError(413, `body too large: over ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `invalid JSON: ${(err as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, 'body must be a JSON object');
  return v as Record<string, unknown>;
}

/** A finite number within [min, max] from a JSON body or query string (strict grammar), or a 400 naming the field. */
export function numberIn(value: unknown, name: string, min: number, max: number, opts: { integer?: boolean } = {}): number {
  const r = strictNumber(value, name, min, max, opts);
  if (!r.ok) throw new HttpError(400, r.error);
  return r.value;
}

/** Optional printable text (who, reason), or a 400. */
export function optString(value: unknown, name: string, maxLen: number): string | undefined {
  const r = optText(value, name, maxLen);
  if (!r.ok) throw new HttpError(400, r.error);
  return r.value;
}
