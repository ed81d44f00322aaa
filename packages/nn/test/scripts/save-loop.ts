// Saves a checkpoint of about 64 MB over and over to the path it is given, each time with every
// weight set to the save's number, so a reader can tell a whole checkpoint from a torn one. The
// checkpoint-files test kills it with SIGKILL in the middle of a save.
import { Dense, save, zeros } from "@strata/nn";

const file = process.argv[2]!;
const layer = new Dense(4000, 4000, { init: zeros() });
const W = layer.W.data.data as Float32Array;
for (let k = 1; ; k++) {
  W.fill(k);
  save(layer, file);
  process.stdout.write(`${k}\n`);
}
