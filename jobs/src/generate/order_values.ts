import type { Platform } from "@ctr/schemas";
import type { Random } from "./prng.ts";

/** Purchases (order_items rows) per product view, per platform: "about 1–3 %". */
export const CONVERSION: Record<Platform, number> = { Android: 0.016, MobileWeb: 0.012, iOS: 0.022 };

/** Orders from desktops, relative to the orders from the three platforms: they never count as purchases. */
export const DESKTOP_SHARE = 0.25;

/**
 * How device_type is spelled, per platform, cycled through order by order so that every spelling
 * shows up even in small runs. The contract maps them case-insensitively.
 */
export const DEVICE_SPELLINGS: Record<Platform | "Desktop", readonly string[]> = {
  iOS: ["iOS", "iOS", "ios", "iOS", "IOS", "iOS", "iOS", "ios", "iOS", "iOS"],
  Android: ["Android", "Android", "android", "Android", "Android", "Android", "android", "Android"],
  MobileWeb: ["MobileWeb", "MobileWeb", "mobileweb", "MobileWeb", "MobileWeb", "MobileWeb"],
  Desktop: ["Desktop"],
};

/** A list of [value, relative weight] pairs. */
export type Weighted<T> = readonly (readonly [T, number])[];

/** Draws from a list of [value, weight] pairs. */
export function pickWeighted<T>(rng: Random, choices: Weighted<T>): T {
  let total = 0;
  for (const [, weight] of choices) total += weight;
  let x = rng.float() * total;
  for (const [value, weight] of choices) {
    x -= weight;
    if (x < 0) return value;
  }
  return (choices[choices.length - 1] as readonly [T, number])[0];
}

/** Items per order: mostly one, some multi-item orders (mean ≈ 1.43). */
export const ITEMS_PER_ORDER: Weighted<number> = [
  [1, 70],
  [2, 20],
  [3, 7],
  [4, 3],
];
export const MEAN_ITEMS_PER_ORDER = 1.43;

export const QUANTITIES: Weighted<number> = [
  [1, 85],
  [2, 12],
  [3, 3],
];

export const STATUSES: Weighted<string> = [
  ["complete", 55],
  ["shipped", 15],
  ["invoiced", 8],
  ["pending", 12],
  ["canceled", 10],
];

export const PAYMENT_TYPES: Weighted<string> = [
  ["credit_card", 70],
  ["boleto", 20],
  ["debit_card", 6],
  ["paypal", 4],
];

/** [service, shipping cost in cents]; pick-up in store is free. */
export const SHIPPING: Weighted<readonly [string, number]> = [
  [["PAC", 1290], 45],
  [["SEDEX", 2490], 30],
  [["Transportadora", 1890], 15],
  [["Retirada na loja", 0], 10],
];

/** Cities with their state; one holds a comma and one an apostrophe, so CSV quoting is exercised. */
export const CITIES: Weighted<readonly [string, string]> = [
  [["São Paulo", "SP"], 30],
  [["Rio de Janeiro", "RJ"], 15],
  [["Belo Horizonte", "MG"], 8],
  [["Porto Alegre", "RS"], 6],
  [["Curitiba", "PR"], 6],
  [["Salvador", "BA"], 5],
  [["Recife", "PE"], 5],
  [["Fortaleza", "CE"], 4],
  [["Brasília, Asa Sul", "DF"], 5],
  [["Campinas", "SP"], 4],
  [["Florianópolis", "SC"], 3],
  [["Santa Bárbara d'Oeste", "SP"], 2],
  [["Goiânia", "GO"], 3],
];

/** utm_source_medium values; empty for orders without campaign data; one carries quotes and a comma. */
export const UTM_SOURCES: Weighted<string> = [
  ["google / cpc", 30],
  ["google / organic", 20],
  ["(direct) / (none)", 20],
  ["facebook / social", 10],
  ["email / newsletter", 8],
  ["criteo / retargeting", 5],
  ['afiliados / "cashback, parceiro"', 2],
  ["", 5],
];

/** A product's price in cents, fixed per product code so repeated purchases cost the same. */
export function priceCents(product: string): number {
  let h = 0;
  for (let i = 0; i < product.length; i++) h = (Math.imul(h, 31) + product.charCodeAt(i)) | 0;
  return 3_990 + (Math.abs(h) % 56) * 1_000;
}

/** Cents as a decimal with two places, e.g. 12990 -> "129.90". */
export function formatCents(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
}
