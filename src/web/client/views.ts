/// <reference lib="dom" />
import { $ } from './dom.js';

/**
 * Views and the technical-detail switch. A view is a `<div class="view" data-view="name">` with a
 * link `<a href="#name" data-tab="name">` in #tabs; the address bar's #name picks it, so a tablet
 * bookmark opens the right one. Nothing here names a view: another one is added in the page alone.
 * "Technical detail" (kept per browser) shows everything marked `.tech`: rule names, raw
 * scores, the Station view's tab.
 */

const listeners: Array<(view: string) => void> = [];
let shown = '';

/** Called with the view's name each time one is shown (panels refresh only while visible). */
export function onView(fn: (view: string) => void): void {
  listeners.push(fn);
}

export function currentView(): string {
  const views = [...document.querySelectorAll<HTMLElement>('.view[data-view]')].map((v) => v.dataset.view!);
  const want = location.hash.slice(1);
  return views.includes(want) ? want : views[0];
}

export const isShown = (view: string) => currentView() === view;

function show(): void {
  const v = currentView();
  for (const el of document.querySelectorAll<HTMLElement>('.view[data-view]')) el.hidden = el.dataset.view !== v;
  for (const a of document.querySelectorAll<HTMLElement>('#tabs [data-tab]')) a.classList.toggle('on', a.dataset.tab === v);
  // A view name can also be an element id (#station is the header's station name): start at the top.
  if (v !== shown) window.scrollTo(0, 0);
  shown = v;
  for (const fn of listeners) fn(v);
  window.dispatchEvent(new CustomEvent('inspectd:view', { detail: v }));
}

export function technical(): boolean {
  return document.body.classList.contains('tech');
}

export function setupViews(): void {
  const toggle = $<HTMLInputElement>('tech-toggle');
  const apply = (on: boolean) => {
    document.body.classList.toggle('tech', on);
    toggle.checked = on;
  };
  apply(localStorage.getItem('inspectd.tech') === '1');
  toggle.addEventListener('change', () => {
    localStorage.setItem('inspectd.tech', toggle.checked ? '1' : '0');
    apply(toggle.checked);
    show();
  });
  window.addEventListener('hashchange', show);
  show();
}
