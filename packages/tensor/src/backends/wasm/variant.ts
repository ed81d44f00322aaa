// Which build of the kernels this host runs. scripts/build-wasm.mjs compiles packages/tensor/assembly
// twice: with relaxed SIMD, whose products use relaxed_madd (a fused multiply-add where the CPU has
// one: fewer instructions per step of the micro-kernel), and with plain SIMD for engines that do not
// validate relaxed SIMD. Both sum every element of a product in the same order; the fused build
// rounds once per multiply-add instead of twice, so its results differ from the plain build's in
// the last bits, within the same error bound. One process runs one build on all of its threads, so
// splitting a product between threads never mixes them.
import { platform } from "#platform";
import { kernelsRelaxedWasmBase64, kernelsWasmBase64 } from "./binary.js";
import { decodeBase64 } from "../../platform/base64.js";

/** The two builds: "relaxed-simd" (fused multiply-adds in the products) and "simd". */
export type KernelBuild = "relaxed-simd" | "simd";

type ModuleConstructor = new (bytes: Uint8Array) => object;

let chosen: KernelBuild | null = null;

/** The bytes of one build. @internal */
export function kernelBytes(build: KernelBuild): Uint8Array {
  return decodeBase64(build === "simd" ? kernelsWasmBase64 : kernelsRelaxedWasmBase64);
}

/**
 * Compiles the relaxed-SIMD build where the engine validates it (setting the engine's flag first
 * where the platform can), else the plain one; STRATA_WASM_RELAXED=0 asks for the plain one.
 * Throws as `new WebAssembly.Module` does when neither compiles. @internal
 */
export function compileKernels(Module: ModuleConstructor): object {
  if (platform.setting("STRATA_WASM_RELAXED") !== "0") {
    const bytes = kernelBytes("relaxed-simd");
    for (const prepare of [() => {}, () => platform.allowRelaxedSimd()]) {
      try {
        prepare();
        const module = new Module(bytes);
        chosen = "relaxed-simd";
        return module;
      } catch {
        // not validated here: try the flag, then the plain build
      }
    }
  }
  const module = new Module(kernelBytes("simd"));
  chosen = "simd";
  return module;
}

/** The build compileKernels chose, or null before it ran or when nothing compiled. @internal */
export function kernelBuild(): KernelBuild | null {
  return chosen;
}
