import type { SpecReader, YamlPath } from "./reader.js";

/** Where each entry stood in its YAML list, so cross-entry errors point at the right item after invalid ones were dropped. */
const yamlIndex = new WeakMap<object, number>();
export const indexOf = (item: object, fallback: number) => yamlIndex.get(item) ?? fallback;

export function readList<T extends object>(
  r: SpecReader,
  p: YamlPath,
  example: string,
  readItem: (p: YamlPath) => T | undefined,
): T[] {
  const count = r.sequenceLength(p, example);
  const out: T[] = [];
  for (let i = 0; i < count; i++) {
    if (!r.expectMap([...p, i], true, example)) continue;
    const item = readItem([...p, i]);
    if (item === undefined) continue;
    // Remembered only once an item was skipped: until then an item's place in the list is its YAML index.
    if (out.length !== i) yamlIndex.set(item, i);
    out.push(item);
  }
  return out;
}
