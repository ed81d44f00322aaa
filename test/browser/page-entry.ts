// The test page's program: the packages and the shared programs, on `window.strata` for the tests'
// page.evaluate calls (which cannot import).
import * as tensor from "@strata/tensor";
import * as programs from "./programs.js";

(globalThis as unknown as { strata: unknown }).strata = { tensor, programs };
