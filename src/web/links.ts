import { isIPv6 } from 'node:net';

/**
 * Absolute links to saved images, for consumers on other machines (MQTT result/alert, the SSE
 * stream, the JSON API): `<base>/images/<day>/<seq>-<ts>.jpg`. The base is `http.public_url`
 * when set (behind a proxy, or a name the plant's DNS knows), else the address the dashboard
 * listens on, with the machine's hostname for a wildcard bind (0.0.0.0 / ::).
 */

export function dashboardBaseUrl(http: { host: string; public_url?: string }, port: number, hostname: string): string {
  if (http.public_url) return http.public_url.replace(/\/+$/, '');
  const wildcard = http.host === '0.0.0.0' || http.host === '::' || http.host === '[::]';
  const host = wildcard ? hostname : http.host.replace(/^\[(.*)\]$/, '$1');
  return `http://${isIPv6(host) ? `[${host}]` : host}:${port}`;
}

/** The image's URL, or null when there is no image (or no dashboard to serve it). */
export function imageUrl(base: string | null, path: string | null | undefined): string | null {
  if (!base || !path) return null;
  return `${base}/images/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * Filled in once the dashboard listens (its port may be 0 = chosen by the OS); before that, and
 * with HTTP off, every link is null. Handed to the MQTT payload builder at start.
 */
export class ImageLinks {
  base: string | null = null;
  readonly url = (path: string | null | undefined): string | null => imageUrl(this.base, path);
}
