// The platform module (src/platform): "#platform" resolves to Node's under the node condition;
// the browser's answers its questions from the page's globals (stubbed here the way a page, a
// cross-origin isolated page and a Worker present them) and wraps a helper's code into a Worker
// script that is run here; base64 decodes without Buffer, checked against RFC 4648's vectors and
// Buffer's own decoding; and no source file outside platform/node.ts reaches for Node.
import { resolveObjectURL } from "node:buffer";
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, relative } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { platform } from "#platform";
import { kernelOptions, kernelsReady, matmul, setKernelOptions, tensor } from "@strata/tensor";
import { poolOf } from "../src/backends/wasm/pool.js";
import { kernelsWasmBase64 } from "../src/backends/wasm/binary.js";
import { wasmRuntime } from "../src/backends/wasm/runtime.js";
import { decodeBase64, decodeBase64Portable } from "../src/platform/base64.js";
import { platform as nodePlatform } from "../src/platform/node.js";
import { platform as webPlatform } from "../src/platform/web.js";
import type { HelperData } from "../src/platform/types.js";
import { pseudoRandom } from "./reference.js";

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
});

const bytesOf = (text: string): number[] => [...new TextEncoder().encode(text)];

describe("base64 without Buffer", () => {
  // RFC 4648, section 10
  const VECTORS: [string, string][] = [["", ""], ["f", "Zg=="], ["fo", "Zm8="], ["foo", "Zm9v"], ["foob", "Zm9vYg=="], ["fooba", "Zm9vYmE="], ["foobar", "Zm9vYmFy"]];

  it("decodes RFC 4648's test vectors, with and without padding", () => {
    for (const [plain, encoded] of VECTORS) {
      expect([...decodeBase64Portable(encoded)], encoded).toEqual(bytesOf(plain));
      expect([...decodeBase64Portable(encoded.replace(/=+$/, ""))], encoded).toEqual(bytesOf(plain));
      expect([...decodeBase64(encoded)], encoded).toEqual(bytesOf(plain));
    }
  });

  it("decodes every byte value and the kernels' binary as Buffer does", () => {
    const all = Uint8Array.from({ length: 256 * 3 + 1 }, (_, i) => (i * 7 + (i >> 8)) & 0xff);
    const encoded = Buffer.from(all).toString("base64");
    expect([...decodeBase64Portable(encoded)]).toEqual([...all]);
    const binary = Buffer.from(kernelsWasmBase64, "base64");
    expect(Buffer.from(decodeBase64Portable(kernelsWasmBase64)).equals(binary)).toBe(true);
    expect(Buffer.from(decodeBase64(kernelsWasmBase64)).equals(binary)).toBe(true);
  });

  it("uses its own decoder where the host has no atob", () => {
    vi.stubGlobal("atob", undefined);
    expect([...decodeBase64("Zm9vYmFy")]).toEqual(bytesOf("foobar"));
  });

  it("refuses text that is not base64, saying where", () => {
    expect(() => decodeBase64Portable("Zm9v!mFy")).toThrow('base64: "!" at position 4 is not a base64 character');
    expect(() => decodeBase64Portable("Zm9vY")).toThrow("base64: 5 characters cannot be base64 (a length of 4k + 1 never is)");
  });
});

describe("the platform under Node", () => {
  it('"#platform" resolves to the Node platform under the node condition', () => {
    expect(platform).toBe(nodePlatform);
    expect(platform.name).toBe("node");
  });

  it("reads settings from the environment, defaults to the machine's parallelism and may block", () => {
    vi.stubEnv("STRATA_THREADS", "3");
    expect(nodePlatform.setting("STRATA_THREADS")).toBe("3");
    vi.stubEnv("STRATA_WASM", undefined);
    expect(nodePlatform.setting("STRATA_WASM")).toBeUndefined();
    expect(nodePlatform.defaultThreads()).toBe(availableParallelism());
    expect([nodePlatform.threadsAvailable(), nodePlatform.mayBlock()]).toEqual([true, true]);
  });

  it("kernelsReady resolves with every wanted helper ready, and helperJobs counts their work", async () => {
    const saved = kernelOptions().threads;
    const a = tensor(pseudoRandom(384 * 384, 9)).reshape([384, 384]);
    try {
      setKernelOptions({ threads: 3 });
      await kernelsReady();
      expect(poolOf(wasmRuntime()!).readyHelpers()).toBe(2);
      setKernelOptions({ threads: 2 });
      expect(poolOf(wasmRuntime()!).readyHelpers()).toBe(1);
      const before = kernelOptions().helperJobs;
      // 384³ multiply-adds are split in two; over 20 products the awake helper takes some halves
      for (let i = 0; i < 20; i++) matmul(a, a);
      expect(kernelOptions().helperJobs).toBeGreaterThan(before);
      setKernelOptions({ threads: 1 });
      const alone = kernelOptions().helperJobs;
      for (let i = 0; i < 3; i++) matmul(a, a);
      expect(kernelOptions().helperJobs).toBe(alone);
    } finally {
      setKernelOptions({ threads: saved });
    }
  });
});

describe("the platform in a browser", () => {
  it("has no environment and one thread in a page that is not cross-origin isolated", () => {
    vi.stubGlobal("crossOriginIsolated", false);
    vi.stubGlobal("navigator", { hardwareConcurrency: 8 });
    expect(webPlatform.setting("STRATA_THREADS")).toBeUndefined();
    expect(webPlatform.defaultThreads()).toBe(1);
    expect(webPlatform.threadsAvailable()).toBe(false);
  });

  it("uses every core in a cross-origin isolated page with Workers", () => {
    vi.stubGlobal("crossOriginIsolated", true);
    vi.stubGlobal("navigator", { hardwareConcurrency: 6 });
    vi.stubGlobal("Worker", class {});
    expect(webPlatform.defaultThreads()).toBe(6);
    expect(webPlatform.threadsAvailable()).toBe(true);
    vi.stubGlobal("Worker", undefined);
    expect(webPlatform.threadsAvailable()).toBe(false);
  });

  it("starts a helper as a Worker from a Blob URL whose script runs the body with the posted data", async () => {
    const posted: unknown[] = [];
    let created: { url: string; worker: { onmessage: ((e: { data: unknown }) => void) | null } } | undefined;
    vi.stubGlobal("Worker", class {
      onmessage: ((e: { data: unknown }) => void) | null = null;
      onerror: ((e: { message?: string }) => void) | null = null;
      constructor(url: string) {
        created = { url, worker: this };
      }
      postMessage(message: unknown): void {
        posted.push(message);
      }
      terminate(): void {}
    });
    const revoke = vi.spyOn(URL, "revokeObjectURL");
    const data = { module: {}, memory: {}, index: 4 } as unknown as HelperData;
    const events = { ready: vi.fn(), failed: vi.fn() };
    webPlatform.spawnHelper("(data, ready) => { globalThis.__gotIndex = data.index; ready(); }", data, events);
    expect(posted).toEqual([data]);
    // run the Worker's script against a stand-in for the worker's global scope
    const script = await resolveObjectURL(created!.url)!.text();
    const fromWorker: unknown[] = [];
    const self: { onmessage: ((e: { data: unknown }) => void) | null; postMessage: (m: unknown) => void } = { onmessage: null, postMessage: (m) => fromWorker.push(m) };
    new Function("self", script)(self);
    self.onmessage!({ data });
    expect([(globalThis as Record<string, unknown>).__gotIndex, fromWorker, self.onmessage]).toEqual([4, ["ready"], null]);
    // the page hears "ready" back through the worker's onmessage
    expect(revoke).not.toHaveBeenCalled();
    created!.worker.onmessage!({ data: "ready" });
    expect(events.ready).toHaveBeenCalledOnce();
    expect(events.failed).not.toHaveBeenCalled();
    expect(revoke).toHaveBeenCalledWith(created!.url);
    delete (globalThis as Record<string, unknown>).__gotIndex;
  });

  it("reports a Worker that cannot be created instead of throwing", () => {
    vi.stubGlobal("Worker", class {
      constructor() {
        throw new Error("Content Security Policy: worker-src blocks blob:");
      }
    });
    const events = { ready: vi.fn(), failed: vi.fn() };
    expect(() => webPlatform.spawnHelper("() => {}", {} as HelperData, events)).not.toThrow();
    expect(events.failed).toHaveBeenCalledWith("Content Security Policy: worker-src blocks blob:");
    expect(events.ready).not.toHaveBeenCalled();
  });
});

describe("the sources", () => {
  it("reach for Node (node: imports, process, Buffer, require) only in platform/node.ts", () => {
    const src = join(import.meta.dirname, "../src");
    const files = readdirSync(src, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
    const offenders: string[] = [];
    for (const file of files) {
      if (relative(src, join(src, file)) === join("platform", "node.ts")) continue;
      // code only: line comments and TSDoc blocks may talk about Node
      const code = readFileSync(join(src, file), "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
      for (const pattern of [/from\s+["']node:/, /\bprocess\./, /\bBuffer\./, /\brequire\(/]) {
        if (pattern.test(code.replace(/`[^`]*`/g, ""))) offenders.push(`${file}: ${pattern}`);
      }
    }
    expect(files.length).toBeGreaterThan(20);
    expect(offenders).toEqual([]);
  });
});
