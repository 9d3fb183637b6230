/**
 * The dashboard's HTML and CSS as strings, so dist/ is self-contained (tsc copies no static
 * files) and the page needs nothing from outside the station: no CDN, no web fonts. The
 * behaviour lives in the compiled modules of ./client (served under /static/).
 */

export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function pageHtml(station: string): string {
  const st = esc(station);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>inspectd · ${st}</title>
<link rel="stylesheet" href="/static/app.css">
<script type="module" src="/static/main.js"></script>
</head>
<body>
<header>
  <h1>inspectd <span id="station">${st}</span></h1>
  <span id="model" class="muted"></span>
  <span id="health" class="pill">…</span>
  <span id="conn" class="pill">connecting…</span>
  <a id="review-link" class="navlink" href="/review">Review parts →</a>
</header>
<main>
  <section class="card" id="frame-panel">
    <h2>Latest frame</h2>
    <div class="row">
      <span id="verdict" class="badge">—</span>
      <span title="How much the part looks like a good one, by the model card's score rule (higher = better). A part scoring below the threshold is rejected.">score <b id="score">—</b></span>
      <span>threshold <b id="thr-now">—</b></span>
      <span id="seq" class="muted"></span>
    </div>
    <img id="frame" alt="latest frame beside its heatmap">
    <p class="muted small">left: what the model saw · right: heatmap of the map the score rule reads (red = unlike a good part), drawn for parts scoring below the threshold</p>
  </section>
  <section class="card" id="counters-panel">
    <h2>Counters</h2>
    <dl class="counters">
      <div><dt>inspected</dt><dd id="c-inspected">0</dd></div>
      <div><dt>rejected</dt><dd id="c-rejected">0</dd></div>
      <div><dt>errors</dt><dd id="c-errors">0</dd></div>
      <div><dt>dropped</dt><dd id="c-dropped">0</dd></div>
      <div><dt>frames/s</dt><dd id="c-fps">0</dd></div>
      <div><dt>latency p50</dt><dd id="c-p50">—</dd></div>
      <div><dt>latency p99</dt><dd id="c-p99">—</dd></div>
      <div><dt>MQTT</dt><dd id="c-mqtt">—</dd></div>
    </dl>
    <div class="row"><button id="pause" type="button">Pause</button><span id="pause-msg" class="muted"></span></div>
  </section>
  <section class="card wide" id="hist-panel">
    <h2 title="Decision scores of the recent parts (the model card's score rule, higher = more like a good part), with the threshold they are compared with">Recent scores <small id="hist-n" class="muted"></small></h2>
    <svg id="hist" viewBox="0 0 800 200" preserveAspectRatio="none" role="img" aria-label="histogram of recent scores with the threshold"></svg>
    <p class="legend small"><span class="key cur"></span>current threshold <span class="key prop"></span>proposed <span class="key bad"></span>would be rejected</p>
    <form id="thr-form" autocomplete="off">
      <label>Threshold <input id="thr-input" type="number" step="0.0001" min="-1" max="1" required></label>
      <input id="thr-slider" type="range" min="0" max="1" step="0.0001" aria-label="threshold slider">
      <output id="thr-preview" class="preview">—</output>
      <label>Who <input id="who" maxlength="64" required placeholder="your name"></label>
      <label>Reason <input id="reason" maxlength="200" placeholder="optional"></label>
      <button id="thr-apply" type="submit">Apply threshold</button>
      <span id="thr-msg" class="msg"></span>
    </form>
    <p id="thr-labelled" class="small muted"></p>
    <h3>Threshold changes</h3>
    <ul id="thr-log" class="log small"></ul>
  </section>
  <section class="card wide" id="rejects-panel">
    <h2>Recent rejects</h2>
    <div id="strip" class="strip"><p class="muted">none yet</p></div>
  </section>
  <section class="card wide" id="calib-panel">
    <h2>Calibration</h2>
    <p class="muted small">Run known-good parts past the camera, record their scores, and apply the threshold the model card's rule proposes (<span id="calib-rule"></span>).</p>
    <form id="calib-form" class="row" autocomplete="off">
      <label>Good parts <input id="calib-n" type="number" min="5" max="10000" step="1" value="50" required></label>
      <button id="calib-start" type="submit">Start recording</button>
      <button id="calib-cancel" type="button">Cancel</button>
      <progress id="calib-progress" max="1" value="0"></progress>
      <span id="calib-status" class="muted">idle</span>
    </form>
    <svg id="calib-hist" viewBox="0 0 800 160" preserveAspectRatio="none" role="img" aria-label="histogram of the recorded good parts"></svg>
    <div class="row">
      <span>proposed threshold <b id="calib-proposed">—</b></span>
      <button id="calib-apply" type="button" disabled>Apply proposed threshold</button>
      <span id="calib-msg" class="msg"></span>
    </div>
    <p id="calib-labelled" class="small muted"></p>
  </section>
</main>
<dialog id="viewer">
  <img id="viewer-img" alt="saved reject image">
  <p id="viewer-meta"></p>
  <form method="dialog"><button>Close</button></form>
</dialog>
</body>
</html>
`;
}

export function unauthorizedHtml(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>inspectd · token required</title><link rel="stylesheet" href="/static/app.css"></head>
<body><main><section class="card"><h2>Token required</h2><p>This dashboard is protected. Open it once as <code>/?token=&lt;token&gt;</code> (the token from <code>http.token_file</code>); the browser then keeps it in a cookie.</p></section></main></body></html>
`;
}

export const PAGE_CSS = `
:root { --bg:#111418; --card:#1b2027; --fg:#e6e9ee; --muted:#8d96a3; --ok:#2fb36d; --bad:#e5484d; --warn:#f5a524; --accent:#4aa3ff; --line:#2b323c; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--fg); font:14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { display:flex; gap:12px; align-items:center; padding:10px 16px; border-bottom:1px solid var(--line); flex-wrap:wrap; }
h1 { font-size:18px; margin:0; } h1 span { color:var(--accent); }
h2 { font-size:15px; margin:0 0 8px; } h3 { font-size:13px; margin:12px 0 4px; color:var(--muted); }
main { display:grid; grid-template-columns: minmax(300px, 1.3fr) minmax(260px, 1fr); gap:12px; padding:12px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px; min-width:0; }
.wide { grid-column: 1 / -1; }
.row { display:flex; gap:12px; align-items:center; flex-wrap:wrap; margin:4px 0; }
.muted { color:var(--muted); } .small { font-size:12px; }
a.navlink { margin-left:auto; color:var(--accent); text-decoration:none; border:1px solid var(--line); border-radius:8px; padding:10px 16px; font-size:16px; } a.navlink:hover { border-color:var(--accent); }
.pill { border:1px solid var(--line); border-radius:999px; padding:2px 10px; font-size:12px; }
.pill.ok { border-color:var(--ok); color:var(--ok); } .pill.bad { border-color:var(--bad); color:var(--bad); }
.badge { font-weight:700; padding:2px 10px; border-radius:4px; background:var(--line); text-transform:uppercase; }
.badge.pass { background:var(--ok); color:#04140b; } .badge.reject { background:var(--bad); } .badge.error { background:var(--warn); color:#1a1200; }
#frame { display:block; width:100%; max-height:380px; object-fit:contain; background:#000; image-rendering:pixelated; margin-top:6px; min-height:120px; }
.counters { display:grid; grid-template-columns:repeat(2, 1fr); gap:8px; margin:0 0 8px; }
.counters div { background:#151a20; border-radius:6px; padding:8px; }
.counters dt { color:var(--muted); font-size:12px; } .counters dd { margin:0; font-size:22px; font-variant-numeric:tabular-nums; }
svg { width:100%; display:block; background:#151a20; border-radius:6px; }
#hist { height:200px; } #calib-hist { height:160px; margin:8px 0; }
svg .bar { fill:#5a7ca3; } svg .bar.below { fill:var(--bad); } svg .axis { fill:var(--muted); font-size:11px; }
svg .thr { stroke:#ffffff; stroke-width:2; } svg .thr-prop { stroke:var(--warn); stroke-width:2; stroke-dasharray:6 4; }
svg .base { stroke:var(--line); } svg .halo { stroke:#000; stroke-opacity:.6; stroke-width:6; }
svg text.lbl { font-size:11px; font-weight:600; fill:#fff; paint-order:stroke; stroke:#000; stroke-width:3px; } svg text.lbl.thr-prop { fill:var(--warn); stroke-dasharray:none; }
.legend .key { display:inline-block; width:14px; height:3px; margin:0 4px 3px 12px; vertical-align:middle; background:#fff; }
.legend .key.prop { background:var(--warn); } .legend .key.bad { background:var(--bad); height:10px; }
form { display:flex; gap:10px; align-items:center; flex-wrap:wrap; margin-top:8px; }
label { color:var(--muted); display:flex; gap:6px; align-items:center; }
input, button { font:inherit; color:var(--fg); background:#151a20; border:1px solid var(--line); border-radius:6px; padding:5px 8px; }
input[type=number] { width:110px; } input[type=range] { flex:1; min-width:160px; }
button { cursor:pointer; background:#243244; } button:hover { border-color:var(--accent); } button:disabled { opacity:.5; cursor:default; }
.preview { font-weight:600; color:var(--warn); }
.msg.ok { color:var(--ok); } .msg.bad { color:var(--bad); }
.log { margin:0; padding-left:18px; color:var(--muted); max-height:110px; overflow:auto; }
.strip { display:flex; gap:8px; overflow-x:auto; padding-bottom:4px; min-height:60px; }
.thumb { flex:0 0 auto; width:150px; background:#151a20; border:1px solid var(--line); border-radius:6px; padding:4px; cursor:pointer; color:var(--fg); text-align:left; }
.thumb img { width:100%; height:72px; object-fit:cover; display:block; background:#000; }
.thumb .nothumb { height:72px; display:flex; align-items:center; justify-content:center; color:var(--muted); font-size:12px; }
.thumb span { display:block; font-size:12px; }
progress { width:200px; }
dialog { background:var(--card); color:var(--fg); border:1px solid var(--line); border-radius:8px; max-width:90vw; }
dialog img { max-width:85vw; max-height:70vh; image-rendering:pixelated; display:block; }
dialog::backdrop { background:rgba(0,0,0,.6); }
@media (max-width: 800px) { main { grid-template-columns: 1fr; } }
`;
