// tfjs-core's Node build (its package "main", dist/tf-core.node.js) registers no gradients: the
// @tensorflow/tfjs bundle adds them by importing tfjs-core's ES-module build,
// dist/register_all_gradients.js. Node cannot load that build as shipped: its relative imports
// have no extension, and its .js files sit in a package that is not "type": "module". So a module
// hook, limited to that folder, adds the extension and declares the format, and the file is
// imported once. The gradients land in tfjs's registry, which lives on globalThis and is shared
// with the Node build, so minimize() and variableGrads() then find them.
import { register } from "node:module";

const hooks = `
const inCore = (url) => typeof url === "string" && url.includes("/@tensorflow/tfjs-core/dist/");
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    if (!inCore(context.parentURL) || !specifier.startsWith(".")) throw error;
    try {
      return await next(specifier + ".js", context);
    } catch {
      return next(specifier + "/index.js", context);
    }
  }
}
export async function load(url, context, next) {
  const esm = inCore(url) && url.endsWith(".js") && !url.endsWith("/tf-core.node.js");
  return next(url, esm ? { ...context, format: "module" } : context);
}
`;

let registered: Promise<void> | undefined;

/** Makes tfjs-core's gradients available (idempotent). */
export function registerTfjsGradients(): Promise<void> {
  registered ??= (async () => {
    register(`data:text/javascript,${encodeURIComponent(hooks)}`);
    await import("@tensorflow/tfjs-core/dist/register_all_gradients.js");
  })();
  return registered;
}
