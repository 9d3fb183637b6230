/**
 * The dashboard's one style sheet (served as /static/app.css). One dark theme for every view
 * and chart: the colours below are the only ones used, verdict colours mean the same everywhere
 * (green good, red rejected, amber not inspected / watch). Laid out for a desktop and for an
 * 800 px tablet held either way (one column, bigger tap targets).
 */
export const PAGE_CSS = `
:root { --bg:#111418; --card:#1b2027; --panel:#151a20; --fg:#e6e9ee; --muted:#8d96a3; --ok:#2fb36d; --bad:#e5484d; --warn:#f5a524; --accent:#4aa3ff; --line:#2b323c; --bar:#5a7ca3; }
* { box-sizing: border-box; }
[hidden] { display:none !important; }
body { margin:0; background:var(--bg); color:var(--fg); font:14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { display:flex; gap:12px; align-items:center; padding:8px 16px; border-bottom:1px solid var(--line); flex-wrap:wrap; position:sticky; top:0; background:var(--bg); z-index:2; }
header .spacer { flex:1; }
h1 { font-size:18px; margin:0; } h1 span { color:var(--accent); }
h2 { font-size:15px; margin:0 0 8px; } h3 { font-size:13px; margin:12px 0 4px; color:var(--muted); }
nav#tabs { display:flex; gap:4px; }
nav#tabs a { color:var(--muted); text-decoration:none; padding:8px 14px; border-radius:6px; border:1px solid transparent; }
nav#tabs a.on { color:var(--fg); background:var(--card); border-color:var(--line); }
body:not(.tech) .tech { display:none !important; }
.switch { color:var(--muted); display:flex; gap:6px; align-items:center; cursor:pointer; padding:6px 0; }
.switch input { width:18px; height:18px; }
main { display:grid; grid-template-columns: minmax(300px, 1.3fr) minmax(260px, 1fr); gap:12px; padding:12px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px; min-width:0; }
.wide { grid-column: 1 / -1; }
.row { display:flex; gap:12px; align-items:center; flex-wrap:wrap; margin:4px 0; }
.row.between { justify-content:space-between; } .row.between h2 { margin:0; }
.muted { color:var(--muted); } .small { font-size:12px; }
.pill { border:1px solid var(--line); border-radius:999px; padding:2px 10px; font-size:12px; }
.pill.ok { border-color:var(--ok); color:var(--ok); } .pill.bad { border-color:var(--bad); color:var(--bad); }
.badge { font-weight:700; padding:2px 10px; border-radius:4px; background:var(--line); text-transform:uppercase; }
.badge.pass { background:var(--ok); color:#04140b; } .badge.reject { background:var(--bad); } .badge.error { background:var(--warn); color:#1a1200; }
.verdict { font-size:44px; font-weight:800; letter-spacing:.02em; text-align:center; padding:18px 8px; border-radius:8px; background:var(--panel); color:var(--muted); text-transform:uppercase; }
.verdict.pass { background:var(--ok); color:#04140b; } .verdict.reject { background:var(--bad); color:#fff; } .verdict.error { background:var(--warn); color:#1a1200; }
#big-meta { text-align:center; margin:6px 0; }
.status { border-radius:8px; padding:10px 12px; margin-top:10px; border:2px solid var(--line); }
.status b { font-size:18px; } .status ul { margin:4px 0 0; padding-left:18px; }
.status.ok { border-color:var(--ok); } .status.ok b { color:var(--ok); }
.status.amber { border-color:var(--warn); background:rgba(245,165,36,.12); } .status.amber b { color:var(--warn); }
.status.red { border-color:var(--bad); background:rgba(229,72,77,.15); } .status.red b { color:var(--bad); }
.status.quiet b { color:var(--muted); }
.seg { display:flex; border:1px solid var(--line); border-radius:6px; overflow:hidden; }
.seg button { border:0; border-radius:0; padding:8px 12px; background:var(--panel); }
.seg button.on { background:var(--accent); color:#04101d; font-weight:600; }
.tiles { display:grid; grid-template-columns:repeat(2, 1fr); gap:8px; margin:8px 0 0; }
.tiles div { background:var(--panel); border-radius:6px; padding:8px 10px; border-left:4px solid var(--line); }
.tiles .good { border-left-color:var(--ok); } .tiles .bad { border-left-color:var(--bad); } .tiles .warn { border-left-color:var(--warn); }
.tiles dt { color:var(--muted); font-size:12px; } .tiles dd { margin:0; font-size:28px; font-variant-numeric:tabular-nums; } .tiles dd.sub { font-size:13px; color:var(--muted); }
.scroll { overflow-x:auto; }
table { border-collapse:collapse; width:100%; font-variant-numeric:tabular-nums; }
th, td { text-align:right; padding:6px 8px; border-bottom:1px solid var(--line); white-space:nowrap; } th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) { text-align:left; }
th { color:var(--muted); font-weight:500; font-size:12px; } tr.current td { background:rgba(74,163,255,.10); } tr.current td:first-child { border-left:3px solid var(--accent); }
td .lvl-amber { color:var(--warn); } td .lvl-red { color:var(--bad); font-weight:600; }
#frame { display:block; width:100%; max-height:380px; object-fit:contain; background:var(--panel); image-rendering:pixelated; margin-top:6px; min-height:120px; }
#frame:not([src]) { visibility:hidden; }
.counters { display:grid; grid-template-columns:repeat(2, 1fr); gap:8px; margin:0 0 8px; }
.counters div { background:var(--panel); border-radius:6px; padding:8px; }
.counters dt { color:var(--muted); font-size:12px; } .counters dd { margin:0; font-size:22px; font-variant-numeric:tabular-nums; }
svg { width:100%; display:block; background:var(--panel); border-radius:6px; }
#hist { height:200px; } #calib-hist { height:160px; margin:8px 0; } #trend { height:230px; } #shift-hist { height:200px; }
svg .bar { fill:var(--bar); } svg .bar.below { fill:var(--bad); } svg .bar.lvl-amber { fill:var(--warn); } svg .bar.lvl-red { fill:var(--bad); } svg .bar.thin { opacity:.45; } svg .bar.zero { fill:var(--muted); }
svg .axis { fill:var(--muted); font-size:11px; } svg .title { fill:var(--muted); font-size:11px; font-style:italic; }
svg .grid { stroke:var(--line); stroke-width:1; } svg .errdot { fill:var(--warn); stroke:var(--panel); stroke-width:1; }
svg .lim-amber { stroke:var(--warn); stroke-width:1.5; stroke-dasharray:6 4; } svg .lim-red { stroke:var(--bad); stroke-width:1.5; stroke-dasharray:6 4; }
svg .nowline { stroke:var(--muted); stroke-dasharray:2 3; }
svg .thr { stroke:#ffffff; stroke-width:2; } svg .thr-prop { stroke:var(--warn); stroke-width:2; stroke-dasharray:6 4; }
svg .base { stroke:var(--line); } svg .halo { stroke:#000; stroke-opacity:.6; stroke-width:6; }
svg text.lbl { font-size:11px; font-weight:600; fill:#fff; paint-order:stroke; stroke:#000; stroke-width:3px; } svg text.lbl.thr-prop { fill:var(--warn); stroke-dasharray:none; }
.legend .key { display:inline-block; width:14px; height:3px; margin:0 4px 3px 12px; vertical-align:middle; background:#fff; }
.legend .key:first-child { margin-left:0; }
.legend .key.prop { background:var(--warn); } .legend .key.bad, .legend .key.rate { background:var(--bad); height:10px; } .legend .key.rate { background:var(--bar); }
.legend .key.err { background:var(--warn); width:8px; height:8px; border-radius:50%; } .legend .key.amber { background:repeating-linear-gradient(90deg, var(--warn) 0 4px, transparent 4px 7px); } .legend .key.red { background:repeating-linear-gradient(90deg, var(--bad) 0 4px, transparent 4px 7px); }
form { display:flex; gap:10px; align-items:center; flex-wrap:wrap; margin-top:8px; }
label { color:var(--muted); display:flex; gap:6px; align-items:center; }
input, button { font:inherit; color:var(--fg); background:var(--panel); border:1px solid var(--line); border-radius:6px; padding:5px 8px; }
input[type=number] { width:110px; } input[type=range] { flex:1; min-width:160px; }
button { cursor:pointer; background:#243244; } button:hover { border-color:var(--accent); } button:disabled { opacity:.5; cursor:default; }
.preview { font-weight:600; color:var(--warn); }
.msg.ok { color:var(--ok); } .msg.bad { color:var(--bad); }
.log { margin:0; padding-left:18px; color:var(--muted); max-height:110px; overflow:auto; }
.strip { display:flex; gap:8px; overflow-x:auto; padding-bottom:4px; min-height:60px; }
.thumb { flex:0 0 auto; width:168px; background:var(--panel); border:1px solid var(--line); border-radius:6px; padding:4px; cursor:pointer; color:var(--fg); text-align:left; }
.thumb img { width:100%; height:80px; object-fit:contain; display:block; background:var(--card); }
.thumb .nothumb { height:80px; display:flex; align-items:center; justify-content:center; text-align:center; color:var(--muted); font-size:12px; background:var(--card); border-radius:4px; padding:4px; }
.thumb span { display:block; font-size:12px; }
progress { width:200px; }
dialog { background:var(--card); color:var(--fg); border:1px solid var(--line); border-radius:8px; max-width:90vw; }
dialog img { max-width:85vw; max-height:70vh; image-rendering:pixelated; display:block; }
dialog::backdrop { background:rgba(0,0,0,.6); }
@media (max-width: 900px) {
  main { grid-template-columns: 1fr 1fr; gap:10px; padding:10px; }
  .verdict { font-size:34px; padding:14px 6px; }
  .tiles dd { font-size:24px; }
  button, .seg button, nav#tabs a, .switch { min-height:40px; }
  #shifts-panel, #shift-hist-panel { grid-column: 1 / -1; }
}
@media (max-width: 640px) { main { grid-template-columns: 1fr; } }
a.navlink { margin-left:auto; color:var(--accent); text-decoration:none; border:1px solid var(--line); border-radius:8px; padding:10px 16px; font-size:16px; } a.navlink:hover { border-color:var(--accent); }
`;
