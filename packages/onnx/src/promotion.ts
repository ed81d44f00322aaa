// The dtype an op computes in. Strata's ops promote their inputs (int32 + 0.5 is float32, float32 +
// a float64 buffer is float64, exp(int32) is float32); ONNX's operators take inputs of one type. So
// the exporter casts each such input to the dtype the op computes in, and makes numbers constants
// of that dtype: one rule here rather than a Cast in every lowering.
import { promoteTypes, resultTypeWithScalar, type DType } from "@strata/tensor";

type Rule = { readonly inputs: "all" | readonly number[]; readonly dtype: "output" | "promoted" | "bool" | "notBool" };

const unary: Rule = { inputs: "all", dtype: "output" };
const compare: Rule = { inputs: "all", dtype: "promoted" };
const logical: Rule = { inputs: "all", dtype: "bool" };
// ONNX's reductions and ArgMax take no bool: a mask is reduced as int32 (max and min cast back)
const reduction: Rule = { inputs: "all", dtype: "notBool" };

const RULES: Readonly<Record<string, Rule>> = {
  ...Object.fromEntries(
    ["neg", "exp", "log", "log1p", "sqrt", "reciprocal", "abs", "sin", "cos", "tanh", "softplus", "sign", "floor", "ceil", "round", "erf"].map((op) => [op, unary]),
  ),
  ...Object.fromEntries(["add", "mul", "pow", "maximum", "minimum", "matmul"].map((op) => [op, unary])),
  where: { inputs: [1, 2], dtype: "output" },
  ...Object.fromEntries(["relu", "sigmoid", "leakyRelu", "softmax", "logSoftmax", "mean", "logSumExp"].map((op) => [op, unary])),
  ...Object.fromEntries(["eq", "ne", "lt", "le", "gt", "ge"].map((op) => [op, compare])),
  ...Object.fromEntries(["logicalAnd", "logicalOr", "logicalNot"].map((op) => [op, logical])),
  sum: unary,
  ...Object.fromEntries(["max", "min", "argmax", "argmin"].map((op) => [op, reduction])),
};

/** The inputs' promotion, numbers weak (as the tensor package's binary ops). */
function promoted(values: readonly unknown[], dtypeOf: (v: unknown) => DType | null): DType {
  const dtypes = values.map(dtypeOf).filter((d): d is DType => d !== null);
  let dtype: DType = dtypes.length === 0 ? "float32" : dtypes.reduce(promoteTypes);
  if (dtypes.length > 0) for (const v of values) if (typeof v === "number") dtype = resultTypeWithScalar(dtype, v);
  return dtype;
}

/**
 * The dtype op `op` computes in, and which inputs must have it (null: the op takes its inputs as
 * they are, and numbers become constants of the output's dtype).
 */
export function computeDtype(op: string, values: readonly unknown[], output: DType, dtypeOf: (v: unknown) => DType | null): { dtype: DType; casts: (k: number) => boolean } | null {
  const rule = RULES[op];
  if (!rule) return null;
  const dtype = rule.dtype === "output" ? output : rule.dtype === "bool" ? "bool" : rule.dtype === "notBool" ? notBool(promoted(values, dtypeOf)) : comparedIn(values, dtypeOf);
  return { dtype, casts: (k) => rule.inputs === "all" || rule.inputs.includes(k) };
}

const notBool = (dtype: DType): DType => (dtype === "bool" ? "int32" : dtype);

/**
 * The dtype a comparison is made in: the promotion, but float64 where it is float32 and an operand
 * is not a float32 tensor. Strata compares each float32 value, as a double, with the number as
 * written (0.2, not float32's 0.200000003) and an int32 exactly; float64 in the graph does the same.
 */
function comparedIn(values: readonly unknown[], dtypeOf: (v: unknown) => DType | null): DType {
  const dtype = promoted(values, dtypeOf);
  if (dtype !== "float32") return dtype;
  return values.every((v) => v === null || v === undefined || dtypeOf(v) === "float32" || (typeof v === "number" && Math.fround(v) === v)) ? dtype : "float64";
}
