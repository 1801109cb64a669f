// Regenerates schema/pki.schema.json from the compiled field table (run: npm run schema).
import { writeFileSync } from "node:fs";
import { specJsonSchema } from "../dist/spec/schema.js";

writeFileSync(new URL("../schema/pki.schema.json", import.meta.url), `${JSON.stringify(specJsonSchema(), null, 2)}\n`);
