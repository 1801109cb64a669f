import { TOP_FIELDS, type Field, type Section } from "./fields.js";

type JsonSchema = Record<string, unknown>;

function fieldSchema(field: Field): JsonSchema {
  const base = { description: field.description };
  switch (field.type) {
    case "string":
      return {
        ...base,
        type: "string",
        ...(field.pattern ? { pattern: field.pattern } : {}),
        ...(field.maxLength ? { maxLength: field.maxLength } : {}),
      };
    case "integer":
      return { ...base, type: "integer", minimum: field.minimum, maximum: field.maximum };
    case "boolean":
      return { ...base, type: "boolean" };
    case "enum":
      return { ...base, enum: [...field.values] };
    // The parser also takes a single string where a list is expected.
    case "stringList":
      return { ...base, oneOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] };
    case "object":
      return { ...base, ...sectionSchema(field.section, field.required) };
    case "list":
      return { ...base, type: "array", items: sectionSchema(field.section, field.required) };
  }
}

function sectionSchema(section: Section, required: string[] = []): JsonSchema {
  return {
    type: "object",
    additionalProperties: false,
    ...(required.length > 0 ? { required } : {}),
    properties: Object.fromEntries(Object.entries(section).map(([key, field]) => [key, fieldSchema(field)])),
  };
}

/** The JSON Schema of pki.yaml, generated from the same field table the parser checks keys against. */
export function specJsonSchema(): JsonSchema {
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "mqtt-pki spec (pki.yaml)",
    ...sectionSchema(TOP_FIELDS, ["version", "ca", "servers"]),
  };
}
