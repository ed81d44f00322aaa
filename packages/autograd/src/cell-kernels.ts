// Whether the recurrent cell ops run their fused kernels (the default) or the composites they are
// checked against; a switch for bench/src/recurrent.ts, which times a whole layer both ways.
let fused = true;

/** Chooses the fused cell kernels (true) or the composites (false); returns the previous choice. @internal */
export function useFusedCells(on: boolean): boolean {
  const was = fused;
  fused = on;
  return was;
}

/** Whether lstmCellPointwise and gruCellPointwise use their fused kernels. @internal */
export function fusedCells(): boolean {
  return fused;
}
