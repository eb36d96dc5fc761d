export { buildCatalog, CATALOG_SIZE, type Catalog } from "./catalog.ts";
export { type GenerateOptions, generate, MAX_SCALE } from "./generate.ts";
export { VIEWS_PER_PLATFORM_DAY } from "./platform_day.ts";
export * from "./report.ts";
