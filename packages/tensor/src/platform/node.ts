// The platform under Node: settings from process.env, helpers on worker_threads. This file is
// only loaded under the "node" condition of package.json's "#platform" import, so it may import
// node: modules.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { HelperData, HelperEvents, HelperThread, Platform, SettingName } from "./types.js";

/** Node's services (see types.ts). @internal */
export const platform: Platform = {
  name: "node",
  setting: (name: SettingName) => process.env[name],
  defaultThreads: () => availableParallelism(),
  threadsAvailable: () => true,
  spawnHelper,
  // Node lets every thread, the main one included, sleep in Atomics.wait
  mayBlock: () => true,
};

function spawnHelper(body: string, data: HelperData, events: HelperEvents): HelperThread {
  // an evaluated CommonJS script, so it runs the same from TypeScript sources and from dist
  const source = `const { workerData, parentPort } = require("node:worker_threads");\n(${body})(workerData, () => parentPort.postMessage("ready"));\n`;
  let settled = false;
  const settle = (then: () => void): void => {
    if (settled) return;
    settled = true;
    // referenced until then, so that `await kernelsReady()` keeps the process alive; a sleeping
    // helper must not
    worker.unref();
    then();
  };
  let worker: Worker;
  try {
    worker = new Worker(source, { eval: true, workerData: data });
  } catch (error) {
    events.failed(error instanceof Error ? error.message : String(error));
    return { terminate: () => {} };
  }
  worker.once("message", () => settle(events.ready));
  worker.once("error", (error: Error) => settle(() => events.failed(error.message)));
  worker.once("exit", (code: number) => settle(() => events.failed(`the helper thread exited with code ${code} before it was ready`)));
  return { terminate: () => void worker.terminate() };
}
