import { describe, expect, it } from "vitest";
import { ORDER_ITEMS_CSV_COLUMNS, ORDERS_CSV_COLUMNS } from "./orders_csv.ts";

describe("the contract's CSV columns", () => {
  it("are the headers of orders.csv and order_items.csv as the contract lists them", () => {
    expect(ORDERS_CSV_COLUMNS.join(",")).toBe(
      "id,user_id,order_date,order_subtotal,order_discount,order_total,order_status,payment_type," +
        "shipping_cost,shipping_service,address_city,address_state,utm_source_medium,device_type",
    );
    expect(ORDER_ITEMS_CSV_COLUMNS.join(",")).toBe("id,order_id,sku,quantity,code_color");
  });
});
