/// <reference lib="dom" />
import { $, el, fmtScore, getJson, latestOnly, postJson, text } from './dom.js';

/**
 * The review page: recent rejects (and sampled passes) with their picture and heatmap; the
 * operator says "good part" or "defect" for each. The list is polled (a few seconds) and cards are
 * kept by part, so a refresh never reloads or blanks a picture; only parts whose row (and image)
 * is already in the database are listed, so a card never waits for its picture.
 */

interface Item {
  seq: number; ts: number; verdict: 'pass' | 'reject' | 'error'; kind: 'reject' | 'pass_sample';
  score: number | null; score_rule: string | null; threshold: number; source: string; image_path: string;
  error_code: string | null; error_message: string | null;
  label: { label: 'good' | 'defect'; who: string; ts: number } | null;
}
interface Reply { items: Item[]; counts: { good: number; defect: number }; pass_every: number; save_images: string }
interface Labelled { label: { label: 'good' | 'defect'; who: string; ts: number }; changed: boolean }

/** Shared with the dashboard's threshold form: the name is typed once per browser. */
const WHO_KEY = 'inspectd.who';
const POLL_MS = 3000;
const WORDS = { good: 'good part', defect: 'defect' } as const;

interface Card { node: HTMLElement; item: Item }
const cards = new Map<string, Card>();
const keyOf = (i: Pick<Item, 'seq' | 'ts'>) => `${i.seq}:${i.ts}`;
const imageUrl = (p: string) => `/images/${p.split('/').map(encodeURIComponent).join('/')}`;

function when(ts: number): string {
  const d = new Date(ts);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString() : d.toLocaleString();
}

function verdictWords(i: Item): { text: string; cls: string } {
  if (i.kind === 'pass_sample') return { text: 'Passed (random check)', cls: 'passed' };
  if (i.verdict === 'error') return { text: 'Rejected: could not be inspected', cls: 'rejected' };
  return { text: 'Rejected', cls: 'rejected' };
}

function say(node: HTMLElement, msg: string, ok: boolean | null): void {
  const s = node.querySelector<HTMLElement>('.status')!;
  s.textContent = msg;
  s.className = `status${ok === null ? ' muted' : ok ? ' ok' : ' bad'}`;
}

function showLabel(c: Card): void {
  const l = c.item.label;
  c.node.classList.toggle('labelled', l !== null);
  for (const b of c.node.querySelectorAll<HTMLButtonElement>('.actions button')) {
    const chosen = l?.label === b.dataset.label;
    b.classList.toggle('chosen', chosen);
    b.setAttribute('aria-pressed', String(chosen));
  }
  say(c.node, l ? `Marked ${WORDS[l.label]} by ${l.who} at ${when(l.ts)}` : 'Not reviewed yet', l ? true : null);
}

function buildCard(i: Item): Card {
  const v = verdictWords(i);
  const img = el('img', { src: imageUrl(i.image_path), alt: `part ${i.seq}: the picture, and the same picture with its heatmap`, decoding: 'async' });
  const pics = el('a', { class: 'pics', href: imageUrl(i.image_path), target: '_blank', rel: 'noopener', title: 'open the picture full size' }, img);
  img.addEventListener('error', () => pics.replaceChildren(el('span', { class: 'muted small gone' }, 'picture no longer on disk (removed by the storage quota)')));
  const good = el('button', { type: 'button', class: 'good', 'data-label': 'good' }, '✓ Good part');
  const defect = el('button', { type: 'button', class: 'defect', 'data-label': 'defect' }, '✗ Defect');
  const tech = `score ${fmtScore(i.score)} · threshold ${fmtScore(i.threshold)}${i.score_rule ? ` · rule ${i.score_rule}` : ''} · file ${i.source}${i.error_code ? ` · ${i.error_code}: ${i.error_message ?? ''}` : ''}`;
  const node = el('article', { class: 'card part', 'data-seq': String(i.seq), 'data-ts': String(i.ts) },
    pics,
    el('div', { class: 'captions' }, el('span', {}, 'the part'), el('span', {}, 'red = unlike a good part')),
    el('div', { class: 'what' }, el('b', { class: v.cls }, v.text), el('span', { class: 'muted' }, `${when(i.ts)} · part #${i.seq}`)),
    el('div', { class: 'actions' }, good, defect),
    el('p', { class: 'status' }),
    el('details', {}, el('summary', {}, 'Details'), el('span', {}, tech)),
  );
  const c: Card = { node, item: i };
  for (const b of [good, defect]) b.addEventListener('click', () => void label(c, b.dataset.label as 'good' | 'defect'));
  showLabel(c);
  return c;
}

async function label(c: Card, value: 'good' | 'defect'): Promise<void> {
  const whoInput = $<HTMLInputElement>('rv-who');
  const who = whoInput.value.trim();
  if (!who) {
    say(c.node, 'Type your name at the top first', false);
    whoInput.focus();
    return;
  }
  localStorage.setItem(WHO_KEY, who);
  const buttons = c.node.querySelectorAll<HTMLButtonElement>('.actions button');
  buttons.forEach((b) => (b.disabled = true));
  try {
    const r = await postJson<Labelled>('/api/labels', { seq: c.item.seq, ts: c.item.ts, label: value, who });
    c.item = { ...c.item, label: r.label };
    showLabel(c);
    void refresh();
  } catch (err) {
    say(c.node, `Not saved: ${(err as Error).message}`, false);
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}

/**
 * New parts are held back while someone is working on the list (a tap, a key, a scroll in the last
 * IDLE_MS): a card must never move under a finger about to tap it. They are shown on request
 * ("Show N new parts"), when the list is empty, or once the page has been left alone.
 */
const IDLE_MS = 20_000;
let lastTouched = 0;
let pending: Reply | null = null;

function show(r: Reply): void {
  const list = $('rv-list');
  const known = (i: Item) => cards.has(keyOf(i));
  const fresh = r.items.filter((i) => !known(i)).length;
  const busy = performance.now() - lastTouched < IDLE_MS && list.children.length > 0;
  // Labels change in place whatever happens to the order (another tablet may have labelled).
  for (const i of r.items) {
    const c = cards.get(keyOf(i));
    if (c && JSON.stringify(c.item.label) !== JSON.stringify(i.label)) {
      c.item = i;
      showLabel(c);
    }
  }
  showCounts(r);
  const more = $<HTMLButtonElement>('rv-more');
  if (busy && fresh > 0) {
    pending = r;
    more.hidden = false;
    more.textContent = `Show ${fresh} new part${fresh === 1 ? '' : 's'}`;
    return;
  }
  pending = null;
  more.hidden = true;
  render(r);
}

function render(r: Reply): void {
  const nodes = r.items.map((i) => {
    const k = keyOf(i);
    let c = cards.get(k);
    if (!c) cards.set(k, (c = buildCard(i)));
    return c.node;
  });
  const listed = new Set(r.items.map(keyOf));
  for (const k of [...cards.keys()]) if (!listed.has(k)) cards.delete(k);
  const list = $('rv-list');
  // Untouched when nothing moved: re-inserting nodes would reset focus on a tablet.
  if (nodes.length !== list.children.length || nodes.some((n, idx) => list.children[idx] !== n)) list.replaceChildren(...nodes);
  const empty = $('rv-empty');
  empty.hidden = r.items.length > 0;
  if (r.items.length === 0) {
    empty.textContent = r.save_images === 'none'
      ? 'The station is not saving pictures now (save images: none), so there is nothing to review.'
      : $<HTMLInputElement>('rv-unlabelled').checked
        ? 'Every recent part with a picture has been reviewed.'
        : 'No rejected parts with a picture yet. New ones appear here within a few seconds.';
  }
}

function showCounts(r: Reply): void {
  text('rv-counts', `reviewed so far: ${r.counts.good} good part${r.counts.good === 1 ? '' : 's'}, ${r.counts.defect} defect${r.counts.defect === 1 ? '' : 's'}`);
}

const refresh = latestOnly(() => getJson<Reply>(`/api/review?limit=24&unlabelled=${$<HTMLInputElement>('rv-unlabelled').checked ? 1 : 0}`), show);

function start(): void {
  const who = $<HTMLInputElement>('rv-who');
  who.value = localStorage.getItem(WHO_KEY) ?? '';
  who.addEventListener('change', () => localStorage.setItem(WHO_KEY, who.value.trim()));
  $('rv-unlabelled').addEventListener('change', () => {
    lastTouched = 0; // a new filter is a new list: show it at once
    void refresh();
  });
  $('rv-more').addEventListener('click', () => {
    lastTouched = 0;
    if (pending) show(pending);
    window.scrollTo({ top: 0 });
  });
  for (const ev of ['pointerdown', 'keydown', 'wheel', 'touchmove']) window.addEventListener(ev, () => (lastTouched = performance.now()), { passive: true, capture: true });
  const tick = () => {
    if (document.visibilityState !== 'visible') return;
    refresh().then(() => text('rv-msg', ''), (err: Error) => text('rv-msg', `Cannot load the parts: ${err.message}`));
  };
  tick();
  window.setInterval(tick, POLL_MS);
}

start();
