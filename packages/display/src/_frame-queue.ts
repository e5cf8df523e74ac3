/** The tasks of one frame and how many of them still wait for an image. */
interface TaskGroup {
  readonly tasks: Task[];
  blocked: number;
}

/** One drawing operation, run when its frame is shown; blocked while its image decodes. */
export interface Task {
  run: (() => void) | undefined;
  blocked: boolean;
  /** The frame's group, to count it unblocked without scanning the frame. */
  readonly group: TaskGroup;
}

/** A frame waiting to be shown: its tasks and the `sync` that ended it. */
export interface PendingFrame {
  readonly tasks: Task[];
  readonly timestamp: number | undefined;
  readonly logicalFrames: number;
}

interface QueuedFrame extends PendingFrame {
  readonly group: TaskGroup;
}

/**
 * guacamole-common-js's task queue: operations collect until `sync`, then run as one frame, and a
 * frame runs only once every image decode in it (and in frames before it) is done, so drawing
 * happens in the order guacd sent it whatever order decodes finish in.
 */
export class FrameQueue {
  #group: TaskGroup = { tasks: [], blocked: 0 };
  readonly #frames: QueuedFrame[] = [];
  readonly #run: (frame: PendingFrame) => void;
  #idle: (() => void)[] = [];

  /** A queue that hands each ready frame to `run`. */
  constructor(run: (frame: PendingFrame) => void) {
    this.#run = run;
  }

  /** Tasks scheduled since the last frame. */
  get pendingTasks(): number {
    return this.#group.tasks.length;
  }

  /** Frames waiting on an image decode. */
  get pendingFrames(): number {
    return this.#frames.length;
  }

  /** Schedules `run` in the current frame; a blocked task waits for {@link unblock}. */
  schedule(run: () => void, blocked = false): Task {
    const group = this.#group;
    const task: Task = { run, blocked, group };
    group.tasks.push(task);
    if (blocked) group.blocked++;
    return task;
  }

  /** Ends the current frame (`sync`) and runs every frame that is ready. */
  endFrame(timestamp: number | undefined, logicalFrames: number): void {
    const group = this.#group;
    this.#frames.push({ tasks: group.tasks, timestamp, logicalFrames, group });
    this.#group = { tasks: [], blocked: 0 };
    this.flush();
  }

  /** Lets a blocked task run and runs the frames that became ready. */
  unblock(task: Task): void {
    if (!task.blocked) return;
    task.blocked = false;
    task.group.blocked--;
    this.flush();
  }

  /** Runs ready frames in order, stopping at the first with a blocked task. */
  flush(): void {
    while (this.#frames.length > 0) {
      const frame = this.#frames[0] as QueuedFrame;
      if (frame.group.blocked > 0) break;
      this.#frames.shift();
      this.#run(frame);
    }
    if (this.#frames.length === 0 && this.#idle.length > 0) {
      const waiting = this.#idle;
      this.#idle = [];
      for (const resolve of waiting) resolve();
    }
  }

  /** Resolves once no frame waits on a decode (tasks after the last `sync` do not count). */
  settled(): Promise<void> {
    if (this.#frames.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}
