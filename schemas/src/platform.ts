/**
 * The three platforms of the contract, in byte order (uppercase sorts before lowercase),
 * which is also the API's row order.
 */
export const PLATFORMS = ["Android", "MobileWeb", "iOS"] as const;
export type Platform = (typeof PLATFORMS)[number];

const byLowerCase = new Map<string, Platform>(PLATFORMS.map((p) => [p.toLowerCase(), p]));

/** Maps a platform folder, an API value or an order's device_type onto a platform, case-insensitively. */
export function parsePlatform(value: string): Platform | undefined {
  return byLowerCase.get(value.trim().toLowerCase());
}
