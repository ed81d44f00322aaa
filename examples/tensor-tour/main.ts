// A short tour of @strata/tensor: views, broadcasting, reductions and matmul, printed.
import { tour } from "./tour.js";

for (const step of tour()) {
  console.log(`\n> ${step.title}\n  (${step.note})`);
  console.log(step.value.toString());
}
