// The platform in a browser page or a Web Worker (and any host without Node's modules): no
// environment, helpers on Web Workers started from a Blob URL of their source, and only when the
// page is cross-origin isolated, since only then can shared memory be posted to a worker.
import type { HelperData, HelperEvents, HelperThread, Platform } from "./types.js";

// The browser APIs used here, declared locally: the package compiles without the DOM library.
interface WebWorker {
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: { message?: string }) => void) | null;
  postMessage(message: unknown): void;
  terminate(): void;
}
interface WebGlobals {
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number };
  Worker?: new (url: string) => WebWorker;
  Blob?: new (parts: string[], options: { type: string }) => object;
  URL?: { createObjectURL(blob: object): string; revokeObjectURL(url: string): void };
  SharedArrayBuffer?: new (bytes: number) => SharedArrayBuffer;
}
const web = globalThis as unknown as WebGlobals;

const isolated = (): boolean => web.crossOriginIsolated === true && typeof web.SharedArrayBuffer === "function";

/** A browser's services (see types.ts). @internal */
export const platform: Platform = {
  name: "web",
  // a page has no environment: every setting keeps its default
  setting: () => undefined,
  defaultThreads: () => (isolated() ? Math.max(1, Math.floor(web.navigator?.hardwareConcurrency ?? 1)) : 1),
  threadsAvailable: () => isolated() && typeof web.Worker === "function" && typeof web.Blob === "function" && web.URL !== undefined,
  spawnHelper,
  mayBlock,
  // a browser's allocator is not reachable from a page
  keepFreedMemory: () => {},
};

let blocking: boolean | undefined;

/** Whether Atomics.wait is allowed here, found once by trying it (a window's thread throws). */
function mayBlock(): boolean {
  if (blocking === undefined) {
    try {
      // the value differs, so where waiting is allowed this returns "not-equal" at once
      Atomics.wait(new Int32Array(new web.SharedArrayBuffer!(4)), 0, 1, 0);
      blocking = true;
    } catch {
      blocking = false;
    }
  }
  return blocking;
}

function spawnHelper(body: string, data: HelperData, events: HelperEvents): HelperThread {
  const source = `self.onmessage = (event) => {\n  self.onmessage = null;\n  (${body})(event.data, () => self.postMessage("ready"));\n};\n`;
  let url: string | undefined;
  let settled = false;
  const settle = (then: () => void): void => {
    if (settled) return;
    settled = true;
    // revoked only now: some browsers fetch a worker's script after the constructor returns
    if (url !== undefined) web.URL!.revokeObjectURL(url);
    then();
  };
  try {
    url = web.URL!.createObjectURL(new web.Blob!([source], { type: "text/javascript" }));
    const worker = new web.Worker!(url);
    worker.onmessage = () => settle(events.ready);
    worker.onerror = (event) => settle(() => events.failed(event.message ?? "the helper worker failed to start"));
    worker.postMessage(data);
    return { terminate: () => worker.terminate() };
  } catch (error) {
    settle(() => events.failed(error instanceof Error ? error.message : String(error)));
    return { terminate: () => {} };
  }
}
