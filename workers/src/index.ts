export * from "./jobs/sync_purchases.ts";
export * from "./orders/database.ts";
export * from "./orders/load_orders.ts";
export * from "./orders/migrations.ts";
export * from "./orders/open_orders_database.ts";
export * from "./purchases/extract_purchases.ts";
export * from "./purchases/replace_purchases_day.ts";
