/**
 * The columns of the contract's `orders.csv`, in the header's order ("Purchases" in CONTRACT.md: the
 * files as exported from the shop database). The generator writes this header and the orders loader
 * reads it; the orders table has these columns.
 */
export const ORDERS_CSV_COLUMNS = [
  "id",
  "user_id",
  "order_date",
  "order_subtotal",
  "order_discount",
  "order_total",
  "order_status",
  "payment_type",
  "shipping_cost",
  "shipping_service",
  "address_city",
  "address_state",
  "utm_source_medium",
  "device_type",
] as const;
export type OrdersCsvColumn = (typeof ORDERS_CSV_COLUMNS)[number];

/**
 * The columns of the contract's `order_items.csv`, in the header's order; `order_id` refers to
 * `orders.id` (1:N) and `code_color` is the product bought.
 */
export const ORDER_ITEMS_CSV_COLUMNS = ["id", "order_id", "sku", "quantity", "code_color"] as const;
export type OrderItemsCsvColumn = (typeof ORDER_ITEMS_CSV_COLUMNS)[number];
