/**
 * The review page (/review): HTML and CSS as strings, like page.ts, on top of the dashboard's
 * /static/app.css theme. Made for a tablet at the line: big buttons, plain words, no rule names
 * unless "Details" is opened. Its behaviour is the compiled client/review.ts.
 */

import { esc } from './page.js';

export function reviewHtml(station: string): string {
  const st = esc(station);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Review parts · ${st}</title>
<link rel="stylesheet" href="/static/app.css">
<link rel="stylesheet" href="/static/review.css">
<script type="module" src="/static/review.js"></script>
</head>
<body class="review">
<header>
  <h1>Review parts <span id="station">${st}</span></h1>
  <a class="navlink" href="/">← Dashboard</a>
</header>
<main class="review-main">
  <section class="card review-bar" aria-label="who is reviewing">
    <label class="who">Your name <input id="rv-who" maxlength="64" autocomplete="name" placeholder="type it once" required></label>
    <label class="check"><input id="rv-unlabelled" type="checkbox"> only parts not yet reviewed</label>
    <span id="rv-counts" class="muted"></span>
    <button id="rv-more" type="button" class="more" hidden></button>
  </section>
  <p class="muted small review-help">For each part the station rejected (and a few it passed), say what it really is. Left: the part as the camera saw it. Right: red where it looks unlike a good part.</p>
  <p id="rv-msg" class="msg" role="status"></p>
  <section id="rv-list" class="review-grid" aria-live="polite"></section>
  <p id="rv-empty" class="card muted" hidden></p>
</main>
</body>
</html>
`;
}

export const REVIEW_CSS = `
body.review { color-scheme: dark; }
.review-main { display:block; padding:12px; max-width:1400px; margin:0 auto; }
.review-bar { display:flex; flex-wrap:wrap; gap:16px; align-items:center; }
.review-bar label { font-size:16px; color:var(--fg); }
.review-bar input#rv-who { font-size:18px; padding:10px 12px; min-width:220px; }
.review-bar label.check { gap:10px; min-height:48px; }
.review-bar input[type=checkbox] { width:26px; height:26px; accent-color:var(--accent); }
.review-bar button.more { margin-left:auto; min-height:48px; font-size:16px; padding:8px 18px; border-color:var(--accent); }
.review-help { margin:10px 2px; }
#rv-msg { min-height:1.4em; margin:4px 2px; font-size:15px; }
.review-grid { display:grid; grid-template-columns:repeat(auto-fill, minmax(340px, 1fr)); gap:12px; }
.part { display:flex; flex-direction:column; gap:8px; }
.part.labelled { border-color:#3a4350; }
.part .pics { position:relative; background:#2a3038; border-radius:6px; aspect-ratio: 2 / 1; overflow:hidden; }
.part .pics img { display:block; width:100%; height:100%; object-fit:contain; image-rendering:pixelated; }
.part .captions { display:flex; justify-content:space-between; font-size:12px; color:var(--muted); margin-top:-4px; }
.part .what { display:flex; flex-direction:column; gap:2px; font-size:15px; }
.part .what b.rejected { color:var(--bad); } .part .what b.passed { color:var(--ok); }
.part .actions { display:grid; grid-template-columns:1fr 1fr; gap:10px; }
.part .actions button { min-height:60px; font-size:19px; font-weight:600; border-width:2px; border-radius:10px; }
.part button.good { border-color:var(--ok); color:#bff3d5; background:#15291f; }
.part button.defect { border-color:var(--bad); color:#ffd0d2; background:#2c1718; }
.part button.good.chosen { background:var(--ok); color:#04140b; }
.part button.defect.chosen { background:var(--bad); color:#fff; }
.part .status { min-height:1.3em; font-size:14px; }
.part .status.ok { color:var(--ok); } .part .status.bad { color:var(--bad); }
.part details { font-size:12px; color:var(--muted); }
.part details summary { cursor:pointer; padding:6px 0; }
`;
