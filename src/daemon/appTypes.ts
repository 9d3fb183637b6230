
export interface App {
  /** Opens every stage (model warmed up) and starts inspecting; READY=1 is sent at the end. */
  start(): Promise<void>;
  /** Resolves when the frame source ends (replay with loop: false) or rejects on a fatal fault. */
  readonly done: Promise<void>;
  /** Idempotent, bounded stop in reverse start order; the reject line ends in its safe state. */
  stop(reason?: string): Promise<void>;
  stats(): Record<string, unknown>;
}
