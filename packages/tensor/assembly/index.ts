export { workspaceBytes, gemmF32, gemmF64 } from "./gemm";
