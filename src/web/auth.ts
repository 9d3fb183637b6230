import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http.js';

/**
 * Access rules for the web surface:
 * - with a token (http.token_file), every route but /healthz needs it: `Authorization: Bearer T`,
 *   or the cookie the page gets after opening `/?token=T` once (so EventSource and <img> work);
 * - bound to loopback, the Host header must name loopback too: a DNS-rebinding page in the
 *   supervisor's browser cannot then reach the dashboard through its own host name;
 * - a POST whose Origin is another site is refused (no CSRF against an unauthenticated loopback).
 */

export const COOKIE = 'inspectd_token';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Constant-time comparison (hashing first makes the lengths equal). An empty token matches
 * nothing, whatever is configured: `?token=` or an empty cookie must never authenticate.
 */
export function tokenMatches(given: string | null | undefined, token: string): boolean {
  return typeof given === 'string' && given !== '' && token !== '' && timingSafeEqual(digest(given), digest(token));
}

export function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

export function bearer(header: string | undefined): string | null {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return m ? m[1].trim() : null;
}

/** Whether a request carries the token (header or cookie). The ?token= form is handled by the router. */
export function authorized(req: IncomingMessage, token: string | null): boolean {
  if (token === null) return true;
  return tokenMatches(bearer(req.headers.authorization), token) || tokenMatches(cookieValue(req.headers.cookie, COOKIE), token);
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Host name of a Host header value (drops the port; keeps IPv6 brackets off). */
export function hostName(hostHeader: string): string {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(hostHeader);
  if (m) return m[1];
  return hostHeader.replace(/:\d+$/, '');
}

/** Throws the HttpError for a request that must not be served, whatever its token. */
export function checkOrigin(req: IncomingMessage, boundToLoopback: boolean): void {
  const host = req.headers.host ?? '';
  if (boundToLoopback && !isLoopbackHost(hostName(host))) {
    throw new HttpError(403, `Host '${host}' is not a loopback name (the dashboard is bound to loopback)`);
  }
  const origin = req.headers.origin;
  if (req.method !== 'GET' && req.method !== 'HEAD' && origin !== undefined) {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      throw new HttpError(403, 'cross-origin request refused (unparsable Origin)');
    }
    if (originHost !== host) throw new HttpError(403, `cross-origin request refused (Origin ${origin})`);
  }
}

export function tokenCookie(token: string, secure: boolean): string {
  return `${COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}
