export { workspaceBytes, gemmF32, gemmF64, denseF32, denseF64 } from "./gemm";
export { unaryF32, unaryF64, activationGradF32, activationGradF64, reduceRowsF32, reduceRowsF64 } from "./pointwise";
export { binaryF32, binaryF64 } from "./arith";
