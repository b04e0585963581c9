import { inspect } from "node:util";

/**
 * A secret value that never prints: `String()`, JSON and `util.inspect` all show `***`.
 * Read it with `reveal()` at the one place that hands it to a client.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return "***";
  }
  toJSON(): string {
    return "***";
  }
  [inspect.custom](): string {
    return "Secret(***)";
  }
}
