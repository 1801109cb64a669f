// The house rules a linter does not check, run by `npm run lint`: no import cycle between
// files of src/, none between its folders (files at the top of src/ count as folders of their
// own), and no source file over 300 lines. Exits 1 naming each breach.
import madge from "madge";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const MAX_LINES = 300;
const result = await madge(path.join(root, "src"), {
  fileExtensions: ["ts"],
  tsConfig: path.join(root, "tsconfig.json"),
});
const graph = result.obj();
const problems = [];

for (const cycle of result.circular())
  problems.push(`import cycle between files: ${[...cycle, cycle[0]].join(" -> ")}`);

const folderOf = (file) => (file.includes("/") ? file.split("/")[0] + "/" : file);
const folders = new Map();
for (const [file, imports] of Object.entries(graph)) {
  for (const imported of imports) {
    const [from, to] = [folderOf(file), folderOf(imported)];
    if (from === to) continue;
    if (!folders.has(from)) folders.set(from, new Map());
    if (!folders.get(from).has(to)) folders.get(from).set(to, `${file} -> ${imported}`);
  }
}
for (const cycle of stronglyConnected(folders).filter((component) => component.length > 1)) {
  const members = new Set(cycle);
  const edges = cycle.flatMap((from) =>
    [...(folders.get(from) ?? [])].filter(([to]) => members.has(to)).map(([to, via]) => `${from} -> ${to} (${via})`),
  );
  problems.push(`import cycle between folders ${cycle.join(", ")}:\n  ${edges.join("\n  ")}`);
}

for (const file of Object.keys(graph)) {
  const lines = readFileSync(path.join(root, "src", file), "utf8").split("\n").length - 1;
  if (lines > MAX_LINES) problems.push(`src/${file} has ${lines} lines (at most ${MAX_LINES}): split it by concern`);
}

if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(
  `imports: ${Object.keys(graph).length} files, no cycle between files or folders, none over ${MAX_LINES} lines`,
);

/** Tarjan's strongly connected components of a graph given as Map<node, Map<node, label>>. */
function stronglyConnected(edges) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  const visit = (node) => {
    index.set(node, index.size);
    low.set(node, index.get(node));
    stack.push(node);
    onStack.add(node);
    for (const next of (edges.get(node) ?? new Map()).keys()) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node), low.get(next)));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node), index.get(next)));
    }
    if (low.get(node) === index.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      components.push(component);
    }
  };
  for (const node of edges.keys()) if (!index.has(node)) visit(node);
  return components;
}
