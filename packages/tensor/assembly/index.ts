export { workspaceBytes, gemmF32, gemmF64, gemmBatchedF32, gemmBatchedF64, denseF32, denseF64 } from "./gemm";
export { unaryF32, unaryF64, activationGradF32, activationGradF64, reduceRowsF32, reduceRowsF64 } from "./pointwise";
export { binaryF32, binaryF64 } from "./arith";
export { convForwardF32, convForwardF64, convInputF32, convInputF64, convWeightF32, convWeightF64 } from "./conv";
export { maxPoolF32, maxPoolF64, planesF32, planesF64, avgPoolF32, avgPoolF64 } from "./pool";
export { sgdF32, sgdF64, adamF32, adamF64, rmspropF32, rmspropF64 } from "./optim";
export { fusedF32, fusedF64 } from "./fused";
