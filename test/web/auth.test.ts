import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenMatches } from '../../src/web/auth.js';
import { postJson, req, startHarness, type Harness } from './harness.js';

describe('an empty token', () => {
  it('the real server refuses to start with an empty or whitespace-only token (it would open every route)', async () => {
    for (const token of ['', '  ']) await expect(startHarness({ token })).rejects.toMatchObject({ code: 'CONFIG_SECRET_EMPTY' });
  });

  it('matches nothing, configured or presented', () => {
    expect(tokenMatches('', '')).toBe(false);
    expect(tokenMatches('', 'x')).toBe(false);
    expect(tokenMatches('x', '')).toBe(false);
    expect(tokenMatches('x', 'x')).toBe(true);
  });
});

describe('web server with a token', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ token: 's3cret-token' });
  });
  afterAll(async () => h?.close());

  it('answers 401 without the token on every route but /healthz', async () => {
    for (const p of ['/api/state', '/metrics', '/events', '/api/frame.jpg', '/images/x.jpg', '/static/main.js']) {
      const r = await req(h.url, p);
      expect(r.status, p).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Bearer');
    }
    const page = await req(h.url, '/');
    expect(page.status).toBe(401);
    expect(page.text).toContain('/?token=');
    const post = await postJson(h.url, '/api/threshold', { value: 0.1 });
    expect(post.status).toBe(401);
    expect(h.commands).toHaveLength(0);
    expect([200, 503]).toContain((await req(h.url, '/healthz')).status);
  });

  it('accepts the bearer header, refuses a wrong one', async () => {
    expect((await req(h.url, '/api/state', { headers: { Authorization: 'Bearer s3cret-token' } })).status).toBe(200);
    expect((await req(h.url, '/api/state', { headers: { Authorization: 'Bearer s3cret-tokeN' } })).status).toBe(401);
    const r = await postJson(h.url, '/api/threshold', { value: 0.3, who: 'carol' }, { Authorization: 'Bearer s3cret-token' });
    expect(r.status).toBe(200);
    expect(h.controls.threshold).toBe(0.3);
  });

  it('trades ?token= for an HttpOnly cookie and a clean URL', async () => {
    const wrong = await req(h.url, '/?token=nope');
    expect(wrong.status).toBe(401);
    const r = await req(h.url, '/?token=s3cret-token&x=1');
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/?x=1');
    const cookie = String(r.headers['set-cookie']);
    expect(cookie).toMatch(/^inspectd_token=s3cret-token; Path=\/; HttpOnly; SameSite=Strict/);
    const page = await req(h.url, '/', { headers: { Cookie: cookie.split(';')[0] } });
    expect(page.status).toBe(200);
    expect(page.text).toContain('id="hist"');
  });
});
