import { createRequire } from "node:module";
import type * as Yaml from "yaml";

let loaded: typeof Yaml | undefined;

/**
 * The yaml package, loaded on first use: only a spec with a problem needs its positioned
 * document, and loading the package costs every run about 80 ms.
 */
export function yamlPackage(): typeof Yaml {
  return (loaded ??= createRequire(import.meta.url)("yaml") as typeof Yaml);
}
