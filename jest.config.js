/** Jest in ESM mode (yargs 18 is ESM-only); ts-jest compiles TypeScript on the fly. */
export default {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  transform: { "^.+\\.ts$": ["ts-jest", { useESM: true, tsconfig: "tsconfig.json" }] },
  setupFiles: ["reflect-metadata"],
  globalSetup: "<rootDir>/test/compile-dist.mjs",
  testMatch: ["<rootDir>/test/**/*.test.ts"],
  testTimeout: 60000,
};
