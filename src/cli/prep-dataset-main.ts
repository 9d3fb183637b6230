// Stable entry used by training/ (python) to prepare arrays through the daemon's own sharp path:
//   node dist/cli/prep-dataset-main.js DIR OUT.npy SIZE CHANNELS [LIMIT|0] [KERNEL]
// Kept apart from the main CLI so the trainer does not depend on its argument syntax.
import { prepDataset } from './prepDataset.js';
import type { PreprocessSpec } from '../preprocess/index.js';

const [dir, out, size, ch, limit, kernel] = process.argv.slice(2);
const r = await prepDataset({ dir, out, width: Number(size), height: Number(size), channels: Number(ch) as 1 | 3, limit: Number(limit) > 0 ? Number(limit) : undefined, kernel: (kernel ?? 'lanczos3') as PreprocessSpec['kernel'] });
console.log(JSON.stringify({ count: r.count, skipped: r.skipped }));
