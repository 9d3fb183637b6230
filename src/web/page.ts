/**
 * The dashboard's HTML and CSS as strings, so dist/ is self-contained (tsc copies no static
 * files) and the page needs nothing from outside the station: no CDN, no web fonts. The
 * behaviour lives in the compiled modules of ./client (served under /static/), the styles in
 * pageCss.ts. Two views: Shift (for supervisors, plain words) and Station (the engineer's
 * panels, shown with "Technical detail" on, which also reveals rule names and raw scores).
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
<link rel="icon" href="data:,">
<script type="module" src="/static/main.js"></script>
</head>
<body>
<header>
  <h1>inspectd <span id="station">${st}</span></h1>
  <nav id="tabs" aria-label="views">
    <a href="#shift" data-tab="shift">Shift</a>
    <a href="#station" data-tab="station" class="tech">Station</a>
  </nav>
  <span class="spacer"></span>
  <span id="model" class="muted tech"></span>
  <span id="health" class="pill">…</span>
  <span id="conn" class="pill">connecting…</span>
  <a id="review-link" class="navlink" href="/review">Review parts →</a>
  <label class="switch"><input type="checkbox" id="tech-toggle"> Technical detail</label>
</header>
<div class="view" data-view="shift">
<main class="shift">
  <section class="card" id="now-panel">
    <h2>Last part</h2>
    <div id="big-verdict" class="verdict none">—</div>
    <p id="big-meta" class="muted"></p>
    <p class="tech small">score <b id="big-score">—</b> · threshold <b id="big-thr">—</b> · rule <span id="big-rule">—</span></p>
    <div id="status" class="status quiet"><b id="status-word">—</b><ul id="status-why"></ul></div>
  </section>
  <section class="card" id="totals-panel">
    <div class="row between">
      <h2 id="totals-title">This shift</h2>
      <div class="seg" role="group" aria-label="time range">
        <button type="button" data-range="hour">Last hour</button>
        <button type="button" data-range="shift" class="on">This shift</button>
        <button type="button" data-range="today">Today</button>
      </div>
    </div>
    <p id="totals-span" class="muted small"></p>
    <dl class="tiles">
      <div><dt>Parts</dt><dd id="t-parts">—</dd><dd class="sub" id="t-parts-sub"></dd></div>
      <div class="good"><dt>Good</dt><dd id="t-good">—</dd><dd class="sub" id="t-yield"></dd></div>
      <div class="bad"><dt>Rejected</dt><dd id="t-reject">—</dd><dd class="sub" id="t-reject-rate"></dd></div>
      <div class="warn"><dt>Not inspected</dt><dd id="t-errors">—</dd><dd class="sub" id="t-errors-sub"></dd></div>
    </dl>
  </section>
  <section class="card wide" id="trend-panel">
    <h2>Reject rate over time <small id="trend-n" class="muted"></small></h2>
    <svg id="trend" viewBox="0 0 800 230" role="img" aria-label="reject rate per time bucket"></svg>
    <p class="legend small"><span class="key rate"></span>rejected, % of inspected parts <span class="key err"></span>not inspected, % of parts <span class="key amber"></span>amber limit <span class="key red"></span>red limit</p>
  </section>
  <section class="card" id="shifts-panel">
    <h2>Shifts</h2>
    <div class="scroll"><table id="shifts"><thead><tr><th>Shift</th><th>Time</th><th>Parts</th><th>Good</th><th>Rejected</th><th>Not inspected</th></tr></thead><tbody></tbody></table></div>
  </section>
  <section class="card" id="shift-hist-panel">
    <h2 title="Scores of the recent parts: higher means more like a good part; parts left of the line are rejected">How the recent parts scored <small id="shift-hist-n" class="muted"></small></h2>
    <svg id="shift-hist" viewBox="0 0 500 200" role="img" aria-label="histogram of recent scores with the threshold"></svg>
    <p class="legend small"><span class="key cur"></span>threshold: parts to its left are rejected <span class="key bad"></span>rejected</p>
  </section>
  <section class="card wide" id="rejects-panel">
    <h2>Latest rejects</h2>
    <div id="strip" class="strip"><p class="muted">none yet</p></div>
  </section>
</main>
</div>
<div class="view" data-view="station" hidden>
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
</div>
<!-- Another view: a link in #tabs (data-tab="name") and a <div class="view" data-view="name" hidden>; views.ts shows it. -->
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
