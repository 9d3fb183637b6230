// Runs before the tests: names every missing system package at once, with the command that
// installs it, instead of letting individual tests fail with ENOENT.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const need = [
  ['/usr/sbin/mosquitto', 'mosquitto'],
  ['/usr/bin/mosquitto_passwd', 'mosquitto'],
  ['/usr/bin/ffmpeg', 'ffmpeg'],
  ['/usr/bin/openssl', 'openssl'],
  ['/usr/bin/gpioset', 'gpiod'],
  ['/usr/bin/chromium', 'chromium'],
];
const missing = new Set(need.filter(([p]) => !existsSync(p)).map(([, pkg]) => pkg));
const py = (mod) => {
  try {
    execFileSync('/usr/bin/python3', ['-c', `import ${mod}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
for (const [mod, pkg] of [['torch', 'python3-torch'], ['onnx', 'python3-onnx'], ['numpy', 'python3-numpy'], ['PIL', 'python3-pil'], ['skimage', 'python3-skimage'], ['scipy', 'python3-scipy'], ['matplotlib', 'python3-matplotlib'], ['pytest', 'python3-pytest']]) {
  if (!py(mod)) missing.add(pkg);
}
if (missing.size) {
  console.error(`The tests need Debian packages that are not installed: ${[...missing].join(' ')}\n` +
    `Install them with:\n  sudo apt-get install -y ${[...missing].join(' ')}\n(.ci/run does this automatically.)`);
  process.exit(1);
}
