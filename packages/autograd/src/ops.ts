// Every op over variables, in one namespace for the Variable methods and the engine.
export * from "./elementwise.js";
export * from "./structural.js";
export * from "./composites.js";
export * from "./shapes.js";
export * from "./masks.js";
export * from "./activation-functions.js";
export * from "./softmax.js";
