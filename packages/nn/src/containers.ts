// Containers that hold modules for a parent's forward to use as it likes: a list, indexable as
// an array, and a dict by name. Neither has a forward of its own, as in PyTorch.
import { ValueError } from "@strata/tensor";
import { show } from "./checks.js";
import { field } from "./config-fields.js";
import { layerEntry } from "./layer-type.js";
import { Module } from "./module.js";
import { childStateShapes } from "./sequential.js";

function checkModule(op: string, m: unknown, what: string): void {
  if (!(m instanceof Module)) throw new ValueError(`${op}: ${what} is not a Module (got ${show(m)})`);
}

/**
 * A list of modules: `list[i]`, `length`, `append`, `extend`, iteration in order. Its children
 * are named `"0"`, `"1"`, … (parameters `"0.W"`, `"1.running_mean"`), so its modules are seen by
 * `parameters()`, `stateDict()`, `train()`/`eval()`, `to()`, printing and `save`. It has no
 * `forward`: a parent module calls its items. Assigning `list[i] = m` replaces an item (use
 * `append` to add one).
 *
 * @throws ValueError from the constructor, `append` and `extend` when an item is not a Module; from `forward`, which a list does not have.
 * @example
 * ```ts
 * import { type Operand, type Variable } from "@strata/autograd";
 * import { Dense, Module, ModuleList } from "@strata/nn";
 * import { ones, rng } from "@strata/tensor";
 * class Tower extends Module {
 *   blocks = new ModuleList([new Dense(3, 3, { activation: "relu", rng: rng(0) })]);
 *   forward(x: Operand): Variable {
 *     let h: Operand = x;
 *     for (const block of this.blocks) h = block.forward(h);
 *     return h as Variable;
 *   }
 * }
 * const tower = new Tower();
 * tower.blocks.append(new Dense(3, 2, { rng: rng(1) }));
 * console.log(tower.blocks.length, tower.blocks[1]!.nOut); // 2 2
 * console.log(tower.namedParameters().map(([k]) => k)); // ["blocks.0.W", "blocks.0.b", "blocks.1.W", "blocks.1.b"]
 * console.log(tower.forward(ones([3, 4])).shape); // [2, 4]
 * ```
 */
export class ModuleList<M extends Module = Module> extends Module<never[], never> implements Iterable<M> {
  /** The items, by index (own properties `"0"`, `"1"`, …, which is how they become the children `"0"`, `"1"`). */
  [index: number]: M;
  #length = 0;

  constructor(modules: Iterable<M> = []) {
    super();
    let i = 0;
    for (const m of modules) {
      checkModule("ModuleList", m, `item ${i++}`);
      this.append(m);
    }
  }

  /** The number of modules. */
  get length(): number {
    return this.#length;
  }

  /** Adds `module` at the end (index `length`); returns the list. */
  append(module: M): this {
    checkModule("ModuleList.append", module, "the argument");
    this[this.#length++] = module;
    return this;
  }

  /** Appends every module of `modules`, in order. */
  extend(modules: Iterable<M>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  /** The module at `index`, counting from the end when negative, or undefined. */
  at(index: number): M | undefined {
    const i = index < 0 ? this.#length + index : index;
    return Number.isInteger(i) && i >= 0 && i < this.#length ? this[i] : undefined;
  }

  /** The modules in order. */
  *[Symbol.iterator](): Iterator<M> {
    for (let i = 0; i < this.#length; i++) yield this[i]!;
  }

  /** A list has no forward of its own: call its modules from a parent's forward. */
  forward(): never {
    throw new ValueError("ModuleList: a list of modules has no forward; call its items from your module's forward (for (const m of this.list) x = m.forward(x)), or use Sequential");
  }
}

/**
 * Modules by name, in insertion order: `get`, `set`, `has`, `pop`, `keys()`, `values()`,
 * `items()`, `length`; iteration gives the keys, as in PyTorch. Its children are named by key
 * (parameters `"encoder.W"`), so they are seen by `parameters()`, `stateDict()`, printing and
 * `save`. Keys are non-empty strings without dots. It has no `forward`.
 *
 * @throws ValueError from the constructor and `set` for a key that is empty or has a dot, or a value that is not a Module; from `forward`, which a dict does not have.
 * @example
 * ```ts
 * import { Dense, ModuleDict } from "@strata/nn";
 * import { ones, rng } from "@strata/tensor";
 * const heads = new ModuleDict({ age: new Dense(4, 1, { rng: rng(0) }), kind: new Dense(4, 3, { rng: rng(1) }) });
 * heads.set("size", new Dense(4, 2, { rng: rng(2) }));
 * heads.pop("size");
 * console.log([...heads], heads.length); // ["age", "kind"] 2
 * console.log(heads.get("kind")!.forward(ones([4, 2])).shape); // [3, 2]
 * console.log(Object.keys(heads.stateDict())); // ["age.W", "age.b", "kind.W", "kind.b"]
 * ```
 */
export class ModuleDict<M extends Module = Module> extends Module<never[], never> implements Iterable<string> {
  readonly #modules = new Map<string, M>();

  constructor(modules: Record<string, M> | Iterable<readonly [string, M]> = {}) {
    super();
    const entries = Symbol.iterator in Object(modules) ? (modules as Iterable<readonly [string, M]>) : Object.entries(modules as Record<string, M>);
    for (const [key, m] of entries) this.set(key, m);
  }

  /** The module named `key`, or undefined. */
  get(key: string): M | undefined {
    return this.#modules.get(key);
  }

  /** Adds `module` under `key` (at the end), or replaces the module there (in its place); returns the dict. */
  set(key: string, module: M): this {
    if (typeof key !== "string" || key === "" || key.includes(".")) throw new ValueError(`ModuleDict: a key must be a non-empty string without dots, got ${show(key)}`);
    checkModule("ModuleDict", module, `the value for "${key}"`);
    this.#modules.set(key, module);
    return this;
  }

  /** Whether a module is named `key`. */
  has(key: string): boolean {
    return this.#modules.has(key);
  }

  /** Removes the module named `key` and returns it (undefined when there is none). */
  pop(key: string): M | undefined {
    const m = this.#modules.get(key);
    this.#modules.delete(key);
    return m;
  }

  /** The number of modules. */
  get length(): number {
    return this.#modules.size;
  }

  /** The keys, in order. */
  keys(): IterableIterator<string> {
    return this.#modules.keys();
  }

  /** The modules, in order. */
  values(): IterableIterator<M> {
    return this.#modules.values();
  }

  /** `[key, module]` pairs, in order. */
  items(): IterableIterator<[string, M]> {
    return this.#modules.entries();
  }

  /** The keys, in order (as iterating a PyTorch ModuleDict does). */
  [Symbol.iterator](): Iterator<string> {
    return this.#modules.keys();
  }

  override namedChildren(): [string, Module][] {
    return [...this.#modules];
  }

  /** A dict has no forward of its own: call its modules from a parent's forward. */
  forward(): never {
    throw new ValueError("ModuleDict: a dict of modules has no forward; call its modules from your module's forward (this.dict.get(name)!.forward(x))");
  }
}

/** ModuleList in architectures: `{ type: "moduleList", modules: [...] }`. @internal */
export const moduleListLayer = layerEntry(ModuleList, {
  type: "moduleList",
  fields: { modules: field.layers() },
  config: (list) => ({ modules: [...list] }),
  fromConfig: (c) => new ModuleList(c.modules),
  stateShapes: (c, shapesOf) => childStateShapes(c.modules.map((m, i): [string, Module] => [String(i), m]), shapesOf),
});

/** ModuleDict in architectures: `{ type: "moduleDict", modules: [[name, layer], ...] }`. @internal */
export const moduleDictLayer = layerEntry(ModuleDict, {
  type: "moduleDict",
  fields: { modules: field.layerDict() },
  config: (dict) => ({ modules: [...dict.items()] }),
  fromConfig: (c) => new ModuleDict(c.modules),
  stateShapes: (c, shapesOf) => childStateShapes(c.modules, shapesOf),
});
