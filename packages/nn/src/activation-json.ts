// Activations inside architectures: the JSON that names one, its validator (a config field) and
// the way back to the activation itself.
import { ValueError } from "@strata/tensor";
import { activation as lookup, isBuiltIn, type Activation, type ActivationName } from "./activations.js";
import type { ConfigField } from "./config-fields.js";
import { quote } from "./json.js";
import { Undescribable } from "./layer-type.js";

/**
 * An activation as JSON, inside an {@link Architecture}: `{ name }` for a built-in activation, or
 * `{ name: "leakyRelu", alpha }` with its slope (finite, ≥ 0).
 *
 * @example
 * ```ts
 * import { architectureOf, modelFromArchitecture, type ActivationJSON } from "@strata/nn";
 * import { tensor } from "@strata/tensor";
 * const g: ActivationJSON = { name: "leakyRelu", alpha: 0.25 };
 * const layer = modelFromArchitecture({ type: "activation", activation: g });
 * console.log(layer.forward(tensor([[-4, 2]])).toArray()); // [[-1, 2]]
 * console.log(JSON.stringify(architectureOf(layer))); // {"type":"activation","activation":{"name":"leakyRelu","alpha":0.25}}
 * ```
 */
export type ActivationJSON = { name: Exclude<ActivationName, "leakyRelu"> } | { name: "leakyRelu"; alpha: number };

const NAMES: readonly string[] = ["relu", "sigmoid", "tanh", "softmax", "identity"];

/** `g` as JSON; a hand-made activation cannot be. @internal */
export function activationJSON(g: Activation): ActivationJSON {
  if (!isBuiltIn(g)) throw new Undescribable(`the custom activation ${JSON.stringify(String(g.name))}`);
  return g.name === "leakyRelu" ? { name: "leakyRelu", alpha: g.alpha! } : ({ name: g.name } as ActivationJSON);
}

/** The activation JSON names. @internal */
export function activationOf(json: ActivationJSON): Activation {
  return json.name === "leakyRelu" ? lookup(json) : lookup(json.name);
}

/** The config field of an activation: `{ name }`, or `{ name: "leakyRelu", alpha }` with alpha finite and ≥ 0. @internal */
export const activationField: ConfigField<ActivationJSON> = (v, path) => {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new ValueError(`${path}: expected an activation { name } or { name: "leakyRelu", alpha }, got ${quote(v)}`);
  const rec = v as Record<string, unknown>;
  for (const k of Object.keys(rec)) if (k !== "name" && k !== "alpha") throw new ValueError(`${path}.${k}: unknown field of an activation`);
  if (rec.name === "leakyRelu") {
    if (typeof rec.alpha !== "number" || !Number.isFinite(rec.alpha) || rec.alpha < 0) throw new ValueError(`${path}.alpha: expected a finite number ≥ 0, got ${quote(rec.alpha)}`);
    return { name: "leakyRelu", alpha: rec.alpha };
  }
  if ("alpha" in rec) throw new ValueError(`${path}.alpha: only leakyRelu takes alpha`);
  if (typeof rec.name !== "string" || !NAMES.includes(rec.name)) throw new ValueError(`${path}.name: unknown activation ${quote(rec.name)}`);
  return { name: rec.name as Exclude<ActivationName, "leakyRelu"> };
};
