/** The Sparkplug B edge node's door. */
import type { SparkplugNode, SparkplugOptions } from './node.js';

export type { SparkplugNode, SparkplugOptions, SparkplugStats } from './node.js';

/** Opens the edge node. mqtt and sparkplug-payload load here, only when sparkplug.enabled. */
export async function openSparkplugNode(o: SparkplugOptions): Promise<SparkplugNode> {
  const { openSparkplugNode: open } = await import('./node.js');
  return open(o);
}
