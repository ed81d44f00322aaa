// What the kernels need from the host they run on. Node's answers are in node.ts, a browser's (or
// a Web Worker's) in web.ts; package.json's "#platform" import picks one by condition, and this
// file gives both the one type that the rest of the package compiles against.

/** The environment settings Strata reads (see backend.ts for their meaning). @internal */
export type SettingName = "STRATA_THREADS" | "STRATA_WASM" | "STRATA_KEEP_FREED_MEMORY";

/** What a helper thread receives: the kernels' module and memory and the pool's shared words. @internal */
export interface HelperData {
  module: object;
  memory: object;
  control: SharedArrayBuffer;
  slots: SharedArrayBuffer;
  kernels: string[];
  index: number;
}

/** A started helper thread. @internal */
export interface HelperThread {
  /** Stops the thread; its pending work, if any, is lost. */
  terminate(): void;
}

/** What happens to a helper after it is spawned; exactly one of the two is called. @internal */
export interface HelperEvents {
  /** The helper has instantiated the kernels and waits for work. */
  ready(): void;
  /** The helper could not start or died; `reason` says why. */
  failed(reason: string): void;
}

/** The host's services. @internal */
export interface Platform {
  /** Its name, for messages: "node" or "web". */
  readonly name: string;
  /** An environment setting, or undefined where it is unset or the host has no environment. */
  setting(name: SettingName): string | undefined;
  /** How many threads (the calling one included) the kernels use unless told otherwise. */
  defaultThreads(): number;
  /** Whether helper threads that share memory with this one can be started here at all. */
  threadsAvailable(): boolean;
  /**
   * Starts a thread running `body`, the source of a function expression `(data, ready) => …`,
   * called with `data` and a function that tells this thread (through `events.ready`) that the
   * helper is up. Never throws: a helper that cannot start reports through `events.failed`.
   */
  spawnHelper(body: string, data: HelperData, events: HelperEvents): HelperThread;
  /** Whether the calling thread may sleep in Atomics.wait (a browser's main thread may not). */
  mayBlock(): boolean;
  /**
   * Asks the host's memory allocator, where JavaScript can, to keep freed blocks of up to tens of
   * megabytes for reuse rather than hand them back to the operating system (see node.ts for why
   * and how). Called once when the package loads; does nothing where it cannot help.
   */
  keepFreedMemory(): void;
}

/** The platform of the host this package was loaded on. @internal */
export declare const platform: Platform;
