// The hostile checkpoints of the fuzzing campaign (issue 15), written byte by byte: each is small,
// and declares or nests far more than it holds.

/** A safetensors file from header text and data bytes. */
export function safetensorsBytes(headerText: string, data = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** A Strata checkpoint holding no tensors: its architecture JSON and any further metadata. */
export function strataCheckpoint(architecture: string, extra: Record<string, string> = {}): Uint8Array {
  const metadata = { format: "strata", "strata.version": "1", "strata.architecture": architecture, ...extra };
  return safetensorsBytes(JSON.stringify({ __metadata__: metadata }));
}

const nest = (levels: number, leaf = "1"): string => "[".repeat(levels) + leaf + "]".repeat(levels);
const network = (layerDims: number[]): string => JSON.stringify({ type: "deepNetwork", layerDims, hidden: { name: "relu" }, output: { name: "sigmoid" }, dtype: "float32" });

/** Name, what it is, and its bytes. */
export function hostileFiles(): { name: string; what: string; bytes: Uint8Array }[] {
  const dense = { type: "dense", nIn: 3000, nOut: 3000, activation: { name: "relu" }, dtype: "float32" };
  return [
    { name: "dims-30000", what: "deepNetwork [30000, 30000, 1], no tensors", bytes: strataCheckpoint(network([30000, 30000, 1])) },
    { name: "dims-2^31", what: "deepNetwork [2^31, 2, 1], no tensors", bytes: strataCheckpoint(network([2 ** 31, 2, 1])) },
    { name: "2000-dense", what: "Sequential of 2000 Dense 3000x3000, no tensors", bytes: strataCheckpoint(JSON.stringify({ type: "sequential", layers: new Array(2000).fill(dense) })) },
    { name: "1e6-layers", what: "deepNetwork of 1e6 layers of 1, no tensors", bytes: strataCheckpoint(network(new Array(1e6).fill(1))) },
    { name: "deep-header", what: "header value nested 100,000 levels", bytes: safetensorsBytes(`{"x":${nest(100_000)}}`) },
    { name: "deep-shape", what: "a shape nested 100,000 levels", bytes: safetensorsBytes(`{"x":{"dtype":"F32","shape":${nest(100_000)},"data_offsets":[0,0]}}`) },
    { name: "deep-metadata", what: "__metadata__ nested 100,000 levels", bytes: safetensorsBytes(`{"__metadata__":${nest(100_000)}}`) },
    {
      name: "deep-optimizer", what: "strata.optimizer nested 100,000 levels",
      bytes: strataCheckpoint('{"type":"dropout","p":0.5}', { "strata.optimizer": `{"kind":"SGD","options":{},"state":[{"m":${nest(100_000)}}]}` }),
    },
    { name: "deep-sequential", what: "Sequential nested 100,000 levels", bytes: strataCheckpoint('{"type":"sequential","layers":['.repeat(100_000) + '{"type":"dropout","p":0.5}' + "]}".repeat(100_000)) },
  ];
}
