// Resident memory of the built daemon with the control-layer adapters off and on (README "OPC UA
// server", "Sparkplug B"). Each variant replays the bundled samples with the shipped int8 model at
// 5 fps; VmRSS is read from /proc every second for 10 s once the daemon is ready, and the median
// is printed, with the time from spawn to ready. Run on demand (≈1.5 min): `npm run build && node scripts/plant-rss.mjs`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const freePort = () => new Promise((res) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

async function measure(name, extra, keep = null) {
  const dir = keep?.dir ?? mkdtempSync(join(tmpdir(), 'inspectd-rss-'));
  writeFileSync(join(dir, 'pw'), 'rss-password\n');
  const mqttPort = await freePort();
  const sections = {
    station: 'rss', camera: { source: 'replay', path: join(ROOT, 'samples/casting'), fps: 5, loop: true },
    model: { path: join(ROOT, 'models/casting-int8.onnx') }, gpio: { backend: 'sim' },
    storage: { database: join(dir, 'db.sqlite'), images: join(dir, 'images'), save_images: 'none' },
    mqtt: { url: '' }, http: { enabled: false }, ...extra(mqttPort),
  };
  writeFileSync(join(dir, 'c.yaml'), Object.entries(sections).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('\n'));
  const child = spawn(process.execPath, [join(ROOT, 'dist/daemon/main.js'), 'run', '--config', join(dir, 'c.yaml')], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NOTIFY_SOCKET: '' } });
  let out = '';
  child.stdout.on('data', (b) => (out += b));
  const t0 = Date.now();
  try {
    for (let i = 0; !out.includes('"inspectd ready"'); i++) {
      if (i > 600 || child.exitCode !== null) throw new Error(`${name}: daemon did not get ready\n${out.slice(-2000)}`);
      await sleep(100);
    }
    const readyS = (Date.now() - t0) / 1000;
    await sleep(3000); // let the first parts through
    const samples = [];
    for (let i = 0; i < 10; i++) {
      samples.push(rssMb(child.pid));
      await sleep(1000);
    }
    samples.sort((a, b) => a - b);
    console.log(`${name.padEnd(31)} RSS median ${samples[5].toFixed(1)} MB (min ${samples[0].toFixed(1)}, max ${samples[9].toFixed(1)}); ready ${readyS.toFixed(1)} s after spawn`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

await measure('adapters off', () => ({}));
// First start makes the server certificate in the PKI folder; the second start reuses it.
const opcua = () => ({ opcua: { enabled: true, port: 0, users: [{ username: 'op', password_file: './pw' }] } });
const kept = { dir: mkdtempSync(join(tmpdir(), 'inspectd-rss-')) };
await measure('opcua on, first start', opcua, kept);
await measure('opcua on, second start', opcua, kept);
rmSync(kept.dir, { recursive: true, force: true });
await measure('sparkplug on (embedded broker)', (p) => ({ mqtt: { url: `mqtt://127.0.0.1:${p}`, embedded_broker: true, sparkplug: { enabled: true } } }));
await measure('mqtt on, sparkplug off', (p) => ({ mqtt: { url: `mqtt://127.0.0.1:${p}`, embedded_broker: true } }));
