/// <reference lib="dom" />
import { $, el, fmtScore, fmtTime, getJson, text } from './dom.js';
import type { Reject } from './types.js';

/**
 * The strip of latest rejects and the viewer behind a click. A thumbnail is never a black box:
 * while its JPEG is being written it says so (the server says when it lands, and the page
 * refetches then), a part without a saved image says why, and an image that no longer loads
 * (deleted by the images quota) is replaced by words.
 */

const imageSrc = (path: string) => `/images/${path.split('/').map(encodeURIComponent).join('/')}`;

/** Why a part was not inspected, in words for the line (the code is in the viewer, and with technical detail on). */
export function errorWords(code: string): string {
  if (code === 'FRAME_DROPPED') return 'dropped: the line ran faster than inspection';
  if (code === 'DECISION_LATE') return 'decided too late for the ejector';
  if (code.startsWith('TRIGGER')) return 'no picture after the trigger';
  if (code.startsWith('MODEL')) return 'the model did not answer';
  if (code.startsWith('FRAME') || code.startsWith('CAMERA')) return 'the picture could not be read';
  return 'could not be inspected';
}

const placeholder = (words: string) => el('div', { class: 'nothumb' }, words);

function picture(r: Reject): HTMLElement {
  if (r.image_path) {
    const img = el('img', { src: imageSrc(r.image_path), alt: `rejected part #${r.seq}`, loading: 'lazy' });
    img.addEventListener('error', () => img.replaceWith(placeholder('image no longer kept')));
    return img;
  }
  if (r.image_pending) return placeholder('saving image…');
  if (r.error) return placeholder(errorWords(r.error.code));
  return placeholder('image not saved');
}

function thumb(r: Reject): HTMLElement {
  const label = r.verdict === 'reject' ? 'rejected' : 'not inspected';
  const b = el('button', { class: 'thumb', type: 'button', 'data-seq': String(r.seq) }, picture(r),
    el('span', {}, `#${r.seq} · ${label}`), el('span', { class: 'muted' }, fmtTime(r.ts)), el('span', { class: 'muted tech' }, `score ${fmtScore(r.score)}`));
  b.addEventListener('click', () => openViewer(r));
  return b;
}

function openViewer(r: Reject): void {
  const img = $<HTMLImageElement>('viewer-img');
  if (r.image_path) {
    img.hidden = false;
    img.src = imageSrc(r.image_path);
  } else img.hidden = true;
  text('viewer-meta', `#${r.seq} · ${r.verdict} · score ${fmtScore(r.score)} (threshold ${fmtScore(r.threshold)}${r.score_rule ? `, rule ${r.score_rule}` : ''})${r.ssim !== null ? ` · SSIM ${fmtScore(r.ssim)}` : ''} · ${new Date(r.ts).toLocaleString()} · ${r.source}${r.error ? ` · ${r.error.code}: ${r.error.message}` : ''}`);
  $<HTMLDialogElement>('viewer').showModal();
}

/** Thumbnails already on the page, by part and image state: reused so a refresh never reloads (and blanks) an image. */
const thumbs = new Map<string, { node: HTMLElement; state: string }>();

export async function refreshRejects(): Promise<void> {
  const { rejects } = await getJson<{ rejects: Reject[] }>('/api/rejects?limit=24');
  if (rejects.length === 0) return;
  const keep = new Map<string, { node: HTMLElement; state: string }>();
  const nodes = rejects.map((r) => {
    const key = `${r.seq}:${r.ts}`;
    const state = `${r.image_path}|${r.image_pending}`;
    const old = thumbs.get(key);
    const t = old && old.state === state ? old : { node: thumb(r), state };
    keep.set(key, t);
    return t.node;
  });
  thumbs.clear();
  for (const [k, v] of keep) thumbs.set(k, v);
  $('strip').replaceChildren(...nodes);
}
