/** Runtime settings operators may change without a restart. */
export interface Controls {
  threshold: number;
  saveImages: 'rejects' | 'all' | 'none';
  paused: boolean;
}
