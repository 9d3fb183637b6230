// Temporary standalone entry until the CLI router exists: node dist/cli/prep-dataset-main.js DIR OUT SIZE CHANNELS [LIMIT]
import { prepDataset } from './prepDataset.js';
const [dir, out, size, ch, limit] = process.argv.slice(2);
const r = await prepDataset({ dir, out, width: Number(size), height: Number(size), channels: Number(ch) as 1 | 3, limit: limit ? Number(limit) : undefined });
console.log(JSON.stringify({ count: r.count, skipped: r.skipped }));
