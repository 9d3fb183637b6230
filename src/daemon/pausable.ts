/**
 * Frames while paused are taken from the camera and discarded (counted by the caller's stats),
 * rather than left to pile up: on resume the station inspects the part in front of it now,
 * not a backlog of parts that have long left the line.
 */
export async function* pausable<T>(frames: AsyncIterable<T>, isPaused: () => boolean, onSkipped: () => void = () => {}): AsyncIterable<T> {
  for await (const f of frames) {
    if (isPaused()) onSkipped();
    else yield f;
  }
}
